using System.Text.Json;
using System.Text.Json.Serialization;
using Fmri.Core.IO;
using PureHDF;
using PureHDF.Filters;
using PureHDF.VOL.Native;

namespace Fmri.Data.Layouts;

/// <summary>
/// The project's own layout for a (preprocessed) data set, documented field by field in data/README.md:
/// <c>/voxels</c> float32 (samples x voxels, contiguous; files written by earlier versions of the project are chunked
/// by 64 samples with shuffle + gzip, which the reader still reads), <c>/samples/{stimulus_id,
/// category, run, split, repeats}</c>, <c>/category_names</c>, <c>/voxels_meta/roi/&lt;name&gt;</c> (int32 voxel
/// indices), <c>/voxels_meta/xyz</c> (float32 voxels x 3, optional), root attributes <c>layout</c>,
/// <c>layout_version</c>, <c>subject</c>, <c>padding_voxels</c>, <c>averaged</c>, and <c>/provenance</c> attributes
/// (source file, its SHA-256, source layout, tool version, steps as JSON).
/// </summary>
public static class CanonicalFile
{
    /// <summary>Value of the root attribute <c>layout</c>.</summary>
    public const string LayoutName = "fmri-decoding/canonical";

    /// <summary>Value of the root attribute <c>layout_version</c> this code writes and reads.</summary>
    public const int LayoutVersion = 1;

    /// <summary>Samples per chunk of <c>/voxels</c> when it is chunked (<see cref="VoxelStorage"/>).</summary>
    public const int ChunkSamples = 64;

    /// <summary>
    /// How <c>/voxels</c> is stored. Contiguous by default: z-scored float32 voxel values are close to incompressible, so
    /// shuffle + gzip saved little space and made every read decompress, and PureHDF reads one contiguous block much
    /// faster than the same bytes in chunks (h5py too, by less). The file is written once, whole, so nothing needs
    /// chunks. The other storages stay for benchmarks and for files where size matters more than read time.
    /// </summary>
    public enum VoxelStorage
    {
        /// <summary>One contiguous block, no filter (the default).</summary>
        Contiguous,

        /// <summary>Chunks of <see cref="ChunkSamples"/> rows, no filter.</summary>
        Chunked,

        /// <summary>Chunks of <see cref="ChunkSamples"/> rows, shuffle + deflate level 1 (what earlier versions wrote).</summary>
        ChunkedGzip,
    }

    /// <summary>Text of the <c>codes</c> attribute of <c>/samples/split</c>.</summary>
    public const string SplitCodes = "1 = train, 2 = test, 3 = test_imagery";

    private static readonly JsonSerializerOptions StepJson = new() { WriteIndented = false };

