using System.CommandLine;
using Fmri.MaskedBrainModeling;
using System.Diagnostics;
using System.Globalization;
using Decoding.Decode;
using Decoding.Decode.Routes;
using Decoding.DoubleConditioning;
using Decoding.LatentDiffusion;
using Fmri.Core.Runs;
using Fmri.Data;
using Fmri.Data.Layouts;
using Fmri.Data.Stimuli;

namespace Decoding.Cli;

/// <summary>
/// <c>decoding decode --route NAME</c>: K images per test item with one route of <see cref="RouteCatalog"/> (a decoding
/// route from fMRI, a baseline or a reference), fitted on the training split: PNG files, decoded.h5, grid.png and
/// run.json. <c>--shuffle-fmri</c> makes the route's control; <c>--select</c> chooses the img2img / semantic settings on
/// a validation split of the training trials first.
/// </summary>
public static class DecodeCommand
{
    public static Command Create()
    {
        var route = new Option<string>("--route") { Description = $"What makes the images: {string.Join(", ", RouteCatalog.Routes.Select(r => $"{r.Name} ({r.Summary})"))}", DefaultValueFactory = _ => Img2ImgRoute.Name };
        var data = new Option<string?>("--data") { Description = "Preprocessed canonical fMRI file (its training split fits the route, its test split is decoded)", Required = true };
        var stimuli = new Option<string?>("--stimuli") { Description = "Stimulus image set (HDF5) with every stimulus of --data", Required = true };
        var output = new Option<string?>("--out") { Description = "Output folder", Required = true };
        var ldm = new Option<string?>("--ldm") { Description = "train-ldm output folder (routes img2img, lowlevel, semantic, ldm-class)" };
        var modelDir = new Option<string?>("--model") { Description = "train-adapter output folder (route mindvis)" };
        var truth = new Option<string?>("--simulation-truth") { Description = "The simulator's truth.h5 (route ceiling)" };
        var imageSize = new Option<int?>("--image-size") { Description = "Side of the decoded images (default: the model's; without one, the stimuli's)" };
        var samples = new Option<int>("--samples") { Description = "Images per item (MinD-Vis: 5); deterministic routes make 1", DefaultValueFactory = _ => 5 };
        var sampler = new Option<string>("--sampler") { Description = "ddim | plms | ddpm (MinD-Vis: plms)", DefaultValueFactory = _ => "ddim" };
        var steps = new Option<int>("--steps") { Description = "Denoising steps (MinD-Vis: 250)", DefaultValueFactory = _ => 50 };
        var guidance = new Option<double>("--guidance") { Description = "Classifier-free guidance scale (1 = none, as MinD-Vis)", DefaultValueFactory = _ => 5.0 };
        var strength = new Option<double>("--strength") { Description = "img2img: share of the steps run from the noised low-level latent (1 = from noise)", DefaultValueFactory = _ => 0.5 };
        var blend = new Option<double>("--blend") { Description = "img2img: weight of the low-level image in the result (0 = none)", DefaultValueFactory = _ => 0.0 };
        var target = new Option<string>("--semantic-target") { Description = "What the semantic map predicts: context (score-weighted category contexts) | category (one-hot: the best category's context) | contrastive (a mapper trained with regression + InfoNCE)", DefaultValueFactory = _ => "context" };
        var lowLevelPrior = new Option<string>("--low-level-prior") { Description = "lowlevel and img2img: none (one ridge map to the VAE latent) | category (the predicted training category's mean latent plus a ridge map of the rest; only for test stimuli from the training categories) | choose (img2img --select: whichever scores the higher PixCorr + SSIM on the validation split)", DefaultValueFactory = _ => "none" };
        var start = new Option<string>("--start") { Description = "img2img: how the low-level latent reaches the strength's timestep: noised (random noise, as diffusers' img2img) | inverted (DDIM inversion under the predicted conditioning: no noise, one image per item; ddim only)", DefaultValueFactory = _ => "noised" };
        var bestOf = new Option<int>("--best-of") { Description = "img2img: draw this many candidates per item and keep the one closest to the low-level reconstruction (pixel correlation; fMRI only, no stimulus): one image per item, noised start only (1 = off; with --select: the chosen setting, if its start is noised, is scored with and without it on the validation split, and the rule keeps the better)", DefaultValueFactory = _ => 1 };
        var selectStarts = new Option<string[]>("--select-starts") { Description = "img2img starts --select tries: noised and/or inverted (default: noised)", AllowMultipleArgumentsPerToken = true };
        var ilvr = new Option<int>("--ilvr-block") { Description = "img2img: ILVR, keep the low-level latent's block means (this many latent pixels a side) after every step (0 = off)", DefaultValueFactory = _ => 0 };
        var select = new Option<bool>("--select") { Description = "Choose --semantic-target, --guidance, --strength and --blend on a validation split of the training trials (never the test stimuli)" };
        var validation = new Option<int>("--validation-stimuli") { Description = "Training stimuli held out for --select and for the encoding route's choice of lambda", DefaultValueFactory = _ => DecodingSettings.DefaultValidationStimuli };
        var validationSplit = new Option<string>("--validation-split") { Description = "How the validation split is carved: stimuli (training stimuli held out at random) | categories (whole training categories held out, the routes fitted on the others: for designs whose test categories no training trial shows, as in Generic Object Decoding)", DefaultValueFactory = _ => "stimuli" };
        var selectSteps = new Option<int?>("--select-steps") { Description = "Denoising steps while selecting (default: --steps)" };
        var seed = new Option<long>("--seed") { Description = "Seed of each item's generator (sampling noise) and of the ridge folds", DefaultValueFactory = _ => 2022 };
        var split = new Option<string>("--split") { Description = "Which samples: test | test-imagery | train", DefaultValueFactory = _ => "test" };
        var shuffle = new Option<bool>("--shuffle-fmri") { Description = "Control: decode each item from another item's fMRI (a derangement across categories)" };
        var controlSeed = new Option<long>("--control-seed") { Description = "Seed of the control's permutation, independent of the sampling noise", DefaultValueFactory = _ => 1 };
        var methodName = new Option<string?>("--name") { Description = "The method's name in reports (default: the route's), e.g. to compare settings of one route" };
        var controlOut = new Option<string?>("--control-out") { Description = "Also decode the route's shuffled-fMRI control, with the same fitted route and settings, into this folder" };
        var shard = new Option<string?>("--shard") { Description = "Decode only shard i of N of the split's items (i/N, counted from 0; slurm: the task of a Slurm array 0..N-1); join the shards with decoding merge" };
        var selectionFile = new Option<string?>("--selection") { Description = "Take --semantic-target, --guidance, --strength and --blend from the selection.json of an earlier decode --select (choose once, decode in shards)" };
        var selectStrengths = CommonOptions.Numbers("--select-strengths", $"img2img strengths --select tries (default: {string.Join(' ', SelectionGrid.Default.Strengths)})");
        var selectGuidances = CommonOptions.Numbers("--select-guidances", $"Guidance scales --select tries (default: {string.Join(' ', SelectionGrid.Default.Guidances)})");
        var selectBlends = CommonOptions.Numbers("--select-blends", $"img2img blends --select tries (default: {string.Join(' ', SelectionGrid.Default.Blends)})");
        var selectMinPixCorr = new Option<double?>("--select-min-pixcorr") { Description = "img2img --select: the validation PixCorr a candidate must keep (default: the lowlevel route's own on the validation split)" };
        var selectMinSsim = new Option<double?>("--select-min-ssim") { Description = "img2img --select: the validation SSIM a candidate must keep (default: the lowlevel route's own on the validation split)" };
        var ridgeRepeats = new Option<double?>("--ridge-repeats") { Description = "Trials each decoded sample averages, for which the ridge maps to images (lowlevel, img2img, ridge-pixels) choose their penalty (default: the median of the decoded split's /samples/repeats; 1 = as cross-validated on the single training trials)" };
        var encodingPenalty = new Option<double?>("--encoding-penalty") { Description = "encoding: the weight lambda of the pull toward the low-level latent, used as given (default: chosen on a validation split of the training trials, then scaled for the decoded samples' repeats)" };
        var encodingSteps = new Option<int?>("--encoding-steps") { Description = $"encoding: Adam steps on the latent, in the validation decodes and the decode (default {EncodingInversionRoute.DefaultSteps})" };
        var selectOnly = new Option<bool>("--select-only") { Description = "With --select: choose the settings and write selection.json into --out, decode nothing" };
        var threads = CommonOptions.Threads();

        var command = new Command("decode", "Decode images from fMRI with a route (or make a baseline's or reference's images): PNGs, decoded.h5, grid.png");
        foreach (var option in new Option[] { route, data, stimuli, output, ldm, modelDir, truth, imageSize, samples, sampler, steps, guidance, strength, blend, start, bestOf, ilvr,
                     target, lowLevelPrior, select, validation, validationSplit, selectSteps, seed, split, shuffle, controlSeed, controlOut, methodName, shard, selectionFile, selectOnly, selectStrengths, selectGuidances, selectBlends, selectStarts, selectMinPixCorr, selectMinSsim, ridgeRepeats, encodingPenalty, encodingSteps, threads })
            command.Options.Add(option);
        var torchOptions = CommonOptions.AddTorchOptions(command, threads, backwardPasses: true);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            var spec = RouteCatalog.Spec(parse.GetValue(route)!);
            string dataFile = Check.ExistingFile(parse.GetValue(data), "data");
            string stimuliFile = Check.ExistingFile(parse.GetValue(stimuli), "stimuli");
            string? ldmDir = parse.GetValue(ldm) is { } l ? Check.ExistingFolder(l, "ldm", "run train-ldm first") : null;
            string? modelFolder = parse.GetValue(modelDir) is { } m ? Check.ExistingFolder(m, "model", "run train-adapter first") : null;
            string? truthFile = parse.GetValue(truth) is { } t ? Check.ExistingFile(t, "simulation_truth") : null;
            // A merged folder holds what one decode would have written. --selection may sit in the folder it decodes into
            // (decode --select-only there first): a decode given it never writes selection.json.
            string[] sameOutput = ["decode", "merge"];
            (string?, string)[] inputs = [(dataFile, "data"), (stimuliFile, "stimuli"), (ldmDir, "ldm"), (modelFolder, "model"), (truthFile, "simulation_truth")];
            string? controlDir = parse.GetValue(controlOut) is { } co ? Check.OutputFolder(co, "control_out", sameOutput, inputs) : null;
            string outDir = Check.OutputFolder(parse.GetValue(output), "out", sameOutput, [.. inputs, (controlDir, "control_out")]);
            Check.That(controlDir is null || !parse.GetValue(shuffle), "control_out", controlDir, "decodes the control next to the route; leave out {shuffle_fmri}");
            Check.That(controlDir is null || spec.Kind != DecodedMethod.Reference, "control_out", controlDir, $"applies to routes that decode fMRI; the {spec.Name} reference does not use it");
            var settings = new DecodingSettings
            {
                Route = spec.Name,
                Samples = parse.GetValue(samples),
                Sampling = new SamplingOptions
                {
                    Sampler = Samplers.Parse(parse.GetValue(sampler)!),
                    Steps = parse.GetValue(steps),
                    GuidanceScale = parse.GetValue(guidance),
                },
                Img2Img = new Img2ImgSettings(parse.GetValue(strength), parse.GetValue(blend), parse.GetValue(ilvr), Check.OneOf(parse.GetValue(start), Starts, "start"),
                    parse.GetValue(bestOf)),
                SemanticTarget = Check.OneOf(parse.GetValue(target), Targets, "semantic_target"),
                LowLevelPrior = Check.OneOf(parse.GetValue(lowLevelPrior), LowLevelPriors, "low_level_prior"),   // choose: none until --select chooses
                Seed = parse.GetValue(seed),
                Split = Check.OneOf(parse.GetValue(split), Splits, "split"),
                ShuffleFmri = parse.GetValue(shuffle),
                ControlSeed = parse.GetValue(controlSeed),
                MethodName = parse.GetValue(methodName),
                EncodingPenalty = parse.GetValue(encodingPenalty),
                ValidationStimuli = parse.GetValue(validation),
                ValidationWholeCategories = Check.OneOf(parse.GetValue(validationSplit), ValidationSplits, "validation_split"),
                EncodingSteps = parse.GetValue(encodingSteps) ?? EncodingInversionRoute.DefaultSteps,
            };
            settings.Validate();
            // A strength given as is must run a step of the decode, checked before the route is fitted (--select and
            // --selection check their own strengths).
            if (spec.Name == Img2ImgRoute.Name && !parse.GetValue(select) && parse.GetValue(selectionFile) is null)
                _ = Decoding.Diffusion.Img2Img.BeginIndex(settings.Sampling.Steps, settings.Img2Img.Strength);
            Check.That(settings.EncodingPenalty is null || spec.Name == EncodingInversionRoute.Name, "encoding_penalty", settings.EncodingPenalty,
                $"is the encoding route's setting; the {spec.Name} route has none");
            Check.That(parse.GetValue(encodingSteps) is null || spec.Name == EncodingInversionRoute.Name, "encoding_steps", parse.GetValue(encodingSteps),
                $"is the encoding route's setting; the {spec.Name} route has none");
            // A split of whole categories only where a setting is chosen on it.
            string? wholeCategoriesRefused = !settings.ValidationWholeCategories ? null : spec.Name switch
            {
                Img2ImgRoute.Name or SemanticRoute.Name when parse.GetValue(select) => null,
                Img2ImgRoute.Name or SemanticRoute.Name when parse.GetValue(selectionFile) is not null
                    => "is recorded in the {selection} file with the settings chosen on it; leave it out",
                Img2ImgRoute.Name or SemanticRoute.Name => "carves the split {select} chooses on; add {select}",
                EncodingInversionRoute.Name when settings.EncodingPenalty is null => null,
                EncodingInversionRoute.Name => "carves the split lambda is chosen on; leave out {encoding_penalty}",
                _ => $"carves the split a route chooses its setting on; the {spec.Name} route chooses none",
            };
            Check.That(wholeCategoriesRefused is null, "validation_split", "categories", wholeCategoriesRefused ?? "");
            string? oneDnnBackward = parse.GetValue(torchOptions.OneDnnBackward!);
            Check.That(oneDnnBackward is null || spec.RunsBackwardPasses, "onednn_backward", oneDnnBackward,
                $"sets how backward passes run; the {spec.Name} route runs none");
            Check.That(settings.Img2Img.BestOf == 1 || spec.Name == Img2ImgRoute.Name, "best_of", settings.Img2Img.BestOf,
                $"chooses among img2img candidates; the {spec.Name} route has none");
            double? repeatsGiven = parse.GetValue(ridgeRepeats) is { } rr ? Check.InRange(rr, 1, 1e6, "ridge_repeats") : null;
            bool selecting = parse.GetValue(select);
            Check.That(!selecting || spec.Name is Img2ImgRoute.Name or SemanticRoute.Name, "select", null, $"chooses settings of the img2img and semantic routes; the {spec.Name} route has none to choose");
            // Sharding: selection runs once (--select --select-only), and each shard takes its choice with --selection.
            var shardSpec = parse.GetValue(shard) is { } sh ? DecodeShard.Parse(sh, Environment.GetEnvironmentVariable) : null;
            string? chosenFile = parse.GetValue(selectionFile) is { } sf ? Check.ExistingFile(sf, "selection") : null;
            Check.That(!selecting || shardSpec is null, "select", null, "would choose the settings again in every shard: choose once with {select} {select_only}, then give each shard {selection} <that --out>/selection.json");
            Check.That(!selecting || chosenFile is null, "selection", chosenFile, "takes settings chosen earlier; leave out {select}");
            Check.That(!parse.GetValue(selectOnly) || selecting, "select_only", null, "needs {select}");
            bool choosePrior = parse.GetValue(lowLevelPrior) == "choose";
            Check.That(!choosePrior || (selecting && spec.Name == Img2ImgRoute.Name), "low_level_prior", "choose",
                "is chosen on the validation split of img2img {select}; give none or category otherwise");
            Check.That(settings.LowLevelPrior == LowLevelPrior.None || spec.Name is Img2ImgRoute.Name or LowLevelRoute.Name, "low_level_prior", parse.GetValue(lowLevelPrior),
                $"shapes the low-level latent of the lowlevel and img2img routes; the {spec.Name} route has none");
            double? minPixCorr = parse.GetValue(selectMinPixCorr), minSsim = parse.GetValue(selectMinSsim);
            foreach (var (value, name) in new[] { (minPixCorr, "select_min_pixcorr"), (minSsim, "select_min_ssim") })
                if (value is double floor)
                {
                    Check.That(selecting, name, floor, "is a floor of {select}; add {select}");
                    Check.That(spec.Name == Img2ImgRoute.Name, name, floor, $"sets the fidelity img2img candidates keep; the {spec.Name} route has no low-level image to keep");
                    Check.InRange(floor, -1, 1, name);
                }
            Check.That(chosenFile is null || spec.Name is Img2ImgRoute.Name or SemanticRoute.Name, "selection", chosenFile, $"holds settings of the img2img and semantic routes; the {spec.Name} route has none");
            if (spec.NeedsLdm && ldmDir is null) throw new InvalidSettingException("ldm", null, $"is required by the {spec.Name} route (a train-ldm folder)");
            if (spec.NeedsMindVis && modelFolder is null) throw new InvalidSettingException("model", null, $"is required by the {spec.Name} route (a train-adapter folder)");
            if (spec.NeedsTruth && truthFile is null) throw new InvalidSettingException("simulation_truth", null, $"is required by the {spec.Name} route (the simulator's truth.h5)");
            torchOptions.Apply(parse, spec.RunsBackwardPasses);
            // decode's defaults serve every route; MinD-Vis decodes otherwise, so say where this run departs from the paper.
            if (spec.Name == MindVisRoute.Name && MindVisRoute.DeparturesFromPaper(parse.GetValue(sampler)!, parse.GetValue(steps), parse.GetValue(guidance)) is { } departures)
                Console.WriteLine($"note: MinD-Vis decodes with {MindVisRoute.PaperSampler.ToUpperInvariant()}, {MindVisRoute.PaperSteps} steps and no guidance "
                    + $"(--sampler {MindVisRoute.PaperSampler} --steps {MindVisRoute.PaperSteps} --guidance 1); this run: {departures}");

            var pipeline = spec.NeedsLdm ? new LatentDiffusionModelFolder(ldmDir!).LoadPipeline(useEmaWeights: true) : null;
            (DoubleConditionedLdm Model, FirstStage FirstStage)? mindVis = spec.NeedsMindVis ? new DoubleConditionedLdmFolder(modelFolder!).Load() : null;
            if (mindVis is not null && parse.GetValue(guidance) != 1 && new DoubleConditionedLdmFolder(modelFolder!).TrainedConditionDropout() == 0)
                Console.WriteLine($"note: {modelFolder} was trained without condition dropout (train-adapter --condition-dropout 0, the paper preset), so its null condition is untrained and guidance {parse.GetValue(guidance).ToString("G4", System.Globalization.CultureInfo.InvariantCulture)} pushes along an arbitrary direction; MinD-Vis decodes such a model with --guidance {MindVisRoute.PaperGuidance:G4}");
            var models = new RouteModels(pipeline, mindVis, truthFile);
            var fmri = CanonicalFile.ReadFinite(dataFile);
            var images = StimulusImageSet.Read(stimuliFile);
            int size = parse.GetValue(imageSize) ?? pipeline?.Model.Config.ImageSize ?? mindVis?.Model.Config.ImageSize ?? Math.Max(images.Height, images.Width);
            int channels = pipeline?.Model.Config.ImageChannels ?? mindVis?.Model.Config.ImageChannels ?? images.Channels;
            if (pipeline is not null) Check.That(size == pipeline.Model.Config.ImageSize, "image_size", size, $"differs from the LDM's {pipeline.Model.Config.ImageSize}");
            var categoryNames = images.CategoryNames;
            var train = StimulusPairs.ForTraining(fmri, dataFile, images, stimuliFile, size, channels);
            var items = StimulusPairs.ForSplit(fmri, dataFile, settings.Split, images, stimuliFile, size, channels);
            if (mindVis is not null)
            {
                train = BrainEncoderWidth.Fit(train, mindVis.Value.Model.Config.BrainEncoder, dataFile);
                items = BrainEncoderWidth.Fit(items, mindVis.Value.Model.Config.BrainEncoder, dataFile);
            }

            object? selection = null;
            // Every input's SHA-256 by full path, computed once and only when first needed (the files can be large): run.json,
            // the shard record and a selection all take theirs from it. A choice depends on the data, the stimuli and the LDM.
            Dictionary<string, string>? hashes = null;
            Dictionary<string, string> InputHashes() => hashes ??= InputFiles(dataFile, stimuliFile, ldmDir, modelFolder, truthFile)
                .Where(File.Exists).Select(Path.GetFullPath).Distinct().ToDictionary(f => f, Fmri.Core.IO.FileHash.Sha256);
            Dictionary<string, string> SelectionInputs()
            {
                var chosenOn = InputFiles(dataFile, stimuliFile, ldmDir, null, null).Select(Path.GetFullPath).ToHashSet();
                return InputHashes().Where(p => chosenOn.Contains(p.Key)).ToDictionary();
            }
            string? selectionHash = chosenFile is null ? null : Fmri.Core.IO.FileHash.Sha256(chosenFile);
            if (selecting)
            {
                var selectSettings = settings with { Sampling = settings.Sampling with { Steps = parse.GetValue(selectSteps) ?? settings.Sampling.Steps } };
                var grid = new SelectionGrid(parse.GetValue(selectStrengths) is { Length: > 0 } st ? st : SelectionGrid.Default.Strengths,
                    parse.GetValue(selectGuidances) is { Length: > 0 } gu ? gu : SelectionGrid.Default.Guidances,
                    parse.GetValue(selectBlends) is { Length: > 0 } bl ? bl : SelectionGrid.Default.Blends,
                    parse.GetValue(selectStarts) is { Length: > 0 } ss ? ss.Select(s => Check.OneOf(s, Starts, "select_starts")).Distinct().ToList() : SelectionGrid.Default.Starts,
                    settings.Img2Img.BestOf);
                grid.CheckValues("select_strengths", "select_guidances", "select_blends");
                var chosen = ConsoleProgress.Run("choosing settings on the validation split", 1.0, progress =>
                    RouteSelection.Select(selectSettings, models, train, categoryNames, grid, settings.ValidationStimuli, progress, settings.Sampling.Steps, minPixCorr, minSsim, choosePrior));
                selection = chosen;
                settings = chosen.Chosen with { Sampling = chosen.Chosen.Sampling with { Steps = settings.Sampling.Steps } };
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"decode: chosen on {chosen.ValidationItems} validation stimuli: semantic target {settings.SemanticTarget.ToString().ToLowerInvariant()}, guidance {settings.Sampling.GuidanceScale:G3}{(spec.Name == Img2ImgRoute.Name ? $", strength {settings.Img2Img.Strength:G3}, blend {settings.Img2Img.Blend:G3}, start {settings.Img2Img.Start.ToString().ToLowerInvariant()}, best of {settings.Img2Img.BestOf}" : "")}{(choosePrior ? $", low-level prior {settings.LowLevelPrior.ToString().ToLowerInvariant()}" : "")}"));
                Directory.CreateDirectory(outDir);
                SelectionFile.Of(chosen, settings, parse.GetValue(sampler)!, size, SelectionInputs()).Write(Path.Combine(outDir, SelectionFile.FileName));
                if (parse.GetValue(selectOnly))
                {
                    new RunManifest
                    {
                        Command = "decode",
                        Arguments = CommandLineApp.Arguments,
                        Config = new { Settings = settings, Selection = selection, ImageSize = size },
                        Seeds = new Dictionary<string, long> { ["seed"] = settings.Seed },
                        InputSha256 = SelectionInputs(),
                        Outputs = [SelectionFile.FileName],
                        StartedUtc = started,
                        WallSeconds = clock.Elapsed.TotalSeconds,
                    }.Write(Path.Combine(outDir, "run.json"));
                    Console.Out.WriteLine($"decode: settings chosen; {Path.Combine(outDir, SelectionFile.FileName)} (give it to each shard with --selection)");
                    return 0;
                }
            }
            else if (chosenFile is not null)
            {
                var record = SelectionFile.Read(chosenFile, "selection");
                settings = record.Apply(settings, parse.GetValue(sampler)!, size, SelectionInputs(), chosenFile, "selection");
                selection = record.Result;
            }

            // The ridge maps suit the decoded samples' noise: averages of this many trials (the validation split, single trials, uses 1).
            settings = settings with { InputRepeats = repeatsGiven ?? Decoding.Metrics.Bootstrap.Quantile(items.RepeatCounts!.Select(r => (double)r).Order().ToArray(), 0.5) };
            // Fitting a route's maps (ridge penalties cross-validated, the trial-noise model) prints nothing of its own for a while.
            Console.Out.WriteLine($"decode: fitting the {spec.Name} route on {train.Count} training samples");
            // A route that chooses its own setting on validation does not when the user gave it (--encoding-penalty).
            bool choosesOwn = spec.ChoosesOnValidation && settings.EncodingPenalty is null;
            var decoder = choosesOwn
                ? ConsoleProgress.Run($"fitting the {spec.Name} route (its setting chosen on a validation split)", 1.0, progress => RouteCatalog.Build(settings, models, train, categoryNames, progress))
                : RouteCatalog.Build(settings, models, train, categoryNames);
            var attributes = new Dictionary<string, object>
            {
                ["sampler"] = parse.GetValue(sampler)!,
                ["steps"] = settings.Sampling.Steps,
                ["guidance"] = settings.Sampling.GuidanceScale,
                ["strength"] = settings.Img2Img.Strength,
                ["blend"] = settings.Img2Img.Blend,
                ["ilvr_block"] = settings.Img2Img.LowFrequencyBlock,
                ["start"] = settings.Img2Img.Start.ToString().ToLowerInvariant(),
                ["best_of"] = settings.Img2Img.BestOf,
                ["semantic_target"] = settings.SemanticTarget.ToString().ToLowerInvariant(),
                ["low_level_prior"] = settings.LowLevelPrior.ToString().ToLowerInvariant(),
                ["seed"] = settings.Seed,
                ["control_seed"] = settings.ControlSeed,
                ["samples"] = settings.Samples,
                ["split"] = parse.GetValue(split)!,
                ["data"] = Path.GetFullPath(dataFile),
                ["stimuli"] = Path.GetFullPath(stimuliFile),
                ["ldm"] = ldmDir is null ? "" : Path.GetFullPath(ldmDir),
                ["model"] = modelFolder is null ? "" : Path.GetFullPath(modelFolder),
                ["brain_encoder_include_test_fmri"] = mindVis?.Model.Config.BrainEncoder.IncludeTestFmri == true ? 1 : 0,
                ["selected_on_validation"] = selecting || chosenFile is not null || choosesOwn ? 1 : 0,
                ["input_repeats"] = settings.InputRepeats,
            };
            // The chosen setting's validation score, for evaluate's choice between routes.
            var validationRecord = decoder.Validation ?? selection switch
            {
                SelectionResult chosenHere => chosenHere.Record,
                System.Text.Json.JsonElement chosenEarlier => ValidationRecord.FromSelection(chosenEarlier),
                _ => null,
            };
            foreach (var (name, value) in validationRecord?.Attributes() ?? []) attributes[name] = value;
            var runs = new List<(string Folder, DecodingSettings Settings)> { (outDir, settings) };
            if (controlDir is not null) runs.Add((controlDir, settings with { ShuffleFmri = true }));
            foreach (var (folder, runSettings) in runs)
            {
                var runClock = Stopwatch.StartNew();
                if (shardSpec is not null && File.Exists(Path.Combine(folder, ShardRecord.FileName)))
                    File.Delete(Path.Combine(folder, ShardRecord.FileName));   // written again when the shard is complete
                using var result = ConsoleProgress.Run($"decoding ({spec.Name}{(runSettings.ShuffleFmri ? ", shuffled fMRI" : "")}{(shardSpec is null ? "" : $", shard {shardSpec}")})", 1.0, progress =>
                    DecodingRun.Run(decoder, items, runSettings, folder, attributes, progress, shardSpec));
                Directory.CreateDirectory(folder);
                new RunManifest
                {
                    Command = "decode",
                    Arguments = CommandLineApp.Arguments,
                    Config = new
                    {
                        Settings = runSettings,
                        Method = result.Method,
                        Items = items.Count,
                        TrainingSamples = train.Count,
                        FmriOrder = result.Control?.Order,
                        ControlSameCategoryDonors = result.Control?.SameCategory,
                        Selection = selection,
                        ImageSize = size,
                        Shard = shardSpec?.ToString(),
                    },
                    Seeds = new Dictionary<string, long> { ["seed"] = runSettings.Seed, ["control_seed"] = runSettings.ControlSeed },
                    InputSha256 = chosenFile is null ? InputHashes() : new Dictionary<string, string>(InputHashes()) { [Path.GetFullPath(chosenFile)] = selectionHash! },
                    Outputs = [DecodedImagesFile.FileName, DecodingRun.GridFile, "<stimulus_id>_<k>.png"],
                    StartedUtc = started,
                    WallSeconds = clock.Elapsed.TotalSeconds,
                }.Write(Path.Combine(folder, "run.json"));
                int decodedItems = items.Count;
                if (shardSpec is not null)
                {
                    var (firstItem, length) = shardSpec.ItemRange(items.Count);
                    decodedItems = length;
                    var ids = items.StimulusIds.Select(id => id.Value).ToArray();
                    new ShardRecord(shardSpec.Index, shardSpec.Count, firstItem, length, items.Count, ids[firstItem..(firstItem + length)], ShardRecord.Fingerprint(ids),
                        result.Method.Name, InputHashes(), selectionHash).Write(folder);
                }
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"decode: {result.Method.Name}: {decodedItems} items x {(decodedItems == 0 ? 0 : result.Images.shape[1])} images{(shardSpec is null ? "" : $" (shard {shardSpec} of {items.Count} items)")}; {runClock.Elapsed.TotalSeconds:F1} s -> {folder}"));
            }
            train.Images.Dispose();
            items.Images.Dispose();
            return 0;
        }));
        return command;
    }

    /// <summary>Every file a decode reads: the data, the stimuli, each file of the models it loads, the simulator's truth.</summary>
    private static string[] InputFiles(string dataFile, string stimuliFile, string? ldmDir, string? modelFolder, string? truthFile) =>
        [dataFile, stimuliFile, .. ldmDir is null ? [] : new LatentDiffusionModelFolder(ldmDir).ModelFiles,
            .. modelFolder is null ? [] : new DoubleConditionedLdmFolder(modelFolder).ModelFiles, .. truthFile is null ? Array.Empty<string>() : [truthFile]];

    internal static readonly Dictionary<string, DataSplit> Splits = new()
    {
        ["test"] = DataSplit.Test,
        ["test-imagery"] = DataSplit.TestImagery,
        ["train"] = DataSplit.Train,
    };

    private static readonly Dictionary<string, LowLevelPrior> LowLevelPriors = new()
    {
        ["none"] = LowLevelPrior.None,
        ["category"] = LowLevelPrior.Category,
        ["choose"] = LowLevelPrior.None,
    };

    private static readonly Dictionary<string, Img2ImgStart> Starts = new()
    {
        ["noised"] = Img2ImgStart.Noised,
        ["inverted"] = Img2ImgStart.Inverted,
    };

    private static readonly Dictionary<string, SemanticTarget> Targets = new()
    {
        ["context"] = SemanticTarget.Context,
        ["category"] = SemanticTarget.Category,
        ["contrastive"] = SemanticTarget.Contrastive,
    };

    private static readonly Dictionary<string, bool> ValidationSplits = new()
    {
        ["stimuli"] = false,
        ["categories"] = true,
    };
}
