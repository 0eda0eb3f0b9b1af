using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace Decoding.Tests.Notebooks;

/// <summary>
/// Each notebook ships as a C# file-based app next to it (notebooks/01-preprocess.cs, ...), generated from the
/// notebook by <see cref="NotebookAppGenerator"/>. These tests keep the apps equal to what the generator makes from
/// the notebooks, check the generator's rules on small notebooks, and run the apps with `dotnet run --file`.
/// </summary>
[Collection(NotebookCollection.Name)]
public sealed class NotebookAppTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_notebook_app_is_what_the_generator_makes_from_its_notebook()
    {
        bool update = Environment.GetEnvironmentVariable(NotebookAppGenerator.UpdateVariable) == "1";
        var problems = new List<string>();
        var notebooks = NotebookFiles.Notebooks();
        Assert.NotEmpty(notebooks);
        foreach (var notebook in notebooks)
        {
            string app = NotebookFiles.AppOf(notebook);
            string expected = NotebookAppGenerator.Generate(notebook);
            string? actual = File.Exists(app) ? File.ReadAllText(app) : null;
            if (actual == expected) continue;
            if (update)
            {
                File.WriteAllText(app, expected, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                output.WriteLine($"rewrote notebooks/{Path.GetFileName(app)}");
                continue;
            }
            problems.Add(actual is null
                ? $"notebooks/{Path.GetFileName(app)} is missing"
                : $"notebooks/{Path.GetFileName(app)} differs from its notebook: {FirstDifference(expected, actual)}");
        }
        foreach (var orphan in Directory.GetFiles(NotebookFiles.Folder, "*.cs"))
            if (!File.Exists(Path.ChangeExtension(orphan, ".ipynb")))
                problems.Add($"notebooks/{Path.GetFileName(orphan)} has no notebook {Path.GetFileNameWithoutExtension(orphan)}.ipynb");
        Assert.True(problems.Count == 0,
            string.Join("\n", problems) + "\nThe apps are generated from the notebooks; edit the notebook, not the app, and regenerate with:\n  " +
            NotebookAppGenerator.RegenerateCommand);
    }

    private static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string? x = i < e.Length ? e[i] : null, y = i < a.Length ? a[i] : null;
            if (x != y)
                return $"line {i + 1} should be {(x is null ? "absent" : $"\"{NotebookRunner.Shorten(x, 100)}\"")}, is {(y is null ? "absent" : $"\"{NotebookRunner.Shorten(y, 100)}\"")}";
        }
        return "line endings or encoding differ";
    }

    [Fact]
    public void The_generator_turns_cells_into_a_top_level_program()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.Sub("Lib.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        string notebook = NotebookHarnessTests.WriteNotebook(temp.Sub("nb"), "demo.ipynb",
            "md:# Demo\n\nSome *text*.",
            "#r \"../bin/Debug/net10.0/lib.dll\"\n#r \"../bin/Debug/net10.0/other.dll\"\n#r \"nuget: MathNet.Numerics, 5.0.0\"\nusing System.IO;\nusing static System.Math;\nusing L = System.Collections.Generic.List<int>;\n\nvar x = Abs(-2);",
            "using System.IO;\nusing var stream = new MemoryStream();\nusing (var other = new MemoryStream()) { }\ndisplay(x);");
        string app = NotebookAppGenerator.Generate(notebook);
        string expected = string.Join("\n",
            "#:project ../Lib.csproj",
            "#:package MathNet.Numerics",
            "#:property PublishAot=false",
            "",
            "using System.IO;",
            "using static System.Math;",
            "using L = System.Collections.Generic.List<int>;",
            "",
            "// # Demo",
            "//",
            "// Some *text*.",
            "",
            "// --- code cell 1 ---",
            "var x = Abs(-2);",
            "",
            "// --- code cell 2 ---",
            "using var stream = new MemoryStream();",
            "using (var other = new MemoryStream()) { }",
            "display(x);",
            "",
            "// The notebook calls the kernel's display(...); here it prints the value.",
            "static void display(object? value, params string[] mimeTypes) => Console.WriteLine(value);",
            "");
        Assert.StartsWith("// demo.cs: the notebook demo.ipynb as a C# file-based app", app);
        Assert.EndsWith(expected, app);
        Assert.DoesNotContain("\r", app);
    }

    [Fact]
    public void The_generator_rejects_what_an_app_cannot_do()
    {
        using var temp = new TempFolder();
        string magic = NotebookHarnessTests.WriteNotebook(temp.Path, "magic.ipynb", "var a = 1;", "#!time\nvar b = 2;");
        Assert.Contains("magic.ipynb, code cell 2: magic command '#!time'",
            Assert.Throws<NotSupportedException>(() => NotebookAppGenerator.Generate(magic)).Message);
        string loose = NotebookHarnessTests.WriteNotebook(temp.Path, "loose.ipynb", "#r \"/usr/lib/some.dll\"");
        Assert.Contains("loose.ipynb, code cell 1: #r \"/usr/lib/some.dll\" is not a project's build output",
            Assert.Throws<NotSupportedException>(() => NotebookAppGenerator.Generate(loose)).Message);
    }

    // ---- running the apps ----

    private static readonly string SharedWorkingDirectory = Directory.CreateTempSubdirectory("notebook-apps").FullName;
    private static readonly HashSet<string> Completed = [];
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>
    /// Runs the app with `dotnet run --file` in a temporary working directory shared by the apps, in name order (02 reads
    /// what 01 wrote; running one app alone first runs those before it), and checks its exit code and the files it wrote.
    /// </summary>
    [Theory]
    [Trait("Category", "Slow")]
    [MemberData(nameof(NotebookExecutionTests.Notebooks), MemberType = typeof(NotebookExecutionTests))]
    public async Task Notebook_app_runs_with_dotnet_run(string notebook)
    {
        await Gate.WaitAsync();
        try
        {
            foreach (var path in NotebookFiles.Notebooks())
            {
                string name = Path.GetFileName(path);
                if (Completed.Contains(name)) { if (name == notebook) break; continue; }
                string app = NotebookFiles.AppOf(path);
                Assert.True(File.Exists(app), $"{app} is missing; generate it with: {NotebookAppGenerator.RegenerateCommand}");
                var (exit, log, elapsed) = await RunDotnetAsync(SharedWorkingDirectory, "run", "--file", app, "--disable-build-servers");
                output.WriteLine($"{Path.GetFileName(app)}: dotnet run --file exited {exit} after {elapsed.TotalSeconds:F1} s (build and run)");
                Assert.True(exit == 0, $"notebooks/{Path.GetFileName(app)}: dotnet run --file exited with {exit}:\n{Tail(log, 60)}");
                NotebookFiles.AssertWroteExpectedFiles(name, SharedWorkingDirectory, $"notebooks/{Path.GetFileName(app)}");
                Completed.Add(name);
                if (name == notebook) break;
            }
            Assert.Contains(notebook, Completed);
        }
        finally
        {
            Gate.Release();
        }
    }

    private static string Tail(string text, int lines)
    {
        var all = text.TrimEnd().Split('\n');
        return string.Join("\n", all.Skip(Math.Max(0, all.Length - lines)));
    }

    /// <summary>The dotnet host running the tests (the SDK that built them), else `dotnet` from PATH.</summary>
    private static string DotnetHost()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (host is { Length: > 0 } && File.Exists(host)) return host;
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        return "dotnet";
    }

    private static async Task<(int ExitCode, string Log, TimeSpan Elapsed)> RunDotnetAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";   // no MSBuild node outlives the command holding our pipes
        // The test host's own variables would redirect the child (a testhost's runtime settings, a test's VSTest settings).
        foreach (var variable in new[] { "VSTEST_HOST_DEBUG", "VSTEST_RUNNER_DEBUG", "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH" })
            start.Environment.Remove(variable);

        var log = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.Append(e.Data).Append('\n'); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.Append(e.Data).Append('\n'); };
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(" ", arguments)} did not finish in 15 minutes:\n{Tail(log.ToString(), 40)}");
        }
        lock (log) return (process.ExitCode, log.ToString(), clock.Elapsed);
    }
}
