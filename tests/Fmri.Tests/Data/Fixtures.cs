using System.Text.Json;

namespace Fmri.Tests.Data;

/// <summary>
/// The committed fixture files (tests/Fmri.Tests/Data/Fixtures, written by make_fixtures.py with h5py) and the
/// values that script recorded in expected.json.
/// </summary>
public static class Fixtures
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Folder { get; } = Path.Combine(RepositoryRoot, "tests", "Fmri.Tests", "Data", "Fixtures");

    private static readonly Lazy<JsonElement> ExpectedJson = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "expected.json"))).RootElement);

    public static string PathOf(string name) => Path.Combine(Folder, name);

    /// <summary>The recorded values of one fixture (e.g. "bdata_current").</summary>
    public static JsonElement Expected(string fixture) => ExpectedJson.Value.GetProperty(fixture);

    public static double[] Doubles(this JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    public static float[] Floats(this JsonElement e) => e.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

    public static int[] Ints(this JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();

    public static string[] Strings(this JsonElement e) => e.EnumerateArray().Select(v => v.GetString() ?? "").ToArray();

    public static Dictionary<string, int[]> IntLists(this JsonElement e)
        => e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Ints());

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Decoding.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no Decoding.sln above {AppContext.BaseDirectory}");
    }
}
