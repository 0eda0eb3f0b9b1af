namespace Decoding.Demo;

/// <summary>
/// The whole study on the embedded default: a simulated GOD-like subject viewing Fashion-MNIST. Each stage
/// is a documented `decoding` command, so the demo is exactly the README's commands run in order.
/// </summary>
public static class DemoPlan
{
    /// <summary>The stages for <paramref name="preset"/> ("tiny": about two minutes, for CI; "small": the real demo).</summary>
    public static IReadOnlyList<DemoStage> Stages(string runFolder, string preset, long seed)
    {
        bool tiny = preset == "tiny";
        if (!tiny && preset != "small") throw new ArgumentException($"--preset: '{preset}' is not one of tiny, small");
        string data = Path.Combine(runFolder, "data");
        string bdata = Path.Combine(data, "sim-01.h5");
        string stimuli = Path.Combine(data, "stimuli.h5");
        string preprocessed = Path.Combine(data, "preprocessed.h5");
        string s = seed.ToString(System.Globalization.CultureInfo.InvariantCulture);

        string[] simulateSize = tiny
            ? ["--train-per-category", "12", "--test-per-category", "2", "--test-repeats", "5", "--train-runs", "4"]
            : [];
        return
        [
            new("simulate", "simulated visual cortex viewing Fashion-MNIST (GOD-like design)",
                ["simulate", "--out", data, "--seed", s, .. simulateSize], [bdata, stimuli, Path.Combine(data, "truth.h5")]),
            new("preprocess", "ROI VC, z-score per run with training statistics, average test repeats, pad to 16",
                ["preprocess", bdata, "-o", preprocessed, "--roi", "VC"], [preprocessed]),
            new("inspect", "describe the preprocessed data set",
                ["inspect", preprocessed], []),
        ];
    }
}
