using System.Globalization;

namespace Decoding.Demo;

/// <summary>
/// The whole study on the embedded default: a simulated GOD-like subject viewing Fashion-MNIST. Each stage
/// is a documented `decoding` command, so the demo is exactly the README's commands run in order:
/// simulate, preprocess, train the scoring classifier, the VAE and the LDM, pretrain the masked brain
/// autoencoder (stage A), train the conditioning adapter (stage B), decode the test fMRI and the
/// shuffled-fMRI control, and evaluate into a report.
/// </summary>
public static class DemoPlan
{
    /// <summary>The sizes that differ between the presets; everything else is each command's default.</summary>
    /// <param name="Simulate">Extra `simulate` arguments (the data set's size).</param>
    /// <param name="ClassifierEpochs">`train-classifier --epochs`.</param>
    /// <param name="ClassifierImages">`train-classifier --max-train-images`; null: all.</param>
    /// <param name="VaeSteps">`train-vae --steps`; null: the preset's default.</param>
    /// <param name="LdmSteps">`train-ldm --steps`; null: the preset's default.</param>
    /// <param name="MbmEpochs">`pretrain-mbm --epochs`.</param>
    /// <param name="MbmBaseLearningRate">`pretrain-mbm --base-lr`: the paper's 2.5e-4 is for 500 epochs; in 15 epochs (165 steps) it
    /// left the held-out masked correlation at 0.002, while 4e-3 reached 0.163 (1e-3: 0.120, 1e-2: 0.161; seed 1, this data).</param>
    /// <param name="AdapterEpochs">`train-adapter --epochs`.</param>
    /// <param name="DecodeSamples">Images per test stimulus (MinD-Vis: 5).</param>
    /// <param name="DecodeSteps">PLMS steps per image.</param>
    /// <param name="Guidance">Classifier-free guidance scale of decoding.</param>
    /// <param name="Trials">n-way trials per item.</param>
    /// <param name="ImageSize">Side of the decoded images (the LDM preset's), at which the classifier is trained.</param>
    public sealed record Sizes(
        string[] Simulate, int ClassifierEpochs, int? ClassifierImages, int? VaeSteps, int? LdmSteps, int MbmEpochs, double MbmBaseLearningRate, int AdapterEpochs,
        int DecodeSamples, int DecodeSteps, double Guidance, int Trials, int ImageSize);

    /// <summary>Tiny: every stage runs, in 46 s measured here (the CI test). The numbers are not worth reading.</summary>
    public static Sizes Tiny { get; } = new(
        ["--train-per-category", "12", "--test-per-category", "2", "--test-repeats", "5", "--train-runs", "4", "--snr", "2"],
        ClassifierEpochs: 1, ClassifierImages: 3000, VaeSteps: 60, LdmSteps: 150, MbmEpochs: 5, MbmBaseLearningRate: 4e-3, AdapterEpochs: 3,
        DecodeSamples: 2, DecodeSteps: 10, Guidance: 1, Trials: 100, ImageSize: 16);

    /// <summary>
    /// Small: the README's demo, sized to about a quarter of an hour on this 2-core machine (815 s of stages measured
    /// from a fresh clone; the README lists every stage's time). The image models train for fewer steps than their
    /// presets' defaults (VAE 300 of 500, LDM 1,200 of 2,000: at about 0.25 s a step the LDM's 2,000 would take over
    /// 8 minutes alone); the classifier sees all 60,000 training images once (89.6 % on t10k in 78 s). Decoding uses
    /// guidance 3 with the learned null brain context: without guidance the pipeline's 10-way top-1 (0.116) was no
    /// better than its shuffled control (0.108); with it, 0.156 against 0.076.
    /// </summary>
    public static Sizes Small { get; } = new(
        [],
        ClassifierEpochs: 1, ClassifierImages: null, VaeSteps: 300, LdmSteps: 1200, MbmEpochs: 15, MbmBaseLearningRate: 4e-3, AdapterEpochs: 6,
        DecodeSamples: 5, DecodeSteps: 50, Guidance: 3, Trials: 1000, ImageSize: 32);