    /// <summary>
    /// A file the models read (stage A, stage B, the decoding routes): every voxel value finite. Preprocessing drops the
    /// voxels that have none, so a NaN here means the file skipped it or was edited after.
    /// </summary>
    public static FmriDataset ReadFinite(string path)
    {
        var data = Read(path);
        int bad = Array.FindIndex(data.Voxels, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new DataFormatException(path, "voxels", $"holds NaN or infinite values (sample {bad / data.VoxelCount}, voxel {bad % data.VoxelCount}); run decoding preprocess on it, which drops voxels without finite values");
        return data;
    }

    /// <summary>Reads a canonical file; with <paramref name="roi"/> (e.g. <c>VC</c>, <c>V1+V2</c>) only those voxel columns are read.</summary>
    public static FmriDataset Read(string path, string? roi = null)
    {
        var expression = roi is null ? null : RoiExpression.Parse(roi);
        using var input = Hdf5Input.Open(path);
        CheckLayout(input);

        var shape = input.Shape("/voxels", 2);
        int samples = checked((int)shape[0]);
        int voxelCount = checked((int)shape[1]);
        if (samples == 0 || voxelCount == 0) throw input.Error("/voxels", $"is empty ({Hdf5Input.FormatShape(shape)})");
        var voxelType = input.Dataset("/voxels").Type;
        if (voxelType.Class != H5DataTypeClass.FloatingPoint || voxelType.Size != 4)
            throw input.Error("/voxels", $"has dtype {Hdf5Input.DescribeType(voxelType)}, expected float32");

        var stimulus = SampleField(input, "stimulus_id", samples, input.ReadStrings);
        var category = SampleField(input, "category", samples, p => ToInt32(input, p));
        var run = SampleField(input, "run", samples, p => ToInt32(input, p));
        var split = SampleField(input, "split", samples, p => ReadSplits(input, p));
        var repeats = SampleField(input, "repeats", samples, p => ToInt32(input, p));
        for (int i = 0; i < samples; i++)
        {
            if (repeats[i] < 1) throw input.Error("/samples/repeats", $"sample {i} has {repeats[i]} repeats, expected 1 or more");
        }
        var ids = Array.ConvertAll(stimulus, s => new StimulusId(s));

        bool averaged = (input.IntegerAttribute("/", "averaged") ?? 0) != 0;
        if (averaged && WriteChecks.FirstDuplicatePerSplit(ids, split) is { } duplicate)
            throw input.Error("/samples/stimulus_id", $"'{duplicate.Id}' appears more than once in split {duplicate.Split}, but the file is flagged averaged (one sample per stimulus)");

        // ROIs, then which columns to read.
        var rois = new Dictionary<string, int[]>(StringComparer.Ordinal);
        if (input.IsGroup("/voxels_meta/roi"))
        {
            foreach (string name in input.ChildNames("/voxels_meta/roi"))
            {
                string roiPath = $"/voxels_meta/roi/{name}";
                input.Shape(roiPath, 1);
                var members = input.ReadIntegers(roiPath);
                if (members.Length == 0) throw input.Error(roiPath, "selects no voxels");
                if (members.Any(m => m < 0 || m >= voxelCount)) throw input.Error(roiPath, $"has a voxel index outside 0..{voxelCount - 1}");
                rois[name] = SortedDistinct(members);
            }
        }
        int[]? kept = null;
        if (expression is not null)
            kept = expression.Resolve(rois.Keys, path).SelectMany(n => rois[n]).Distinct().Order().ToArray();
        int keptCount = kept?.Length ?? voxelCount;

        // Not zeroed first: ReadMatrix writes every value.
        var voxels = LargeArrays.ForFill<float>(checked(samples * keptCount));
        input.ReadMatrix("/voxels", kept, voxels);
        if (voxels.All(float.IsNaN)) throw input.Error("/voxels", $"every voxel value is NaN ({samples} samples x {keptCount} voxels)");

        float[]? xyz = null;
        if (input.Exists("/voxels_meta/xyz"))
        {
            var xyzShape = input.Shape("/voxels_meta/xyz", 2);
            if (xyzShape[0] != voxelCount || xyzShape[1] != 3)
                throw input.Error("/voxels_meta/xyz", $"has shape {Hdf5Input.FormatShape(xyzShape)}, expected {voxelCount} x 3 (one row per voxel of /voxels)");
            var all = Array.ConvertAll(input.ReadDoubles("/voxels_meta/xyz"), v => (float)v);
            xyz = kept is null ? all : kept.SelectMany(v => new[] { all[v * 3], all[v * 3 + 1], all[v * 3 + 2] }).ToArray();
        }

        var keptRois = rois;
        if (kept is not null)
        {
            var position = new Dictionary<int, int>(kept.Length);
            for (int i = 0; i < kept.Length; i++) position[kept[i]] = i;
            keptRois = rois.Select(r => (r.Key, Members: r.Value.Where(position.ContainsKey).Select(v => position[v]).ToArray()))
                .Where(r => r.Members.Length > 0).ToDictionary(r => r.Key, r => r.Members, StringComparer.Ordinal);
        }

        var names = input.Exists("/category_names") ? input.ReadStrings("/category_names") : [];
        int padding = (int)(input.IntegerAttribute("/", "padding_voxels") ?? 0);
        var provenance = ReadProvenance(input);
        if (expression is not null)
        {
            provenance = provenance.WithStep(ProcessingStep.Of("select_roi", ("roi", expression.ToString()), ("voxels", keptCount)));
            padding = 0; // a selection of ROI columns holds no padding columns
        }

        var dataset = new FmriDataset
        {
            Voxels = voxels,
            SampleCount = samples,
            VoxelCount = keptCount,
            StimulusIds = ids,
            CategoryLabels = category,
            Runs = run,
            Splits = split,
            RepeatCounts = repeats,
            Rois = keptRois,
            VoxelCoordinates = xyz,
            CategoryNames = names,
            Subject = input.StringAttribute("/", "subject") ?? "",
            PaddingVoxels = padding,
            Provenance = provenance,
        };
        if (dataset.CategoryLabels.Any(c => c < -1 || (names.Length > 0 && c >= names.Length)))
            throw input.Error("/samples/category", $"has a label outside -1..{names.Length - 1} (the /category_names entries)");
        dataset.Validate(path);
        return dataset;
    }

    /// <summary>Writes <paramref name="dataset"/> in the canonical layout. Atomic; never overwrites <paramref name="inputs"/>.</summary>
    public static void Write(string path, FmriDataset dataset, params string[] inputs) => Write(path, dataset, VoxelStorage.Contiguous, inputs);

    /// <summary>Writes <paramref name="dataset"/> with <c>/voxels</c> stored as <paramref name="storage"/> says.</summary>
    public static void Write(string path, FmriDataset dataset, VoxelStorage storage, params string[] inputs)
    {
        WriteChecks.Validate(path, dataset);
        foreach (string name in dataset.Rois.Keys)
        {
            if (name.Length == 0 || name.Contains('/') || name == ".")
                throw new ArgumentException($"{path}: ROI name '{name}' cannot be an HDF5 dataset name", nameof(dataset));
        }
        int samples = dataset.SampleCount;
        int voxels = dataset.VoxelCount;
        bool averaged = dataset.RepeatCounts.Any(r => r > 1) && WriteChecks.FirstDuplicatePerSplit(dataset.StimulusIds, dataset.Splits) is null;

        var voxelCreation = storage switch
        {
            VoxelStorage.Chunked or VoxelStorage.Contiguous => new H5DatasetCreation(),
            VoxelStorage.ChunkedGzip => new H5DatasetCreation(Filters:
            [
                ShuffleFilter.Id,
                // PureHDF's deflate writes levels 0, 1 and 9 only; 1 is fast and still lossless.
                new H5Filter(DeflateFilter.Id, new Dictionary<string, object> { [DeflateFilter.COMPRESSION_LEVEL] = 1 }),
            ]),
            _ => throw new ArgumentOutOfRangeException(nameof(storage), storage, "unknown voxel storage"),
        };
        var samplesGroup = new H5Group
        {
            ["stimulus_id"] = Array.ConvertAll(dataset.StimulusIds, s => s.Value ?? ""),
            ["category"] = dataset.CategoryLabels,
            ["run"] = dataset.Runs,
            ["split"] = new H5Dataset(Array.ConvertAll(dataset.Splits, s => (sbyte)s))
            {
                Attributes = { ["codes"] = SplitCodes },
            },
            ["repeats"] = dataset.RepeatCounts,
        };
        var roiGroup = new H5Group();
        foreach (var (name, members) in dataset.Rois.OrderBy(r => r.Key, StringComparer.Ordinal)) roiGroup[name] = members;
        var voxelsMeta = new H5Group { ["roi"] = roiGroup };
        if (dataset.VoxelCoordinates is { } xyz) voxelsMeta["xyz"] = new H5Dataset(xyz, fileDims: [(ulong)voxels, 3]);

        var p = dataset.Provenance;
        var provenance = new H5Group();
        provenance.Attributes["source_file"] = p.SourceFile;
        provenance.Attributes["source_sha256"] = p.SourceSha256;
        provenance.Attributes["source_layout"] = p.SourceLayout;
        provenance.Attributes["tool_version"] = ToolInfo.Version;
        provenance.Attributes["steps"] = StepsToJson(p.Steps);

        var file = new H5File
        {
            ["voxels"] = new H5Dataset(dataset.Voxels, fileDims: [(ulong)samples, (ulong)voxels],
                chunks: storage == VoxelStorage.Contiguous ? null : [(uint)Math.Min(ChunkSamples, samples), (uint)voxels], datasetCreation: voxelCreation),
            ["samples"] = samplesGroup,
            ["voxels_meta"] = voxelsMeta,
            ["provenance"] = provenance,
        };
        if (dataset.CategoryNames.Count > 0) file["category_names"] = dataset.CategoryNames.ToArray();
        file.Attributes["layout"] = LayoutName;
        file.Attributes["layout_version"] = LayoutVersion;
        file.Attributes["subject"] = dataset.Subject;
        file.Attributes["padding_voxels"] = dataset.PaddingVoxels;
        file.Attributes["averaged"] = averaged ? 1 : 0;
        AtomicFile.Write(path, tmp => file.Write(tmp), inputs);
    }

    /// <summary>The steps as a JSON array: <c>[{"name": "zscore", "parameters": {"axis": "samples"}}]</c>.</summary>
    public static string StepsToJson(IReadOnlyList<ProcessingStep> steps)
        => JsonSerializer.Serialize(steps.Select(s => new StepRecord(s.Name, s.Parameters.ToDictionary())).ToList(), StepJson);

    private sealed record StepRecord(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("parameters")] Dictionary<string, string> Parameters);

