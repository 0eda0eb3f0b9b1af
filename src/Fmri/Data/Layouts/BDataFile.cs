using System.Globalization;
using Fmri.Core.IO;
using PureHDF;
using PureHDF.Selections;

namespace Fmri.Data.Layouts;

/// <summary>
/// Kamitani lab BrainDecoderToolbox2 / bdpy "BData" files (Generic Object Decoding, Deep Image Reconstruction):
/// one float64 matrix <c>/dataset</c> (samples x columns) with column metadata <c>/metadata/{key,description,value}</c>;
/// older files name them <c>/dataSet</c> and <c>/metaData</c>; MATLAB saves the same as variables of a MAT-file
/// (<see cref="BDataSource"/>). Voxel columns are those where <c>VoxelData</c> = 1,
/// ROIs are the <c>ROI_*</c> keys, and per-sample labels (<c>DataType</c>, <c>Run</c>, <c>stimulus_id</c> /
/// <c>Label</c> / <c>image_index</c>, optional <c>category_index</c>) are single columns named by selector keys.
/// </summary>
public static class BDataFile
{
    private const string VoxelKey = "VoxelData";
    private const string RoiPrefix = "ROI_";
    private const string DataTypeKey = "DataType";
    private const string RunKey = "Run";
    private const string StimulusKey = "stimulus_id";
    private const string LegacyStimulusKey = "Label";
    private const string ImageIndexKey = "image_index";
    private const string ImageIdPrefix = "image_";
    private static readonly string[] StimulusKeys = [StimulusKey, LegacyStimulusKey, ImageIndexKey];
    private static readonly string[] CategoryKeys = ["category_index", "category", "Category", "CategoryIndex"];
    private static readonly string[] CoordinateKeys = ["voxel_x", "voxel_y", "voxel_z"];

    /// <summary>Root attribute (not part of bdpy's layout, ignored by it) holding the written data set's provenance.</summary>
    public const string ProvenanceAttribute = "provenance";

    /// <summary>
    /// Reads a BData file (either generation, as bdpy's HDF5 or as a MATLAB MAT-file v5/v7/v7.3 saved by
    /// BrainDecoderToolbox2) into a data set, keeping only the ROI columns when <see cref="BDataReadOptions.Roi"/> is set.
    /// </summary>
    public static FmriDataset Read(string path, BDataReadOptions? options = null)
    {
        options ??= new BDataReadOptions();
        var roi = options.Roi is null ? null : RoiExpression.Parse(options.Roi);
        using var source = BDataSource.Open(path);
        int samples = source.Samples;
        if (samples == 0) throw source.Error(source.MatrixName, "has no samples (0 rows)");
        var meta = source.Metadata;

        // Voxel columns and ROIs (as positions among the voxel columns).
        if (!meta.Has(VoxelKey)) throw meta.MissingKey(VoxelKey);
        var voxelColumns = meta.ColumnsWhereOne(VoxelKey);
        if (voxelColumns.Length == 0) throw new DataFormatException(path, meta.KeyField(VoxelKey), "marks no columns as voxels");
        var positionOfColumn = new Dictionary<int, int>(voxelColumns.Length);
        for (int v = 0; v < voxelColumns.Length; v++) positionOfColumn[voxelColumns[v]] = v;
        var rois = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (string key in meta.Keys.Where(k => k.StartsWith(RoiPrefix, StringComparison.Ordinal) && k.Length > RoiPrefix.Length))
        {
            rois[key[RoiPrefix.Length..]] = meta.ColumnsWhereOne(key)
                .Where(positionOfColumn.ContainsKey).Select(c => positionOfColumn[c]).ToArray();
        }

        // Which voxels to load.
        int[] kept;
        if (roi is null)
        {
            kept = Enumerable.Range(0, voxelColumns.Length).ToArray();
        }
        else
        {
            var names = roi.Resolve(rois.Keys, path);
            foreach (string name in names)
            {
                if (rois[name].Length == 0) throw new DataFormatException(path, $"{RoiPrefix}{name}", "selects no voxels");
            }
            kept = names.SelectMany(n => rois[n]).Distinct().Order().ToArray();
        }
        var keptColumns = Array.ConvertAll(kept, v => voxelColumns[v]);
        var newPosition = new Dictionary<int, int>(kept.Length);
        for (int i = 0; i < kept.Length; i++) newPosition[kept[i]] = i;
        var keptRois = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var (name, positions) in rois)
        {
            var inSelection = positions.Where(newPosition.ContainsKey).Select(p => newPosition[p]).Order().ToArray();
            if (inSelection.Length > 0) keptRois[name] = inSelection;
        }

