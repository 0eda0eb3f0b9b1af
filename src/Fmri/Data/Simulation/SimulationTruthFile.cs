using System.Text.Json;
using Fmri.Core.IO;
using Fmri.Data.Stimuli;
using PureHDF;

namespace Fmri.Data.Simulation;

/// <summary>
/// HDF5 file of a <see cref="SimulationTruth"/> (e.g. <c>truth.h5</c>); float32 unless stated:
/// <list type="bullet">
/// <item>root attributes <c>layout</c> = "simulation-truth", <c>layout_version</c> = 1, <c>config_json</c> (the subject's
/// configuration as JSON), <c>run_seed</c> and <c>subject_index</c> int32 (optional on reading: the configuration's seed and 1);</item>
/// <item><c>/held_out_test_categories</c> strings, the names of the test categories that contribute no training image
/// (only when there are some);</item>
/// <item><c>/voxels/</c>: <c>area</c> int32 (V) indexing <c>area_names</c> (strings), <c>xyz</c> (V, 3) mm, <c>prf_x</c>,
/// <c>prf_y</c>, <c>prf_size</c> (degrees), <c>css_exponent</c>, <c>category_share</c>, <c>gain</c>, <c>snr</c>,
/// <c>noise_sd</c> (percent signal change), <c>baseline</c> (V each; NaN where not applicable), <c>channel_weights</c> (V, C),
/// <c>category_weights</c> (V, K), <c>shape_weights</c> (V, L*L);</item>
/// <item><c>/channels/orientation_deg</c>, <c>/channels/period_px</c> float64 (C);</item>
/// <item><c>/stimulus_id</c> strings (S) and <c>/noise_free_response</c> (S, V), chunked by stimuli, gzip;</item>
/// <item><c>/runs/run</c> int32 (R), <c>/runs/offset</c> and <c>/runs/drift</c> (R, V).</item>
/// </list>
/// </summary>
public static class SimulationTruthFile
{
    public const string LayoutName = "simulation-truth";
    public const int LayoutVersion = 1;

    /// <summary>Writes <paramref name="truth"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(SimulationTruth truth, string path)
    {
        var voxels = truth.Voxels;
        ulong v = (ulong)voxels.VoxelCount, s = (ulong)truth.StimulusCount, r = (ulong)truth.RunNumbers.Length;
        var voxelGroup = new H5Group
        {
            ["area"] = voxels.Area,
            ["area_names"] = voxels.AreaNames,
            ["xyz"] = Hdf5Fields.Shaped(voxels.Coordinates, v, 3),
            ["prf_x"] = voxels.PrfX,
            ["prf_y"] = voxels.PrfY,
            ["prf_size"] = voxels.PrfSize,
            ["css_exponent"] = voxels.CssExponent,
            ["category_share"] = voxels.CategoryShare,
            ["gain"] = voxels.Gain,
            ["snr"] = voxels.SignalToNoise,
            ["noise_sd"] = voxels.NoiseSd,
            ["baseline"] = voxels.Baseline,
            ["channel_weights"] = Hdf5Fields.Shaped(voxels.ChannelWeights, v, (ulong)voxels.ChannelCount),
            ["category_weights"] = Hdf5Fields.Shaped(voxels.CategoryWeights, v, (ulong)voxels.CategoryCount),
            ["shape_weights"] = Hdf5Fields.Compressed(voxels.ShapeWeights, [v, (ulong)voxels.ShapeFeatureCount], rowsPerChunk: 1024),
        };
        var file = new H5File
        {
            ["voxels"] = voxelGroup,
            ["channels"] = new H5Group
            {
                ["orientation_deg"] = truth.ChannelOrientationsDegrees,
                ["period_px"] = truth.ChannelPeriodsPixels,
            },
            ["stimulus_id"] = truth.StimulusIds.Select(id => id.Value).ToArray(),
            ["noise_free_response"] = Hdf5Fields.Compressed(truth.NoiseFreeResponses, [s, v], rowsPerChunk: 64),
            ["runs"] = new H5Group
            {
                ["run"] = truth.RunNumbers,
                ["offset"] = Hdf5Fields.Compressed(truth.RunOffsets, [r, v], rowsPerChunk: 16),
                ["drift"] = Hdf5Fields.Compressed(truth.RunDrifts, [r, v], rowsPerChunk: 16),
            },
        };
        file.Attributes["layout"] = LayoutName;
        file.Attributes["layout_version"] = LayoutVersion;
        file.Attributes["config_json"] = JsonSerializer.Serialize(truth.Config);
        file.Attributes["run_seed"] = truth.RunSeed;
        file.Attributes["subject_index"] = truth.SubjectIndex;
        if (truth.HeldOutTestCategories.Count > 0) file["held_out_test_categories"] = truth.HeldOutTestCategories.ToArray();
        AtomicFile.Write(path, tmp => file.Write(tmp));
    }