    /// <summary>The stages for <paramref name="preset"/> ("tiny": under a minute, 46 s measured, for CI; "small": the real demo, about 14 minutes).</summary>
    /// <param name="threads">Passed as `--threads` to every stage that runs libtorch; null: each command's default.</param>
    public static IReadOnlyList<DemoStage> Stages(string runFolder, string preset, long seed, int? threads = null)
    {
        var sizes = preset switch
        {
            "tiny" => Tiny,
            "small" => Small,
            _ => throw new ArgumentException($"--preset: '{preset}' is not one of tiny, small"),
        };
        string data = Path.Combine(runFolder, "data");
        string bdata = Path.Combine(data, "sim-01.h5");
        string stimuli = Path.Combine(data, "stimuli.h5");
        string preprocessed = Path.Combine(data, "preprocessed.h5");
        string models = Path.Combine(runFolder, "models");
        string classifier = Path.Combine(models, "classifier");
        string vae = Path.Combine(models, "vae");
        string ldm = Path.Combine(models, "ldm");
        string mbm = Path.Combine(models, "mbm");
        string adapter = Path.Combine(models, "adapter");
        string decoded = Path.Combine(runFolder, "decoded");
        string shuffled = Path.Combine(runFolder, "decoded-shuffled");
        string report = Path.Combine(runFolder, "report");
        string s = Text(seed);
        static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
        static string Manifest(string folder) => Path.Combine(folder, "run.json");
        string[] Optional(string option, int? value) => value is { } v ? [option, Text(v)] : [];
        string[] torch = Optional("--threads", threads);
        string[] decodeSettings = [.. torch, "--samples", Text(sizes.DecodeSamples), "--sampler", "plms", "--steps", Text(sizes.DecodeSteps),
            "--guidance", Text(sizes.Guidance), "--seed", s];

        return
        [
            new("simulate", "simulated visual cortex viewing Fashion-MNIST (GOD-like design)",
                ["simulate", "--out", data, "--seed", s, .. sizes.Simulate], [bdata, stimuli, Path.Combine(data, "truth.h5")]),
            new("preprocess", "ROI VC, z-score per run with training statistics, average test repeats, pad to 16",
                ["preprocess", bdata, "-o", preprocessed, "--roi", "VC"], [preprocessed]),
            new("inspect", "describe the preprocessed data set",
                ["inspect", preprocessed], []),
            new("train-classifier", "the scoring network of the semantic metrics (small CNN on Fashion-MNIST)",
                ["train-classifier", .. torch, "--images", "fashion-mnist", "--out", classifier, "--epochs", Text(sizes.ClassifierEpochs), "--seed", s,
                    "--image-size", Text(sizes.ImageSize), .. Optional("--max-train-images", sizes.ClassifierImages)],
                [Manifest(classifier)]),
            new("train-vae", "the autoencoder the diffusion runs in (frozen afterwards)",
                ["train-vae", .. torch, "--images", "fashion-mnist", "--preset", preset, "--out", vae, "--seed", s, .. Optional("--steps", sizes.VaeSteps)],
                [Manifest(vae)]),
            new("train-ldm", "the label-conditioned latent diffusion model whose context slot the brain takes",
                ["train-ldm", .. torch, "--vae", vae, "--images", "fashion-mnist", "--preset", preset, "--out", ldm, "--seed", s, .. Optional("--steps", sizes.LdmSteps)],
                [Manifest(ldm)]),
            new("pretrain-mbm", "stage A: masked brain modeling on the training fMRI (test fMRI excluded)",
                ["pretrain-mbm", .. torch, "--data", preprocessed, "--preset", preset, "--out", mbm, "--epochs", Text(sizes.MbmEpochs),
                    "--base-lr", Text(sizes.MbmBaseLearningRate), "--seed", s],
                [Manifest(mbm)]),
            new("train-adapter", "stage B: brain encoder + adapter + UNet cross-attention trained on fMRI-image pairs",
                ["train-adapter", .. torch, "--data", preprocessed, "--stimuli", stimuli, "--mbm", mbm, "--ldm", ldm, "--out", adapter,
                    "--preset", preset, "--epochs", Text(sizes.AdapterEpochs), "--seed", s],
                [Manifest(adapter)]),
            new("decode", "decode every test stimulus from its averaged fMRI",
                ["decode", "--model", adapter, "--data", preprocessed, "--stimuli", stimuli, "--out", decoded, .. decodeSettings],
                [Manifest(decoded)]),
            new("decode-shuffled", "control: the same pipeline on fMRI rows permuted relative to the stimuli",
                ["decode", "--model", adapter, "--data", preprocessed, "--stimuli", stimuli, "--out", shuffled, "--shuffle-fmri", .. decodeSettings],
                [Manifest(shuffled)]),
            new("evaluate", "n-way and 2-way identification, PixCorr, SSIM; ridge baselines, shuffled control, chance; the report",
                ["evaluate", .. torch, "--decoded", decoded, "--stimuli", stimuli, "--classifier", classifier, "--out", report,
                    "--control", Path.Combine(shuffled, "decoded.h5"), "--ridge", preprocessed, "--ridge-vae", adapter, "--simulation-truth", Path.Combine(data, "truth.h5"), "--trials", Text(sizes.Trials), "--seed", s,
                    "--loss-curves", classifier, vae, ldm, mbm, adapter],
                [Manifest(report)]),
        ];
    }
}
