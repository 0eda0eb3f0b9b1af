using Fmri.Data.Layouts;

namespace Fmri.Tests.Data;

[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement;

/// <summary>
/// The NSD reader must read trial by trial and hold only the kept voxels of the session plus about one trial
/// volume, never the whole session. Measured on a generated session 10x larger than the kept voxels, with the
/// live heap (after full collections) sampled while the read is half way.
/// </summary>
[Collection(nameof(MemoryMeasurement))]
public class NsdTrialByTrialMemoryTests
{
    [Fact]
    public void Live_memory_during_a_read_stays_far_below_the_session_size()
    {
        using var temp = new TempFolder();
        const int trials = 160;
        var shape = new VolumeShape(16, 20, 16); // 5,120 voxels
        var random = new Random(1234);
        var betas = new short[trials * shape.Count];
        for (int i = 0; i < betas.Length; i++) betas[i] = (short)random.Next(-3000, 3000);
        string file = temp.File("betas_session01.hdf5");
        NsdBetasFile.Write(file, betas, trials, shape);
        long sessionBytes = betas.LongLength * sizeof(short); // 1.6 MB of int16 on disk
        long sessionAsFloat = betas.LongLength * sizeof(float); // 3.3 MB if read whole and converted
        betas = null;

        // A 5 % mask: kept voxels of the whole session as float32 = 160 x ~256 x 4 = 0.16 MB.
        var maskValues = new float[shape.Count];
        for (int i = 0; i < maskValues.Length; i++) maskValues[i] = random.NextDouble() < 0.05 ? 1 : 0;
        var mask = NsdMask.FromValues(shape, maskValues, "roi");
        var design = new NsdDesign
        {
            Sessions = Enumerable.Repeat(1, trials).ToArray(),
            Runs = Enumerable.Range(0, trials).Select(t => 1 + t / 40).ToArray(),
            NsdIndices = Enumerable.Range(1, trials).ToArray(),
            Shared1000 = new bool[trials],
        };

        long baseline = GC.GetTotalMemory(forceFullCollection: true);
        long midway = 0;
        int reports = 0;
        var progress = new NsdBetasFileTests.SynchronousProgress(_ =>
        {
            reports++;
            if (reports == trials / 2) midway = GC.GetTotalMemory(forceFullCollection: true);
        });
        var ds = NsdBetasFile.Read([file], mask, design, progress, hashSources: false);

        Assert.Equal(trials, reports);
        Assert.Equal(trials, ds.SampleCount);
        long keptBytes = (long)trials * mask.Count * sizeof(float);
        long growth = midway - baseline;
        // Output (kept voxels as float32) + chunk cache (kept voxels as int16) + one trial volume ~ 0.26 MB here;
        // reading the session whole would need 1.6 MB (int16) to 3.3 MB (as float). Allow twice that bound.
        long bound = 2 * (keptBytes + trials * mask.Count * sizeof(short) + shape.Count * sizeof(short));
        Assert.True(growth < bound, $"live heap grew {growth:N0} bytes half way through; bound {bound:N0}; session {sessionBytes:N0} (int16), {sessionAsFloat:N0} (float)");
        Assert.True(bound < sessionBytes / 2, "the test's session must be much larger than what the reader may hold");
    }
}
