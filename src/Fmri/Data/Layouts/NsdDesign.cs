using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fmri.Core.IO;
using PureHDF;

namespace Fmri.Data.Layouts;

/// <summary>
/// The NSD experimental design for one subject, one row per trial in acquisition order: session, run, the stimulus
/// as a 1-based index into the 73,000 NSD images (<c>nsd_00042</c> for index 42), and whether the image is one of the
/// shared 1,000 (the test split). Read from NSD's own <c>nsd_expdesign.mat</c> (<see cref="NsdExpDesign"/>) or from
/// the project's column-wise JSON or HDF5 file (see data/README.md):
/// JSON <c>{"layout": "fmri-decoding/nsd-design", "subject": "subj01", "session": [...], "run": [...],
/// "nsd_index": [...], "shared1000": [...]}</c>; HDF5 datasets <c>/session</c>, <c>/run</c>, <c>/nsd_index</c>
/// (integers) and <c>/shared1000</c> (uint8 0/1), attribute <c>subject</c>.
/// Trials of session s are the rows with session == s, in row order = trial order in <c>betas_sessionNN.hdf5</c>.
/// </summary>
public sealed record NsdDesign
{
    /// <summary>Layout tag written in the JSON and HDF5 files.</summary>
    public const string LayoutName = "fmri-decoding/nsd-design";

    /// <summary>Number of images in the NSD stimulus set (nsd_stimuli.hdf5 imgBrick).</summary>
    public const int ImageCount = 73_000;

    /// <summary>Session (1-based) of each trial.</summary>
    public required int[] Sessions { get; init; }

    /// <summary>Run within its session (1-based) of each trial.</summary>
    public required int[] Runs { get; init; }

    /// <summary>1-based index of each trial's image among the 73,000 NSD images.</summary>
    public required int[] NsdIndices { get; init; }

    /// <summary>True when the trial's image is one of the shared 1,000 images every subject saw (the test split).</summary>
    public required bool[] Shared1000 { get; init; }

    /// <summary>Subject identifier (e.g. "subj01").</summary>
    public string Subject { get; init; } = "";

    public int TrialCount => Sessions.Length;

    /// <summary>Stimulus id of a 1-based NSD image index: 42 becomes "nsd_00042".</summary>
    public static StimulusId StimulusOf(int nsdIndex) => new(string.Create(CultureInfo.InvariantCulture, $"nsd_{nsdIndex:D5}"));

    /// <summary>Rows (trials) of <paramref name="session"/>, in order.</summary>
    public int[] TrialsOf(int session) => Enumerable.Range(0, TrialCount).Where(i => Sessions[i] == session).ToArray();

    /// <summary>Distinct sessions in ascending order.</summary>
    public int[] SessionNumbers() => Sessions.Distinct().Order().ToArray();

    /// <summary>
    /// Reads a design file: NSD's own <c>nsd_expdesign.mat</c> (<see cref="NsdExpDesign"/>; needs the subject, 1-8), the
    /// project's <c>.json</c>, otherwise the project's HDF5.
    /// </summary>
    public static NsdDesign Read(string path, int? subject = null)
    {
        if (path.EndsWith(".mat", StringComparison.OrdinalIgnoreCase))
            return NsdExpDesign.Read(path, subject ?? throw new InvalidSettingException("nsd_subject", null,
                $"is required with NSD's {Path.GetFileName(path)}: the subject number 1-8 (taken from a subjNN folder in the betas path when there is one)"));
        var design = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? ReadJson(path) : ReadHdf5(path);
        design.Validate(path);
        return design;
    }

