using System.Globalization;
using Decoding.DoubleConditioning;
using Decoding.Evaluation.ScoringClassifier;
using Decoding.LatentDiffusion;
using Fmri.Core.Checkpoints;
using Fmri.Data.Simulation;
using Fmri.MaskedBrainModeling;

namespace Decoding.Demo;

/// <summary>
/// The whole study on the embedded default: a simulated GOD-like subject viewing Fashion-MNIST. Each stage
/// is a documented `decoding` command, so the demo is exactly the README's commands run in order:
/// simulate, preprocess, train the scoring classifier, the VAE and the LDM, pretrain the masked brain
/// autoencoder (stage A), train the conditioning adapter (stage B); decode with the routes (img2img with its
/// settings chosen on a validation split of the training trials, encoding, low-level, MinD-Vis, and semantic on the
/// designs that keep it: <see cref="Design.SemanticRoute"/>), each with its shuffled-fMRI control; make the baseline's
/// and the references' images; and evaluate them all into one report, which names the route chosen on validation.
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
    /// <param name="MbmBaseLearningRate">`pretrain-mbm --base-lr` (the paper's 2.5e-4 is tuned for 500 epochs; short runs need more).</param>
    /// <param name="AdapterEpochs">`train-adapter --epochs`.</param>
    /// <param name="DecodeSamples">Images per test stimulus (MinD-Vis: 5).</param>
    /// <param name="DecodeSteps">Denoising steps per image.</param>
    /// <param name="MindVisGuidance">Classifier-free guidance of the MinD-Vis route.</param>
    /// <param name="ValidationStimuli">Training stimuli held out to choose the img2img settings.</param>
    /// <param name="ImageSize">Side of the decoded images (the LDM preset's), at which the classifier is trained.</param>
    /// <param name="PretrainingPool">`simulate --pretraining-pool`: unlabelled single-trial responses to images outside the
    /// experiment pool, preprocessed and added to stage A's data (MinD-Vis pretrains on far more fMRI than it decodes).</param>
    /// <param name="SemanticSelectSteps">`decode --route semantic --select-steps`: denoising steps of its validation decodes
    /// (each runs every step from noise); null: the decode's own steps.</param>
    /// <param name="LdmMoreSteps">Steps a second stage trains the LDM on (`train-ldm --continue-from`) after the first
    /// <paramref name="LdmSteps"/>, into the folder the image routes read, while MinD-Vis's stage B trains from the LDM
    /// as the first stage left it (kept in its own folder); null: one LDM stage.</param>
    /// <param name="EncodingSteps">`decode --route encoding --encoding-steps`; null: the decode's default.</param>
    public sealed record Sizes(
        string[] Simulate, int ClassifierEpochs, int? ClassifierImages, int? VaeSteps, int? LdmSteps, int MbmEpochs, double MbmBaseLearningRate, int AdapterEpochs,
        int DecodeSamples, int DecodeSteps, double MindVisGuidance, int ValidationStimuli, int ImageSize, int PretrainingPool, int? SemanticSelectSteps = null,
        int? LdmMoreSteps = null, int? EncodingSteps = null);

    /// <summary>
    /// The simulated experiment's design. <c>god-like</c>: one Generic Object Decoding-shaped subject (the preset's counts).
    /// <c>held-out-categories</c>: the test images come from 2 categories that contribute no training image, as GOD's 50
    /// test categories are disjoint from its 150 training ones. <c>real-like</c>: 2 categories, 90 training and 10 test
    /// trials (single, not averaged), 28x28 stimuli, shaped like a small real data set.
    /// </summary>
    /// <param name="Name">The `--design` value.</param>
    /// <param name="Description">What the simulate stage says it makes.</param>
    /// <param name="Simulate">Extra `simulate` arguments, after the preset's (later values win where both give one).</param>
    /// <param name="ReplacesCounts">The design sets its own counts, so the preset's count arguments are dropped.</param>
    /// <param name="ValidationStimuli">Training stimuli held out for `--select`; null: the preset's.</param>
    /// <param name="SelectStrengths">The img2img strengths `--select` tries; null: <see cref="DemoSelectStrengths"/>.</param>
    /// <param name="SelectGuidances">The img2img guidances `--select` tries; null: the decode's default grid (4, 8, 16).</param>
    /// <param name="ValidationWholeCategories">The routes choose their settings, and evaluate the route, on a validation split
    /// of whole training categories (`--validation-split categories`): the held-out design's test categories are absent
    /// from training, and a split of held-out stimuli would reward the routes that draw a training category.</param>
    /// <param name="Fidelity">The img2img `--select-min-pixcorr` and `--select-min-ssim`: the validation fidelity the design
    /// asks its chosen setting to keep; null: the low-level route's own (the default of `decode --select`).</param>
    /// <param name="LowLevelPrior">The img2img `--low-level-prior`; null: the decode's default (none). The real-like design
    /// chooses on its validation split between one ridge map of the latent and the predicted category's mean plus a
    /// ridge map of the rest: with 90 training trials the category mean is better estimated from the images than from
    /// the voxels. The GOD-like designs keep one map: with 1,200 training trials the two forms scored alike on the
    /// training trials, and test categories held out of training have no mean to add (README, the real-like design).</param>
    /// <param name="SemanticRoute">Whether the demo decodes the semantic route on its own (the img2img route always uses its
    /// conditioning). The GOD-like design leaves it out for the demo's time: on that design's validation split its chosen
    /// setting stays far under the design's fidelity floor (README, the demo's results, gives the scores), so
    /// evaluate's choice between routes could not take it. The held-out design keeps it: the out-of-category check shows
    /// what a route that draws a training category makes of an unseen one. The real-like design keeps it: there it is a
    /// close candidate on validation.</param>
    public sealed record Design(string Name, string Description, string[] Simulate, bool ReplacesCounts, int? ValidationStimuli,
        IReadOnlyList<double>? SelectStrengths = null, (double PixCorr, double Ssim)? Fidelity = null, string? LowLevelPrior = null,
        bool SemanticRoute = true, IReadOnlyList<double>? SelectGuidances = null, bool ValidationWholeCategories = false);

    /// <summary>
    /// The fidelity the GOD-like designs ask of the img2img route's chosen setting on the validation split: PixCorr 0.80
    /// and SSIM 0.461, the targets this project set for that design (SSIM: the linear voxels-to-pixels baseline's on the
    /// test stimuli when the targets were set). Above them, the setting that draws each stimulus's category best wins:
    /// the low-level route's own fidelity (the default floor) leaves the prior only light touches, which hardly change the
    /// category. The designs that have this floor give it to evaluate's choice between routes on validation too
    /// (`--choose-min-pixcorr`, `--choose-min-ssim`). The real-like design keeps img2img's default floor (there the pixels
    /// are what is measured) and gives evaluate none, so there evaluate ranks every route by category agreement alone.
    /// </summary>
    public static (double PixCorr, double Ssim) GodLikeFidelity { get; } = (0.80, 0.461);

    /// <summary>The preset's `simulate` arguments, without those the design sets (or all, when it sets its own counts), then
    /// the design's. Every argument is an option followed by its value.</summary>
    private static string[] SimulateArguments(Sizes sizes, Design design)
    {
        var preset = new List<string>();
        if (!design.ReplacesCounts)
            for (int i = 0; i + 1 < sizes.Simulate.Length; i += 2)
                if (!design.Simulate.Contains(sizes.Simulate[i]))
                    preset.AddRange([sizes.Simulate[i], sizes.Simulate[i + 1]]);
        return [.. preset, .. design.Simulate];
    }

    /// <summary>The designs `decoding demo --design` knows.</summary>
    public static IReadOnlyList<Design> Designs { get; } =
    [
        // Without 0.65 in the GOD-like design, for the demo's time: on its validation split its candidates kept the
        // low-level route's fidelity only at blend 0.75 and were never chosen, and strength 0.5 already loses PixCorr and
        // SSIM faster than the design's floor allows unless blended (validation scores, no test stimulus). Without
        // guidance 4, also for the time: at every strength and blend its candidates drew the category less than guidance
        // 8's on that split, and none was chosen.
        new("god-like", "simulated visual cortex viewing Fashion-MNIST (GOD-like design)", [], false, null, [0.1, 0.35, 0.5], GodLikeFidelity,
            SemanticRoute: false, SelectGuidances: [8, 16]),
        new("held-out-categories", "simulated visual cortex viewing Fashion-MNIST, test categories held out of every fMRI training set (as in GOD)",
            ["--held-out-test-categories", "2", "--test-per-category", "25"], false, null, null, GodLikeFidelity, ValidationWholeCategories: true),
        // Three training runs of 30 trials, as a small session has: with GOD's 24 runs, per-run z-scoring would work on
        // 3-4 samples a run.
        new("real-like", "simulated visual cortex, a small real-like design: 2 categories, 90 training trials in 3 runs / 10 single test trials, 28x28",
            ["--categories", "2", "--train", "90", "--test", "10", "--test-repeats", "1", "--train-runs", "3", "--image-size", "28"], true, 18, LowLevelPrior: "choose"),
    ];

    /// <summary>Tiny: every stage runs in about a minute (the CI test). The numbers are not worth reading.</summary>
    public static Sizes Tiny { get; } = new(
        ["--train-per-category", "12", "--test-per-category", "2", "--test-repeats", "5", "--train-runs", "4", "--snr", "2"],
        ClassifierEpochs: 1, ClassifierImages: 3000, VaeSteps: 60, LdmSteps: 150, MbmEpochs: 5, MbmBaseLearningRate: 4e-3, AdapterEpochs: 3,
        DecodeSamples: 2, DecodeSteps: 10, MindVisGuidance: 1, ValidationStimuli: 20, ImageSize: 16, PretrainingPool: 100, EncodingSteps: 15);

    /// <summary>
    /// Small: the README's demo, sized so that every stage, the image models' training included, fits the demo's time
    /// budget on a 2-core machine (the README lists every stage's measured time); the repository
    /// ships its image models (<see cref="PretrainedImageModels"/>), so by default the demo trains only the brain side. The LDM trains for fewer steps than its preset's default; the MinD-Vis route decodes
    /// with guidance 3 and the learned null brain context. The VAE trains for 600 steps, more than the small preset's default: every
    /// route that decodes through it is bounded by how well it reconstructs, and its training reconstruction error was
    /// still falling steeply at 300 (the README gives the measured losses).
    /// The semantic route's validation decodes run 25 steps instead of 50, which pays for the longer VAE training.
    /// The LDM trains 1,200 steps, then 300 more in a second stage (the image prior of the img2img, semantic and
    /// ldm-class rows) while stage B trains from the 1,200-step LDM beside it: the LDM's training loss was still falling
    /// at 1,200 steps, and the longer prior moved the img2img selection's validation frontier (README, the demo). Two
    /// training stages side by side slow each other, so more steps did not fit the demo's time budget.
    /// Stage B trains 4 epochs (6 until the demo had to fit 15 minutes on a slower host): with 6, its mean training loss
    /// per epoch had no trend after the third (the README gives the losses).
    /// The encoding route takes 50 Adam steps instead of its default 100, also for the time: on each design's validation
    /// split every lambda's PixCorr and SSIM at step 50 were within a few thousandths of their values at step 100, and the
    /// rule chose the same lambda (validation scores only; the README gives them).
    /// </summary>
    public static Sizes Small { get; } = new(
        [],
        ClassifierEpochs: 1, ClassifierImages: null, VaeSteps: 600, LdmSteps: 1200, MbmEpochs: 6, MbmBaseLearningRate: 4e-3, AdapterEpochs: 4,
        DecodeSamples: 5, DecodeSteps: 50, MindVisGuidance: 3, ValidationStimuli: 50, ImageSize: 32, PretrainingPool: 1000, SemanticSelectSteps: 25,
        LdmMoreSteps: 300, EncodingSteps: 50);

    /// <summary>
    /// The img2img strengths the demo's --select tries: the default grid without 0.8, whose candidates never kept the
    /// low-level route's validation PixCorr and SSIM in the demo's design (a choice made on validation scores, to fit
    /// the demo's time). A design may narrow it further (<see cref="Design.SelectStrengths"/>).
    /// </summary>
    public static IReadOnlyList<double> DemoSelectStrengths { get; } = [0.1, 0.35, 0.5, 0.65];

    /// <summary>
    /// `train-ldm --snr-gamma`: min-SNR-γ weighting with the paper's γ = 5, chosen by `generate --quality-check` (how
    /// many samples of each class look most like their class's mean training image: training images only) over
    /// plain MSE and over a cosine learning-rate decay, each trained for the demo's steps with the demo's seed.
    /// </summary>
    public const double LdmSnrGamma = 5.0;

    /// <summary>The stages for <paramref name="preset"/> ("tiny": about a minute, for CI; "small": the real demo).</summary>
    /// <param name="threads">Passed as `--threads` to every stage that runs libtorch; null: each command's default.</param>
    /// <param name="device">Passed as `--device` to every stage that runs libtorch; null: each command's default (cpu).</param>
    /// <param name="oneDnnBackward">Passed as `--onednn-backward` to every training stage and the encoding route's decode
    /// (the stages that run backward passes); null: each command's default.</param>
    /// <param name="design">One of <see cref="Designs"/>.</param>
    /// <param name="imageModels">A finished demo run folder whose scoring classifier, VAE and LDM are used instead of
    /// training them again (they do not depend on the fMRI); null: train them here.</param>
    /// <param name="sideBySideThreads">Passed as `--threads` to the model stages (training and decoding) instead of
    /// <paramref name="threads"/>: the demo runs them side by side, one thread each; null: <paramref name="threads"/>.</param>
    /// <param name="allRoutes">Decode every route, the stand-alone semantic route too where the design leaves it out for
    /// the demo's time (<see cref="Design.SemanticRoute"/>; `demo --all-routes`, and the cluster study).</param>
    public static IReadOnlyList<DemoStage> Stages(string runFolder, string preset, long seed, int? threads = null, string? device = null,
        string? oneDnnBackward = null, string design = "god-like", string? imageModels = null, int? sideBySideThreads = null, bool allRoutes = false)
    {
        var shape = Designs.FirstOrDefault(d => d.Name == design)
            ?? throw new InvalidSettingException("design", $"'{design}'", $"is unknown; choose {string.Join(", ", Designs.Select(d => d.Name))}");
        var sizes = preset switch
        {
            "tiny" => Tiny,
            "small" => Small,
            _ => throw new InvalidSettingException("preset", $"'{preset}'", "is unknown; choose tiny or small"),
        };
        string data = Path.Combine(runFolder, "data");
        string subject = SimulatedFiles.SubjectName(1);
        string bdata = Path.Combine(data, SimulatedFiles.BDataFileName(subject));
        string stimuli = Path.Combine(data, SimulatedFiles.Stimuli);
        string truth = Path.Combine(data, SimulatedFiles.TruthFileName(1, 1));
        string preprocessed = Path.Combine(data, "preprocessed.h5");
        string pool = Path.Combine(data, SimulatedFiles.PretrainingPoolFileName(1, 1));
        string poolPreprocessed = Path.Combine(data, "pool-preprocessed.h5");
        string models = Path.Combine(runFolder, "models");
        string imageModelFolder = imageModels is null ? models : Path.Combine(imageModels, "models");
        string classifier = Path.Combine(imageModelFolder, "classifier");
        string vae = Path.Combine(imageModelFolder, "vae");
        string ldm = Path.Combine(imageModelFolder, "ldm");
        // Stage B's LDM: the first LDM stage's, in its own folder when a second stage trains on (an image-models run made
        // before there were two stages has only the one).
        bool twoLdmStages = sizes.LdmMoreSteps is not null && sizes.LdmSteps is not null;
        string stageBLdm = twoLdmStages ? Path.Combine(imageModelFolder, $"ldm-{sizes.LdmSteps}") : ldm;
        if (imageModels is not null && !Directory.Exists(stageBLdm)) stageBLdm = ldm;
        string mbm = Path.Combine(models, "mbm");
        string adapter = Path.Combine(models, "adapter");
        string decoded = Path.Combine(runFolder, "decoded");
        string report = Path.Combine(runFolder, "report");
        string s = Text(seed);
        int validation = shape.ValidationStimuli ?? sizes.ValidationStimuli;
        bool semanticRoute = shape.SemanticRoute || allRoutes;
        string[] validationSplit = shape.ValidationWholeCategories ? ["--validation-split", "categories"] : [];
        static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
        static string Manifest(string folder) => Path.Combine(folder, "run.json");
        string Out(string name) => Path.Combine(decoded, name);
        string[] Optional(string option, int? value) => value is { } v ? [option, Text(v)] : [];
        string[] deviceOption = device is null ? [] : ["--device", device];
        string[] torch = [.. Optional("--threads", threads), .. deviceOption];
        string[] modelTorch = [.. Optional("--threads", sideBySideThreads ?? threads), .. deviceOption];
        string[] oneDnn = oneDnnBackward is null ? [] : ["--onednn-backward", oneDnnBackward];
        string[] training = [.. modelTorch, .. oneDnn];
        string[] common = [.. modelTorch, "--data", preprocessed, "--stimuli", stimuli, "--samples", Text(sizes.DecodeSamples), "--steps", Text(sizes.DecodeSteps), "--seed", s];
        DemoStage Decode(string name, string description, string route, string[] extra, bool control) => new(name, description,
            ["decode", "--route", route, .. common, "--out", Out(route), .. (control ? new[] { "--control-out", Out(route + "-control") } : []), .. extra],
            control ? [Manifest(Out(route)), Manifest(Out(route + "-control"))] : [Manifest(Out(route))], SideBySide: true);
        string[] mindVis = ["--model", adapter, "--sampler", "plms", "--guidance", Text(sizes.MindVisGuidance)];
        // Test categories held out of training have no training images, so no class-mean reference.
        bool classMeans = !shape.Simulate.Contains("--held-out-test-categories");
        string[] methods = ["img2img", "img2img-control", "encoding", "encoding-control", "lowlevel", "lowlevel-control",
            .. (semanticRoute ? new[] { "semantic", "semantic-control" } : []), "mindvis", "mindvis-control",
            "ridge-pixels", "mean-image", .. (classMeans ? new[] { "class-mean" } : []), "ldm-class", "ceiling"];

        return
        [
            new("simulate", shape.Description,
                ["simulate", "--out", data, "--seed", s, .. SimulateArguments(sizes, shape),
                    "--pretraining-pool", Text(sizes.PretrainingPool)], [bdata, stimuli, truth, pool]),
            new("preprocess", "ROI VC, z-score per run with training statistics, average test repeats, pad to 16",
                ["preprocess", bdata, "-o", preprocessed, "--roi", "VC"], [preprocessed]),
            new("preprocess-pool", "the unlabelled pretraining pool, preprocessed the same way as the same subject's data",
                ["preprocess", pool, "-o", poolPreprocessed, "--roi", "VC", "--subject", subject], [poolPreprocessed]),
            new("inspect", "describe the preprocessed data set",
                ["inspect", preprocessed], []),
            .. (imageModels is not null ? Array.Empty<DemoStage>() : [
            new("train-classifier", "the scoring network of the semantic metrics (small CNN on Fashion-MNIST; no decoder uses it)",
                ["train-classifier", .. training, "--images", "fashion-mnist", "--out", classifier, "--epochs", Text(sizes.ClassifierEpochs), "--seed", s,
                    "--image-size", Text(sizes.ImageSize), .. Optional("--max-train-images", sizes.ClassifierImages)],
                [Manifest(classifier)], SideBySide: true, new ModelCheckpoint(classifier, ClassifierFolder.CheckpointName)),
            new("train-vae", "the autoencoder the diffusion runs in (frozen afterwards)",
                ["train-vae", .. training, "--images", "fashion-mnist", "--preset", preset, "--out", vae, "--seed", s, .. Optional("--steps", sizes.VaeSteps)],
                [Manifest(vae)], SideBySide: true, new ModelCheckpoint(vae, VaeTrainer.CheckpointName)),
            new("train-ldm", twoLdmStages
                    ? "the label-conditioned latent diffusion model, first steps: the LDM MinD-Vis's stage B starts from"
                    : "the label-conditioned latent diffusion model: the image prior of every generative route",
                ["train-ldm", .. training, "--vae", vae, "--images", "fashion-mnist", "--preset", preset, "--out", stageBLdm, "--seed", s, .. Optional("--steps", sizes.LdmSteps),
                    "--snr-gamma", Text(LdmSnrGamma)],
                [Manifest(stageBLdm)], SideBySide: true, new ModelCheckpoint(stageBLdm, LatentDiffusionModelFolder.CheckpointName)),
            .. (!twoLdmStages ? Array.Empty<DemoStage>() : [
            new("continue-ldm", "the same LDM trained on (a copy of the first stage's run, continued): the image prior of the img2img, semantic and ldm-class rows",
                ["train-ldm", .. training, "--vae", vae, "--images", "fashion-mnist", "--preset", preset, "--out", ldm, "--seed", s,
                    "--steps", Text(sizes.LdmSteps!.Value + sizes.LdmMoreSteps!.Value), "--snr-gamma", Text(LdmSnrGamma), "--continue-from", stageBLdm],
                [Manifest(ldm)], SideBySide: true, new ModelCheckpoint(ldm, LatentDiffusionModelFolder.CheckpointName)),
            ]),
            ]),
            new("pretrain-mbm", "MinD-Vis stage A: masked brain modeling on the training fMRI and the pretraining pool (test fMRI excluded)",
                ["pretrain-mbm", .. training, "--data", preprocessed, poolPreprocessed, "--preset", preset, "--out", mbm, "--epochs", Text(sizes.MbmEpochs),
                    "--base-lr", Text(sizes.MbmBaseLearningRate), "--seed", s],
                [Manifest(mbm)], SideBySide: true, new ModelCheckpoint(mbm, PretrainedBrainEncoderConfig.CheckpointName)),
            new("train-adapter", "MinD-Vis stage B: brain encoder + adapter + UNet cross-attention trained on fMRI-image pairs",
                ["train-adapter", .. training, "--data", preprocessed, "--stimuli", stimuli, "--mbm", mbm, "--ldm", stageBLdm, "--out", adapter,
                    "--preset", preset, "--epochs", Text(sizes.AdapterEpochs), "--seed", s],
                [Manifest(adapter)], SideBySide: true, new ModelCheckpoint(adapter, DoubleConditionedLdmFolder.CheckpointName)),
            // The order is the order stages start in when a core is free: the two longest decodes first, beside stage A and B;
            // MinD-Vis's decode as soon as stage B ends and its control in the next free slot; the short stages last, to
            // fill the gaps.
            // The encoding route uses only the VAE, as the low-level route does. It holds out the same validation stimuli as
            // the img2img and semantic selections (same seed, count and kind of split), so evaluate can choose between the routes.
            Decode("decode-encoding", "route encoding: a Gabor-energy encoding model (a pooling field or a linear map per voxel) inverted through the VAE from the low-level latent (penalty chosen on a validation split); and its control",
                "encoding", ["--ldm", stageBLdm, "--validation-stimuli", Text(validation), .. validationSplit, .. Optional("--encoding-steps", sizes.EncodingSteps), .. oneDnn], control: true),
            Decode("decode-img2img", "route img2img: low-level latent + semantic conditioning, settings chosen on a validation split of the training trials; and its control",
                "img2img", ["--ldm", ldm, "--select", "--validation-stimuli", Text(validation), .. validationSplit, "--select-strengths", .. (shape.SelectStrengths ?? DemoSelectStrengths).Select(Text),
                    .. shape.SelectGuidances is { } guidances ? ["--select-guidances", .. guidances.Select(Text)] : Array.Empty<string>(),
                    .. shape.Fidelity is { } fidelity ? (string[])["--select-min-pixcorr", Text(fidelity.PixCorr), "--select-min-ssim", Text(fidelity.Ssim)] : [],
                    .. shape.LowLevelPrior is { } prior ? (string[])["--low-level-prior", prior] : []], control: true),
            .. (semanticRoute ? [Decode("decode-semantic", "route semantic: ridge voxels -> conditioning, LDM from noise; and its control", "semantic",
                ["--ldm", ldm, "--select", "--validation-stimuli", Text(validation), .. validationSplit, .. Optional("--select-steps", sizes.SemanticSelectSteps)], control: true)] : Array.Empty<DemoStage>()),
            // MinD-Vis's decode ends the longest chain of stages (VAE, LDM, stage B), so its control runs as a process of
            // its own beside it: --shuffle-fmri alone gives the images --control-out does (the route has nothing to fit).
            Decode("decode-mindvis", "route mindvis: MinD-Vis's DC-LDM (PLMS, guidance with the null brain context)", "mindvis", mindVis, control: false),
            new("decode-mindvis-control", "control of route mindvis: the same DC-LDM decoding each item from another item's fMRI, beside the route's decode",
                ["decode", "--route", "mindvis", .. common, "--out", Out("mindvis-control"), "--shuffle-fmri", .. mindVis],
                [Manifest(Out("mindvis-control"))], SideBySide: true),
            Decode("decode-ldm-class", "reference: the LDM's samples of the true category (true label, an oracle bound)", "ldm-class", ["--ldm", ldm], control: false),
            // The low-level route uses only the LDM folder's VAE (the same in both LDM stages), so it reads the first
            // stage's folder and runs while the LDM trains on.
            Decode("decode-lowlevel", "route lowlevel: ridge voxels -> VAE latent, decoded by the VAE; and its control", "lowlevel", ["--ldm", stageBLdm], control: true),
            Decode("decode-ridge-pixels", "baseline: ridge voxels -> pixels", "ridge-pixels", ["--image-size", Text(sizes.ImageSize)], control: false),
            Decode("decode-ceiling", "reference: the pixel ridge on the simulator's noise-free responses", "ceiling",
                ["--simulation-truth", truth, "--image-size", Text(sizes.ImageSize)], control: false),
            Decode("decode-mean-image", "reference: the mean training image (no fMRI)", "mean-image", ["--image-size", Text(sizes.ImageSize)], control: false),
            .. (classMeans ? [Decode("decode-class-mean", "reference: the true category's mean training image (true label, an oracle bound)", "class-mean", ["--image-size", Text(sizes.ImageSize)], control: false)] : Array.Empty<DemoStage>()),
            new("evaluate", "every method scored with stimulus-level statistics; controls, baselines, references, chance; the report",
                ["evaluate", .. torch, "--decoded", .. methods.Select(Out), "--stimuli", stimuli, "--classifier", classifier, "--out", report,
                    "--data", preprocessed, "--seed", s, "--loss-curves", classifier, vae, ldm, mbm, adapter,
                    .. shape.Fidelity is { } floor ? (string[])["--choose-min-pixcorr", Text(floor.PixCorr), "--choose-min-ssim", Text(floor.Ssim)] : []],
                [Manifest(report)]),
        ];
    }
}
