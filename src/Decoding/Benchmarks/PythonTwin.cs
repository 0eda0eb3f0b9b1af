using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Decoding.Benchmarks;

/// <summary>
/// The PyTorch / h5py side of <c>decoding benchmark</c>: <c>benchmarks/ldm_twin.py</c> (embedded in the program) run
/// by a Python as a server that answers one JSON request per line, so each of its timings can be interleaved with the
/// project's own. Timings are taken inside Python (start-up and the pipe not counted).
/// </summary>
public sealed class PythonTwin : IDisposable
{
    private readonly Process process;
    private readonly string scriptPath;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> errors = new();

    /// <summary>The manifest's JSON conventions (snake_case, named floats) on one line, as the protocol needs.</summary>
    private static readonly JsonSerializerOptions OneLine = new(Fmri.Core.Runs.RunManifest.JsonOptions) { WriteIndented = false };

    private PythonTwin(Process process, string scriptPath)
    {
        this.process = process;
        this.scriptPath = scriptPath;
    }

    /// <summary>
    /// Starts the twin with <paramref name="python"/>; <paramref name="libraryPath"/>, when given, is put first on its
    /// LD_LIBRARY_PATH (e.g. an OpenBLAS for Debian's torch, which links the reference BLAS by default);
    /// <paramref name="environment"/> adds variables (e.g. glibc's malloc tunables). Returns null and why when it
    /// cannot start.
    /// </summary>
    public static (PythonTwin? Twin, string Problem) Start(string python, string? libraryPath, string? script = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        // A bare name ("python3") is looked up on PATH, as a shell would.
        if (!python.Contains('/'))
            python = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Select(dir => Path.Combine(dir, python)).FirstOrDefault(File.Exists) ?? python;
        if (!File.Exists(python)) return (null, $"--python {python}: not found");
        string path = script ?? ExtractScript();
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(path);
        start.ArgumentList.Add("--serve");
        if (!string.IsNullOrWhiteSpace(libraryPath))
        {
            string? existing = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
            start.Environment["LD_LIBRARY_PATH"] = string.IsNullOrEmpty(existing) ? libraryPath : $"{libraryPath}:{existing}";
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (null, $"could not start {python} ({e.Message})");
        }
        if (process is null) return (null, $"could not start {python}");
        var twin = new PythonTwin(process, script is null ? path : "");
        process.ErrorDataReceived += (_, line) =>
        {
            if (string.IsNullOrWhiteSpace(line.Data)) return;
            twin.errors.Enqueue(line.Data.Trim());
            while (twin.errors.Count > 20) twin.errors.TryDequeue(out string? _);
        };
        process.BeginErrorReadLine();
        return (twin, "");
    }

    /// <summary>Sends one request and returns the answer; an answer with "error" (or a dead process) throws.</summary>
    public JsonObject Ask(object request)
    {
        string? line;
        try
        {
            process.StandardInput.WriteLine(JsonSerializer.Serialize(request, OneLine));
            process.StandardInput.Flush();
            line = process.StandardOutput.ReadLine();
        }
        catch (IOException)
        {
            line = null;
        }
        if (line is null) throw new PythonTwinException($"the Python twin ({process.StartInfo.FileName}) exited: {LastError()}");
        JsonObject? answer;
        try
        {
            answer = JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException)
        {
            answer = null;
        }
        if (answer is null) throw new PythonTwinException($"the Python twin ({process.StartInfo.FileName}) answered '{line}', not a JSON object");
        if (answer["error"] is { } error) throw new PythonTwinException($"the Python twin ({process.StartInfo.FileName}): {error}");
        return answer;
    }

    /// <summary>The last line the twin wrote to standard error (its exception), or a note that it wrote none.</summary>
    public string LastError() => errors.LastOrDefault() ?? "no message";

    /// <summary>Milliseconds of one run of a workload ("train", "sample") in the twin.</summary>
    public double Milliseconds(string command) => Field<double>(Ask(new { cmd = command }), "ms");

    /// <summary>Field <paramref name="name"/> of an answer, of type <typeparamref name="T"/>; a missing or mistyped one is the twin's fault, one line.</summary>
    public T Field<T>(JsonObject answer, string name)
    {
        try
        {
            if (answer[name] is { } value) return value.GetValue<T>();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new PythonTwinException($"the Python twin ({process.StartInfo.FileName}) answered {answer.ToJsonString()}: \"{name}\" is not a {typeof(T).Name}");
        }
        throw new PythonTwinException($"the Python twin ({process.StartInfo.FileName}) answered {answer.ToJsonString()}, without \"{name}\"");
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                process.StandardInput.WriteLine("{\"cmd\": \"quit\"}");
                process.StandardInput.Flush();
                if (!process.WaitForExit(5000)) process.Kill();
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // Already gone.
        }
        process.Dispose();
        if (scriptPath.Length > 0 && File.Exists(scriptPath)) File.Delete(scriptPath);
    }

    /// <summary>The embedded twin script, written to a temporary file.</summary>
    private static string ExtractScript()
    {
        using var resource = typeof(PythonTwin).Assembly.GetManifestResourceStream("ldm_twin.py")
            ?? throw new InvalidOperationException("the program was built without benchmarks/ldm_twin.py");
        string path = Path.Combine(Path.GetTempPath(), $"ldm_twin.{Environment.ProcessId}.{Guid.NewGuid():N}.py");
        using var file = File.Create(path);
        resource.CopyTo(file);
        return path;
    }
}

/// <summary>The Python twin (the program --python names) died or answered nonsense: a problem with that program, reported in one line.</summary>
public sealed class PythonTwinException(string message) : Exception(message);