    /// <exception cref="DataFormatException">The file is not a simulation-truth file or a field has the wrong shape.</exception>
    public static SimulationTruth Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: simulation truth file not found", path);
        using var file = StimulusImageFile.OpenHdf5(path);
        string layout = Hdf5Fields.ReadAttribute<string>(file, path, "layout");
        if (layout != LayoutName)
            throw new DataFormatException(path, "@layout", $"is '{layout}', expected '{LayoutName}'");
        VisualCortexConfig config;
        try
        {
            config = JsonSerializer.Deserialize<VisualCortexConfig>(Hdf5Fields.ReadAttribute<string>(file, path, "config_json"))
                ?? throw new JsonException("null configuration");
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, "@config_json", $"is not a valid configuration: {e.Message}", e);
        }

        int[] area = Hdf5Fields.ReadArray<int>(file, path, "voxels/area", rank: 1);
        int v = area.Length;
        float[] PerVoxel(string name)
        {
            var values = Hdf5Fields.ReadArray<float>(file, path, "voxels/" + name, rank: 1);
            if (values.Length != v) throw new DataFormatException(path, "/voxels/" + name, $"has {values.Length} entries for {v} voxels");
            return values;
        }
        (float[] Values, int Columns) Matrix(IH5Group group, string name, int rows)
        {
            var dims = Hdf5Fields.Dimensions(group, path, name);
            if (dims.Length != 2 || (int)dims[0] != rows)
                throw new DataFormatException(path, "/" + name, $"has shape ({string.Join(", ", dims)}), expected ({rows}, columns)");
            return (Hdf5Fields.ReadArray<float>(group, path, name), (int)dims[1]);
        }

        var (coordinates, xyzColumns) = Matrix(file, "voxels/xyz", v);
        if (xyzColumns != 3) throw new DataFormatException(path, "/voxels/xyz", $"has {xyzColumns} columns, expected 3");
        var (channelWeights, channels) = Matrix(file, "voxels/channel_weights", v);
        var (categoryWeights, categories) = Matrix(file, "voxels/category_weights", v);
        var (shapeWeights, shapeFeatures) = Matrix(file, "voxels/shape_weights", v);
        var population = new VoxelPopulation
        {
            AreaNames = Hdf5Fields.ReadArray<string>(file, path, "voxels/area_names", rank: 1),
            Area = area,
            Coordinates = coordinates,
            PrfX = PerVoxel("prf_x"),
            PrfY = PerVoxel("prf_y"),
            PrfSize = PerVoxel("prf_size"),
            CssExponent = PerVoxel("css_exponent"),
            ChannelWeights = channelWeights,
            ChannelCount = channels,
            CategoryWeights = categoryWeights,
            CategoryCount = categories,
            ShapeWeights = shapeWeights,
            ShapeFeatureCount = shapeFeatures,
            CategoryShare = PerVoxel("category_share"),
            Gain = PerVoxel("gain"),
            SignalToNoise = PerVoxel("snr"),
            Baseline = PerVoxel("baseline"),
        };
        if (area.Any(a => a < 0 || a >= population.AreaNames.Length))
            throw new DataFormatException(path, "/voxels/area", $"has an index outside 0..{population.AreaNames.Length - 1} (area_names)");

        string[] ids = Hdf5Fields.ReadArray<string>(file, path, "stimulus_id", rank: 1);
        var (responses, responseColumns) = Matrix(file, "noise_free_response", ids.Length);
        if (responseColumns != v) throw new DataFormatException(path, "/noise_free_response", $"has {responseColumns} columns for {v} voxels");
        int[] runs = Hdf5Fields.ReadArray<int>(file, path, "runs/run", rank: 1);
        var (offsets, offsetColumns) = Matrix(file, "runs/offset", runs.Length);
        var (drifts, driftColumns) = Matrix(file, "runs/drift", runs.Length);
        if (offsetColumns != v || driftColumns != v) throw new DataFormatException(path, "/runs", $"offset/drift have {offsetColumns}/{driftColumns} columns for {v} voxels");

        return new SimulationTruth
        {
            Config = config,
            Voxels = population,
            ChannelOrientationsDegrees = Hdf5Fields.ReadArray<double>(file, path, "channels/orientation_deg", rank: 1),
            ChannelPeriodsPixels = Hdf5Fields.ReadArray<double>(file, path, "channels/period_px", rank: 1),
            StimulusIds = ids.Select(id => new StimulusId(id)).ToArray(),
            NoiseFreeResponses = responses,
            RunNumbers = runs,
            RunOffsets = offsets,
            RunDrifts = drifts,
            RunSeed = file.AttributeExists("run_seed") ? Hdf5Fields.ReadAttribute<int>(file, path, "run_seed") : config.Seed,
            SubjectIndex = file.AttributeExists("subject_index") ? Hdf5Fields.ReadAttribute<int>(file, path, "subject_index") : 1,
            HeldOutTestCategories = Hdf5Fields.Has(file, "held_out_test_categories")
                ? Hdf5Fields.ReadArray<string>(file, path, "held_out_test_categories", rank: 1)
                : [],
        };
    }
}
