using Fmri.Data.Layouts;
using Fmri.Data.Stimuli;

namespace Fmri.Data.Simulation;

/// <summary>
/// Writes a simulated session in the Natural Scenes Dataset's layout, so the NSD reader runs on every simulated
/// NSD-style data set: <c>betas_session01.hdf5</c> (<c>/betas</c> int16, trials x Z x Y x X, percent signal change
/// x 300, chunks (trials, 1, 1, 1) as in the real files), a brain mask (<c>mask.h5</c>, the voxels' positions on
/// their 3 mm grid), a design file (<c>design.json</c>) and the stimuli keyed by NSD-style ids (<c>nsd_00001</c>, ...).
/// </summary>
public static class SimulatedNsdExport
{
    /// <summary>NSD betas are stored as percent signal change times this factor (NSD data manual).</summary>
    public const double BetaScale = 300.0;

    public sealed record Files(string Betas, string Mask, string Design, string Stimuli);

    public static Files Write(SimulatedSession session, string folder, double voxelSizeMm)
    {
        var data = session.Dataset;
        if (data.VoxelCoordinates is null)
            throw new ArgumentException("simulated session: voxel coordinates are needed to place voxels in a volume");
        Directory.CreateDirectory(folder);

        // 1. Voxel grid: coordinates (mm) -> integer (x, y, z) indices on the voxel grid, with a one-voxel margin.
        var xyz = data.VoxelCoordinates;
        var min = new float[3];
        var max = new float[3];
        for (int a = 0; a < 3; a++)
        {
            min[a] = float.MaxValue;
            max[a] = float.MinValue;
            for (int v = 0; v < data.VoxelCount; v++) { min[a] = Math.Min(min[a], xyz[v * 3 + a]); max[a] = Math.Max(max[a], xyz[v * 3 + a]); }
        }
        int Index(int v, int a) => 1 + (int)Math.Round((xyz[v * 3 + a] - min[a]) / voxelSizeMm);
        var shape = new VolumeShape(Z: Index(Argmax(2), 2) + 2, Y: Index(Argmax(1), 1) + 2, X: Index(Argmax(0), 0) + 2);
        int Argmax(int a) { int best = 0; for (int v = 1; v < data.VoxelCount; v++) if (xyz[v * 3 + a] > xyz[best * 3 + a]) best = v; return best; }
        var flat = new long[data.VoxelCount];
        var maskValues = new float[shape.Count];
        for (int v = 0; v < data.VoxelCount; v++)
        {
            flat[v] = shape.IndexOf(Index(v, 0), Index(v, 1), Index(v, 2));
            if (maskValues[flat[v]] != 0) throw new InvalidOperationException($"simulated voxels {v} and another share grid position {flat[v]}");
            maskValues[flat[v]] = 1;
        }

        // 2. Betas: percent signal change relative to each voxel's mean over the session, x 300, as int16.
        var mean = new double[data.VoxelCount];
        for (int s = 0; s < data.SampleCount; s++)
            for (int v = 0; v < data.VoxelCount; v++) mean[v] += data.Voxels[(long)s * data.VoxelCount + v];
        for (int v = 0; v < data.VoxelCount; v++) mean[v] /= data.SampleCount;
        var betas = new short[data.SampleCount * shape.Count];
        for (int s = 0; s < data.SampleCount; s++)
            for (int v = 0; v < data.VoxelCount; v++)
            {
                double psc = (data.Voxels[(long)s * data.VoxelCount + v] / mean[v] - 1.0) * 100.0;
                betas[s * shape.Count + flat[v]] = (short)Math.Clamp(Math.Round(psc * BetaScale), short.MinValue, short.MaxValue);
            }
        var files = new Files(Path.Combine(folder, "betas_session01.hdf5"), Path.Combine(folder, "mask.h5"),
            Path.Combine(folder, "design.json"), Path.Combine(folder, "stimuli.h5"));
        NsdBetasFile.Write(files.Betas, betas, data.SampleCount, shape);
        NsdMask.FromValues(shape, maskValues, "simulated-visual-cortex",
            [voxelSizeMm, 0, 0, min[0] - voxelSizeMm, 0, voxelSizeMm, 0, min[1] - voxelSizeMm, 0, 0, voxelSizeMm, min[2] - voxelSizeMm]).Write(files.Mask);

        // 3. Design: one session; each distinct stimulus gets a 1-based NSD-style index; test images are the "shared" ones.
        var stimuli = session.Stimuli;
        var nsdIndexOf = new Dictionary<StimulusId, int>();
        for (int i = 0; i < stimuli.Count; i++) nsdIndexOf[stimuli.StimulusIds[i]] = NsdIndexOf(session, stimuli.StimulusIds[i]);
        new NsdDesign
        {
            Sessions = Enumerable.Repeat(1, data.SampleCount).ToArray(),
            Runs = data.Runs.ToArray(),
            NsdIndices = data.StimulusIds.Select(id => nsdIndexOf[id]).ToArray(),
            Shared1000 = data.Splits.Select(s => s != DataSplit.Train).ToArray(),
            Subject = data.Subject,
        }.Write(files.Design);
        var nsdStimuli = new StimulusImageSet(stimuli.Pixels, stimuli.Count, stimuli.Height, stimuli.Width, stimuli.Channels,
            stimuli.StimulusIds.Select(id => NsdDesign.StimulusOf(nsdIndexOf[id])).ToArray(), stimuli.CategoryLabels, stimuli.CategoryNames);
        StimulusImageFile.Write(nsdStimuli, files.Stimuli, session.HeldOutTestCategories);
        return files;
    }

    /// <summary>
    /// The session's truth with its stimuli under the ids <see cref="Write"/> gives them (<c>nsd_00001</c>, ...), so the
    /// noise-free responses are found by the ids the NSD reader returns.
    /// </summary>
    public static SimulationTruth TruthWithNsdIds(SimulatedSession session) =>
        session.Truth with { StimulusIds = Array.ConvertAll(session.Truth.StimulusIds, id => NsdDesign.StimulusOf(NsdIndexOf(session, id))) };

    // The 1-based NSD-style index of a stimulus: its position in the session's stimulus set, plus one.
    private static int NsdIndexOf(SimulatedSession session, StimulusId id)
    {
        int index = session.Stimuli.Find(id);
        if (index < 0) throw new InvalidOperationException($"simulated stimulus '{id}' is not in the session's stimulus set");
        return index + 1;
    }
}