        // The voxel matrix, only the kept columns.
        var voxels = LargeArrays.ForFill<float>(checked(samples * kept.Length));   // ReadVoxels writes every value
        source.ReadVoxels(keptColumns, voxels);
        if (voxels.All(float.IsNaN)) throw source.Error(source.MatrixName, $"every voxel value is NaN ({samples} samples x {kept.Length} voxels)");

        // Per-sample labels.
        var splits = ReadSplits(source);
        var runs = meta.Has(RunKey) ? ReadIntegerLabels(source, RunKey) : new int[samples];
        var stimuli = ReadStimuli(source);
        var (categories, categoryNames) = ReadCategories(source);

        float[]? coordinates = null;
        if (CoordinateKeys.All(meta.Has))
        {
            coordinates = new float[kept.Length * 3];
            for (int axis = 0; axis < 3; axis++)
            {
                var row = meta.Row(CoordinateKeys[axis]);
                for (int i = 0; i < keptColumns.Length; i++) coordinates[i * 3 + axis] = (float)row[keptColumns[i]];
            }
        }

        var provenance = new DatasetProvenance
        {
            SourceFile = path,
            SourceSha256 = options.HashSource ? FileHash.Sha256(path) : "",
            SourceLayout = source.Layout,
        };
        // Written by this project's BData writer (e.g. "simulated:seed=1 -> simulate_visual_cortex"); absent in the labs' files.
        if (source.RecordedProvenance is { Length: > 0 } recorded)
            provenance = provenance.WithStep(ProcessingStep.Of("recorded_provenance", ("text", recorded)));
        if (roi is not null) provenance = provenance.WithStep(ProcessingStep.Of("select_roi", ("roi", roi.ToString()), ("voxels", kept.Length)));