    private static void CheckLayout(Hdf5Input input)
    {
        string? layout = input.StringAttribute("/", "layout");
        if (layout is null) throw input.Error("/@layout", $"attribute is missing; expected '{LayoutName}'");
        if (layout != LayoutName) throw input.Error("/@layout", $"is '{layout}', expected '{LayoutName}'");
        long version = input.IntegerAttribute("/", "layout_version") ?? throw input.Error("/@layout_version", "attribute is missing");
        if (version != LayoutVersion)
            throw input.Error("/@layout_version", $"is {version}; this reader knows version {LayoutVersion}");
    }

    private static T[] SampleField<T>(Hdf5Input input, string name, int samples, Func<string, T[]> read)
    {
        string path = $"/samples/{name}";
        input.Shape(path, 1);
        var values = read(path);
        if (values.Length != samples)
            throw input.Error(path, $"has {values.Length} entries but /voxels has {samples} samples");
        return values;
    }

    /// <summary>Voxel indices (already checked to be in range) sorted and without repeats; as written, they already are.</summary>
    private static int[] SortedDistinct(long[] members)
    {
        var indices = Array.ConvertAll(members, m => (int)m);
        for (int i = 1; i < indices.Length; i++)
        {
            if (indices[i] <= indices[i - 1]) return indices.Distinct().Order().ToArray();
        }
        return indices;
    }

