using Decoding.Benchmarks;
using Decoding.LatentDiffusion;
using Fmri.Data.Stimuli;

namespace Decoding.Tests.Benchmarks;

/// <summary>
/// The PyTorch twin of <c>decoding benchmark</c> (benchmarks/ldm_twin.py, run by Debian's python3-torch) builds the
/// project's latent diffusion model: the same parameter count for both presets, and its workloads run.
/// </summary>
public class BenchmarkTwinTests
{
    [Theory]
    [Trait("Category", "Slow")]
    [InlineData(LatentDiffusionPreset.TinyName)]
    [InlineData(LatentDiffusionPreset.SmallName)]
    public void The_twin_has_the_project_parameter_count_and_runs_both_workloads(string preset)
    {
        using var bench = new LdmStepBenchmark(LatentDiffusionPreset.FromName(preset), FashionMnist.ClassNames, batch: 4, samples: 3, seed: 0);
        var (twin, problem) = PythonTwin.Start("/usr/bin/python3", null);
        Assert.True(twin is not null, problem);
        using (twin)
        {
            var answer = twin.Ask(new { cmd = "setup", config = bench.TwinConfig, threads = 1 });
            Assert.Equal(bench.ParameterCount, answer["parameters"]!.GetValue<long>());
            Assert.True(twin.Milliseconds("train") > 0);
            Assert.True(twin.Milliseconds("sample") > 0);
        }
        Assert.True(double.IsFinite(bench.TrainStep()));
        Assert.True(double.IsFinite(bench.SampleStep()));
    }
}
