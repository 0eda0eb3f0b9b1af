namespace Fmri.Core.IO;

/// <summary>
/// Writes outputs so that a reader never sees a half-written file: the content goes to a temporary file in
/// the destination folder, which is renamed over the destination only when writing succeeded. Refuses to
/// overwrite the files a run reads (its inputs).
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="destination"/> by calling <paramref name="write"/> with a temporary path.</summary>
    /// <param name="destination">Final path.</param>
    /// <param name="write">Writes the complete file at the path it is given.</param>
    /// <param name="inputs">Paths the run reads; the destination must not be one of them.</param>
    public static void Write(string destination, Action<string> write, params string[] inputs)
    {
        EnsureNotAnInput(destination, inputs);
        string full = Path.GetFullPath(destination);
        string dir = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            write(tmp);
            File.Move(tmp, full, overwrite: true);
            WrittenInScope.Value?.Add(full);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Throws when <paramref name="destination"/> is one of <paramref name="inputs"/>; commands call it before doing any work.</summary>
    public static void EnsureNotAnInput(string destination, params string[] inputs)
    {
        string full = Path.GetFullPath(destination);
        foreach (var input in inputs)
        {
            if (string.Equals(Path.GetFullPath(input), full, StringComparison.Ordinal))
                throw new ArgumentException($"{destination}: output would overwrite an input file; choose another output path");
        }
    }

    /// <summary>
    /// Runs <paramref name="write"/>, which writes an output and the files that go with it; when it fails, those of
    /// <paramref name="paths"/> this run wrote are removed, so a run leaves all of its files or none of them. A file this
    /// run did not get to write (say the output of an earlier run, where the new run's first write failed on a full disk)
    /// is left as it was. A file counts as written by this run when <see cref="Write"/> put it there during the call, or
    /// when it did not exist before.
    /// </summary>
    public static void AllOrNone(IReadOnlyList<string> paths, Action write)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(write);
        var existed = paths.ToDictionary(path => path, File.Exists);
        var outer = WrittenInScope.Value;
        var written = new HashSet<string>(StringComparer.Ordinal);
        WrittenInScope.Value = written;
        try
        {
            write();
        }
        catch
        {
            foreach (string path in paths)
            {
                try
                {
                    if (File.Exists(path) && (written.Contains(Path.GetFullPath(path)) || !existed[path])) File.Delete(path);
                }
                catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
                {
                    // Leave it: the original failure is the one to report.
                }
            }
            throw;
        }
        finally
        {
            WrittenInScope.Value = outer;
            outer?.UnionWith(written);
        }
    }

    /// <summary>The destinations <see cref="Write"/> completed inside the innermost <see cref="AllOrNone"/> call.</summary>
    private static readonly AsyncLocal<HashSet<string>?> WrittenInScope = new();

    /// <summary>Writes a text file atomically.</summary>
    public static void WriteAllText(string destination, string text, params string[] inputs)
        => Write(destination, tmp => File.WriteAllText(tmp, text), inputs);

    /// <summary>Writes a binary file atomically.</summary>
    public static void WriteAllBytes(string destination, byte[] bytes, params string[] inputs)
        => Write(destination, tmp => File.WriteAllBytes(tmp, bytes), inputs);

    /// <summary>Writes through a stream atomically.</summary>
    public static void WriteStream(string destination, Action<Stream> write, params string[] inputs)
        => Write(destination, tmp =>
        {
            using var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write);
            write(stream);
        }, inputs);
}