    private static int[] ToInt32(Hdf5Input input, string path)
        => Array.ConvertAll(input.ReadIntegers(path), v => v is < int.MinValue or > int.MaxValue ? throw input.Error(path, $"value {v} is outside the int32 range") : (int)v);

    private static DataSplit[] ReadSplits(Hdf5Input input, string path)
    {
        var type = input.Dataset(path).Type;
        if (type.Class is H5DataTypeClass.String or H5DataTypeClass.VariableLength)
        {
            return input.ReadStrings(path).Select((s, i) => s.Trim().ToLowerInvariant() switch
            {
                "train" => DataSplit.Train,
                "test" => DataSplit.Test,
                "test_imagery" or "imagery" => DataSplit.TestImagery,
                _ => throw input.Error(path, $"sample {i} has split '{s}', expected train, test or test_imagery"),
            }).ToArray();
        }
        return ToInt32(input, path).Select((c, i) => c is >= 1 and <= 3
            ? (DataSplit)c
            : throw input.Error(path, $"sample {i} has split code {c}; codes are {SplitCodes}")).ToArray();
    }

    private static DatasetProvenance ReadProvenance(Hdf5Input input)
    {
        if (!input.IsGroup("/provenance")) return new DatasetProvenance();
        var steps = new List<ProcessingStep>();
        string json = input.StringAttribute("/provenance", "steps") ?? "[]";
        try
        {
            foreach (var step in JsonSerializer.Deserialize<List<StepRecord>>(json, StepJson) ?? [])
                steps.Add(new ProcessingStep(step.Name ?? "", step.Parameters ?? new Dictionary<string, string>()));
        }
        catch (JsonException e)
        {
            throw input.Error("/provenance@steps", $"is not a JSON list of {{name, parameters}}: {e.Message}");
        }
        return new DatasetProvenance
        {
            SourceFile = input.StringAttribute("/provenance", "source_file") ?? "",
            SourceSha256 = input.StringAttribute("/provenance", "source_sha256") ?? "",
            SourceLayout = input.StringAttribute("/provenance", "source_layout") ?? "",
            ToolVersion = input.StringAttribute("/provenance", "tool_version") ?? "",
            Steps = steps,
        };
    }
}
