using System.Text.RegularExpressions;

namespace Decoding.Tests.Walkthrough;

/// <summary>
/// The commands of a README section, read from the README itself: every <c>```bash</c> block of the section, line by
/// line. A line <c>name=value</c> sets a shell variable; a line starting with <c>decoding</c> is a command whose
/// <c>$name</c> words are expanded; comments and blank lines are skipped. Anything else fails, so the README cannot
/// hold a step the test does not run.
/// </summary>
public static partial class ReadmeWalkthrough
{
    /// <summary>The steps of section <paramref name="heading"/> (e.g. "## Bring your own data"), in order.</summary>
    public static IReadOnlyList<(string? Variable, string[] Words)> Steps(string readme, string heading)
    {
        int start = readme.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        if (start < 0) throw new InvalidOperationException($"README has no section '{heading}'");
        int end = readme.IndexOf("\n## ", start + heading.Length + 1, StringComparison.Ordinal);
        string section = end < 0 ? readme[start..] : readme[start..end];
        var steps = new List<(string?, string[])>();
        foreach (Match block in BashBlock().Matches(section))
        {
            foreach (string raw in block.Groups[1].Value.Split('\n'))
            {
                string line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#')) continue;
                var assignment = Assignment().Match(line);
                if (assignment.Success) steps.Add((assignment.Groups[1].Value, [assignment.Groups[2].Value]));
                else if (line.StartsWith("decoding ", StringComparison.Ordinal)) steps.Add((null, line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..]));
                else throw new InvalidOperationException($"README line the walkthrough cannot run: {line}");
            }
        }
        return steps;
    }

    /// <summary>Replaces <c>$name</c> words (and <c>$name/...</c> prefixes) with the variables' values.</summary>
    public static string Expand(string word, IReadOnlyDictionary<string, string> variables) =>
        Variable().Replace(word, m => variables.TryGetValue(m.Groups[1].Value, out var value)
            ? value
            : throw new InvalidOperationException($"README uses ${m.Groups[1].Value} before setting it"));

    [GeneratedRegex(@"```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlock();

    [GeneratedRegex(@"^([A-Za-z_][A-Za-z0-9_]*)=(\S+)$")]
    private static partial Regex Assignment();

    [GeneratedRegex(@"\$([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Variable();
}