    /// <summary>Writes the design as JSON (<c>.json</c>) or HDF5 (any other extension). Atomic.</summary>
    public void Write(string path)
    {
        Validate(path);
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            var json = new JsonObject
            {
                ["layout"] = LayoutName,
                ["subject"] = Subject,
                ["session"] = new JsonArray(Sessions.Select(v => (JsonNode)v).ToArray()),
                ["run"] = new JsonArray(Runs.Select(v => (JsonNode)v).ToArray()),
                ["nsd_index"] = new JsonArray(NsdIndices.Select(v => (JsonNode)v).ToArray()),
                ["shared1000"] = new JsonArray(Shared1000.Select(v => (JsonNode)v).ToArray()),
            };
            AtomicFile.WriteAllText(path, json.ToJsonString() + "\n");
            return;
        }
        var file = new H5File
        {
            ["session"] = Sessions,
            ["run"] = Runs,
            ["nsd_index"] = NsdIndices,
            ["shared1000"] = Array.ConvertAll(Shared1000, s => s ? (byte)1 : (byte)0),
        };
        file.Attributes["layout"] = LayoutName;
        file.Attributes["subject"] = Subject;
        AtomicFile.Write(path, tmp => file.Write(tmp));
    }

    /// <summary>Checks lengths and ranges; <see cref="DataFormatException"/> naming <paramref name="file"/> and the field.</summary>
    public void Validate(string file)
    {
        int n = Sessions.Length;
        if (n == 0) throw new DataFormatException(file, "session", "lists no trials");
        if (Runs.Length != n) throw new DataFormatException(file, "run", $"has {Runs.Length} entries but session has {n}");
        if (NsdIndices.Length != n) throw new DataFormatException(file, "nsd_index", $"has {NsdIndices.Length} entries but session has {n}");
        if (Shared1000.Length != n) throw new DataFormatException(file, "shared1000", $"has {Shared1000.Length} entries but session has {n}");
        for (int i = 0; i < n; i++)
        {
            if (Sessions[i] < 1) throw new DataFormatException(file, "session", $"trial {i} has session {Sessions[i]}, expected 1 or more");
            if (Runs[i] < 0) throw new DataFormatException(file, "run", $"trial {i} has run {Runs[i]}, expected 0 or more");
            if (NsdIndices[i] is < 1 or > ImageCount)
                throw new DataFormatException(file, "nsd_index", $"trial {i} has image {NsdIndices[i]}, expected a 1-based index 1..{ImageCount}");
        }
    }

    private static NsdDesign ReadJson(string path)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, "file", "does not exist");
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, "json", $"is not valid JSON: {e.Message}", e);
        }
        if (root is not JsonObject obj) throw new DataFormatException(path, "json", "top level is not an object");
        string? layout = obj["layout"]?.GetValue<string>();
        if (layout is not null && layout != LayoutName) throw new DataFormatException(path, "layout", $"is '{layout}', expected '{LayoutName}'");
        return new NsdDesign
        {
            Sessions = Integers(path, obj, "session"),
            Runs = Integers(path, obj, "run"),
            NsdIndices = Integers(path, obj, "nsd_index"),
            Shared1000 = Array.ConvertAll(Integers(path, obj, "shared1000", allowBooleans: true), v => v != 0),
            Subject = obj["subject"]?.GetValue<string>() ?? "",
        };
    }

    private static int[] Integers(string path, JsonObject obj, string name, bool allowBooleans = false)
    {
        if (obj[name] is not JsonArray array) throw new DataFormatException(path, name, "is missing or not an array");
        var values = new int[array.Count];
        for (int i = 0; i < array.Count; i++)
        {
            var node = array[i];
            var kind = node?.GetValueKind();
            if (allowBooleans && kind is JsonValueKind.True or JsonValueKind.False) values[i] = kind == JsonValueKind.True ? 1 : 0;
            else if (kind == JsonValueKind.Number && node!.GetValue<double>() is var d && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue) values[i] = (int)d;
            else throw new DataFormatException(path, name, $"entry {i} is {node?.ToJsonString() ?? "null"}, expected an integer{(allowBooleans ? " or a boolean" : "")}");
        }
        return values;
    }

    private static NsdDesign ReadHdf5(string path)
    {
        using var input = Hdf5Input.Open(path);
        int[] Column(string name)
        {
            input.Shape(name, 1);
            return Array.ConvertAll(input.ReadIntegers(name), v => v is < int.MinValue or > int.MaxValue
                ? throw input.Error(name, $"value {v} is outside the int32 range")
                : (int)v);
        }
        string? layout = input.StringAttribute("/", "layout");
        if (layout is not null && layout != LayoutName) throw input.Error("/@layout", $"is '{layout}', expected '{LayoutName}'");
        return new NsdDesign
        {
            Sessions = Column("/session"),
            Runs = Column("/run"),
            NsdIndices = Column("/nsd_index"),
            Shared1000 = Array.ConvertAll(Column("/shared1000"), v => v != 0),
            Subject = input.StringAttribute("/", "subject") ?? "",
        };
    }
}