        var dataset = new FmriDataset
        {
            Voxels = voxels,
            SampleCount = samples,
            VoxelCount = kept.Length,
            StimulusIds = stimuli,
            CategoryLabels = categories,
            Runs = runs,
            Splits = splits,
            RepeatCounts = Enumerable.Repeat(1, samples).ToArray(),
            Rois = keptRois,
            VoxelCoordinates = coordinates,
            CategoryNames = categoryNames,
            Subject = options.Subject ?? Path.GetFileNameWithoutExtension(path),
            Provenance = provenance,
        };
        dataset.Validate(path);
        return dataset;
    }

    /// <summary>
    /// Writes <paramref name="dataset"/> as a BData file: float64 matrix of the voxel columns followed by the label
    /// columns DataType, Run, stimulus_id (GOD WordNet ids) or image_index ("image_N" ids), and category_index
    /// (label + 1, names in <c>/vmap/category_index</c>) when any sample has a category; metadata keys and
    /// descriptions as fixed-length byte strings, values NaN where a key says nothing about a column. Atomic.
    /// Repeat counts, padding and provenance have no place in BData and are not written.
    /// </summary>
    public static void Write(string path, FmriDataset dataset, BDataGeneration generation = BDataGeneration.Current)
    {
        WriteChecks.Validate(path, dataset);
        var stimulus = EncodeStimuli(path, dataset.StimulusIds);
        bool hasCategories = dataset.CategoryLabels.Any(c => c >= 0);

        var labelKeys = new List<(string Key, string Description, Func<int, double> Value)>
        {
            (DataTypeKey, "1 = Data type (1 = training perception, 2 = test perception, 3 = test imagery)", i => (int)dataset.Splits[i]),
            (RunKey, "1 = Run number", i => dataset.Runs[i]),
            (stimulus.Key, stimulus.Description, i => stimulus.Values[i]),
        };
        if (hasCategories)
            labelKeys.Add(("category_index", "1 = Category index (names in /vmap/category_index)", i => dataset.CategoryLabels[i] >= 0 ? dataset.CategoryLabels[i] + 1 : double.NaN));

        int voxelCount = dataset.VoxelCount;
        int columns = voxelCount + labelKeys.Count;
        int samples = dataset.SampleCount;

        var matrix = new double[(long)samples * columns];
        for (int s = 0; s < samples; s++)
        {
            var row = matrix.AsSpan(s * columns, columns);
            var sample = dataset.Sample(s);
            for (int v = 0; v < voxelCount; v++) row[v] = sample[v];
            for (int l = 0; l < labelKeys.Count; l++) row[voxelCount + l] = labelKeys[l].Value(s);
        }

        var keys = new List<string>();
        var descriptions = new List<string>();
        var values = new List<double[]>();
        void AddKey(string key, string description, Action<double[]> fill)
        {
            var row = new double[columns];
            Array.Fill(row, double.NaN);
            fill(row);
            keys.Add(key);
            descriptions.Add(description);
            values.Add(row);
        }

        AddKey(VoxelKey, "1 = Voxel data", row => row.AsSpan(0, voxelCount).Fill(1));
        foreach (var (name, members) in dataset.Rois.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            AddKey($"{RoiPrefix}{name}", $"1 = ROI {name}", row =>
            {
                row.AsSpan(0, voxelCount).Fill(0);
                foreach (int v in members) row[v] = 1;
            });
        }
        if (dataset.VoxelCoordinates is { } xyz)
        {
            for (int axis = 0; axis < 3; axis++)
            {
                int a = axis;
                AddKey(CoordinateKeys[axis], $"Voxel {"xyz"[axis]} coordinate (mm)", row =>
                {
                    for (int v = 0; v < voxelCount; v++) row[v] = xyz[v * 3 + a];
                });
            }
        }
        for (int l = 0; l < labelKeys.Count; l++)
        {
            int column = voxelCount + l;
            AddKey(labelKeys[l].Key, labelKeys[l].Description, row => row[column] = 1);
        }

        var valueMatrix = new double[keys.Count * columns];
        for (int k = 0; k < keys.Count; k++) values[k].CopyTo(valueMatrix, k * columns);

        (string Matrix, string Metadata) names = generation == BDataGeneration.Legacy ? ("dataSet", "metaData") : ("dataset", "metadata");
        var file = new H5File
        {
            [names.Matrix] = new H5Dataset(matrix, fileDims: [(ulong)samples, (ulong)columns]),
            [names.Metadata] = new H5Group
            {
                ["key"] = keys.ToArray(),
                ["description"] = descriptions.ToArray(),
                ["value"] = new H5Dataset(valueMatrix, fileDims: [(ulong)keys.Count, (ulong)columns]),
            },
        };
        // Where the data came from, so a simulated subject stays marked as simulated through preprocessing and reports.
        var origin = dataset.Provenance;
        var allStrings = keys.Concat(descriptions).ToList();
        if (origin.Steps.Count > 0)
        {
            string text = string.Join(" -> ", new[] { origin.SourceFile }.Concat(origin.Steps.Select(step => step.Name)));
            file.Attributes[ProvenanceAttribute] = text;
            allStrings.Add(text); // fixed-length strings below: the attribute must fit too
        }
        if (hasCategories && dataset.CategoryNames.Count > 0)
        {
            var map = new H5Group();
            for (int c = 0; c < dataset.CategoryNames.Count; c++)
            {
                // bdpy names vmap entries by Python's str() of the float value: "1.0", "2.0", ...
                map[string.Create(CultureInfo.InvariantCulture, $"{c + 1}.0")] = dataset.CategoryNames[c];
                allStrings.Add(dataset.CategoryNames[c]);
            }
            file["vmap"] = new H5Group { ["category_index"] = map };
        }

        // Fixed-length byte strings, as h5py writes numpy |S arrays: one length for the file, the longest string's.
        int stringLength = Math.Max(1, allStrings.Max(s => System.Text.Encoding.UTF8.GetByteCount(s)));
        AtomicFile.Write(path, tmp => file.Write(tmp, new H5WriteOptions(DefaultStringLength: stringLength)));
    }

    private static DataSplit[] ReadSplits(BDataSource source)
    {
        if (!source.Metadata.Has(DataTypeKey)) throw source.Metadata.MissingKey(DataTypeKey);
        var codes = source.Column(source.Metadata.SingleColumn(DataTypeKey));
        var splits = new DataSplit[codes.Length];
        for (int i = 0; i < codes.Length; i++)
        {
            splits[i] = codes[i] switch
            {
                1 => DataSplit.Train,
                2 => DataSplit.Test,
                3 => DataSplit.TestImagery,
                _ => throw source.Error(DataTypeKey, $"sample {i} has DataType {Format(codes[i])}; expected 1 (training perception), 2 (test perception) or 3 (test imagery)"),
            };
        }
        return splits;
    }

    private static int[] ReadIntegerLabels(BDataSource source, string key)
    {
        var values = source.Column(source.Metadata.SingleColumn(key));
        var result = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double v = values[i];
            if (!double.IsFinite(v) || v != Math.Floor(v) || Math.Abs(v) > int.MaxValue)
                throw source.Error(key, $"sample {i} has value {Format(v)}, expected an integer");
            result[i] = (int)v;
        }
        return result;
    }

    private static StimulusId[] ReadStimuli(BDataSource source)
    {
        var meta = source.Metadata;
        string key = meta.FirstPresent(StimulusKeys)
            ?? throw source.Error(meta.KeyField(StimulusKey), $"is missing (nor {LegacyStimulusKey} or {ImageIndexKey}); keys present: {string.Join(", ", meta.Keys)}");
        if (key == ImageIndexKey)
            return Array.ConvertAll(ReadIntegerLabels(source, key), n => new StimulusId(string.Create(CultureInfo.InvariantCulture, $"{ImageIdPrefix}{n}")));
        var values = source.Column(meta.SingleColumn(key));
        try
        {
            // GOD-encoded (synset + image * 1e-6) when any value has a fraction; plain whole-number ids stay as given.
            return StimulusId.FromNumbers(values, "sample", origin: 0, singlePrecision: source.SinglePrecision);
        }
        catch (FormatException e)
        {
            throw new DataFormatException(source.FilePath, key, e.Message, e);
        }
    }

    private static (int[] Labels, IReadOnlyList<string> Names) ReadCategories(BDataSource source)
    {
        string? key = source.Metadata.FirstPresent(CategoryKeys);
        if (key is null) return (Enumerable.Repeat(-1, source.Samples).ToArray(), []);
        var values = source.Column(source.Metadata.SingleColumn(key));
        var vmap = source.ValueMap(key);
        // Labels index the vmap entries sorted by value when there is a vmap, else the distinct values in ascending order.
        var ordered = vmap is not null ? vmap.Keys.Order().ToArray() : values.Where(double.IsFinite).Distinct().Order().ToArray();
        var indexOf = new Dictionary<double, int>();
        for (int i = 0; i < ordered.Length; i++) indexOf[ordered[i]] = i;
        var labels = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            if (double.IsNaN(values[i])) { labels[i] = -1; continue; }
            if (!indexOf.TryGetValue(values[i], out labels[i]))
                throw source.Error($"/vmap/{key}", $"has no label for value {Format(values[i])} (sample {i})");
        }
        IReadOnlyList<string> names = vmap is null ? [] : ordered.Select(v => vmap[v]).ToArray();
        return (labels, names);
    }

    private static (string Key, string Description, double[] Values) EncodeStimuli(string path, StimulusId[] ids)
    {
        if (ids.All(id => id.TryGetSynsetAndImage(out _, out _)))
            return (StimulusKey, "1 = Stimulus ID (WordNet synset number + image number * 1e-6)", Array.ConvertAll(ids, id => id.ToGodNumber()));
        // Plain whole-number ids ("1" ... "100") are stored as they are; the reader keeps a column without fractions as plain ids.
        if (ids.All(id => id.TryGetPlainInteger(out _)))
            return (StimulusKey, "1 = Stimulus ID (plain number)", Array.ConvertAll(ids, id => { id.TryGetPlainInteger(out long n); return (double)n; }));
        var indices = new double[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            if (!TryImageIndex(ids[i], out int n))
                throw new ArgumentException($"{path}: stimulus_id: BData stores stimulus ids as numbers, all of one kind (WordNet ids nSSSSSSSS_I, plain numbers or image_N); {KindsOf(ids)}; write the canonical layout instead");
            indices[i] = n;
        }
        return (ImageIndexKey, "1 = Image index", indices);
    }

    private static bool TryImageIndex(StimulusId id, out int index)
    {
        string v = id.Value ?? "";
        index = 0;
        return v.StartsWith(ImageIdPrefix, StringComparison.Ordinal)
            && int.TryParse(v.AsSpan(ImageIdPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }

    // Names the first id that is none of the three kinds, or, when each id is of some kind, the first two of different kinds.
    private static string KindsOf(StimulusId[] ids)
    {
        string? KindOf(StimulusId id) =>
            id.TryGetSynsetAndImage(out _, out _) ? "a WordNet id" : id.TryGetPlainInteger(out _) ? "a plain number" : TryImageIndex(id, out _) ? "an image_N id" : null;
        for (int i = 0; i < ids.Length; i++)
            if (KindOf(ids[i]) is null) return $"'{ids[i].Value}' (sample {i}) is none of them";
        string first = KindOf(ids[0])!;
        int other = Array.FindIndex(ids, id => KindOf(id) != first);
        return $"they mix kinds: '{ids[0].Value}' (sample 0) is {first}, '{ids[other].Value}' (sample {other}) is {KindOf(ids[other])}";
    }

    internal static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
