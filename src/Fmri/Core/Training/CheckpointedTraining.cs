using System.Globalization;
using Fmri.Core.Checkpoints;
using Fmri.Core.Plots;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Fmri.Core.Training;

/// <summary>What one unit of training (an optimiser step, or an epoch for trainers that record per epoch) produced.</summary>
/// <param name="Loss">The training loss of the unit.</param>
/// <param name="Epoch">The epoch the unit belongs to (0-based).</param>
/// <param name="Extras">One value per extra loss-curve column.</param>
/// <param name="GradientNorm">Global gradient norm before clipping, when the trainer measured it (checked for NaN).</param>
/// <param name="Status">Short text for the progress display; the loss when null.</param>
public sealed record TrainingUnit(double Loss, int Epoch, IReadOnlyList<double> Extras, double? GradientNorm = null, string? Status = null);

/// <summary>Where a run's loss curve goes: a CSV and a plot.</summary>
/// <param name="CsvPath">The curve as CSV (<see cref="LossCurve"/>).</param>
/// <param name="PngPath">The plot; null for trainers that draw their own.</param>
/// <param name="Title">The plot's title.</param>
public sealed record LossCurveFiles(string CsvPath, string? PngPath, string Title);

/// <summary>
/// The checkpointed training run every trainer of the project shares (autoencoder, latent diffusion, masked brain
/// modeling, the fMRI-conditioned LDM, the scoring classifier). It owns what is the same everywhere:
/// <list type="number">
/// <item>fresh or resume: a fresh run never overwrites a checkpoint, a resume needs one;</item>
/// <item>on resume, the checkpoint's weights (config checked), optimiser state, EMA weights, generator states, step
/// counter and seed are restored and the loss curve is cut back to the checkpoint's step;</item>
/// <item>the loop: each unit's loss (and gradient norm) must be finite, or training stops with
/// <see cref="TrainingDivergedException"/> before anything is saved; the curve gets a row and progress is
/// reported;</item>
/// <item>checkpoints at the trainer's cadence and after the last unit: the loss curve's CSV, then the checkpoint, then
/// the plot.</item>
/// </list>
/// A run killed at any moment and resumed gives the uninterrupted run's result, provided the trainer draws every
/// random number from the generators it registers and derives all else from the step.
/// <code>
///   var run = new CheckpointedTraining("latent diffusion training", checkpoint, resume, files, columns);
///   run.Restore(model, config, optimizer, ema, generators, seed, totalUnits);
///   run.Run(totalUnits, unit => { ...one optimiser step...; return new TrainingUnit(loss, epoch, extras); },
///           checkpointDue: s => s % every == 0, save: state => checkpoint.Save(model, config, state, ...), progress);
/// </code>
/// </summary>
public sealed class CheckpointedTraining
{
    private readonly LossCurveFiles files;
    private readonly IReadOnlyList<string> curveColumns;
    private bool restored;

    /// <param name="name">The run in words, for messages ("latent diffusion training").</param>
    /// <param name="checkpoint">Where the run's checkpoint lives.</param>
    /// <param name="resume">Continue the checkpoint instead of starting fresh.</param>
    /// <param name="files">Where the loss curve goes.</param>
    /// <param name="curveColumns">Names of the curve's extra columns.</param>
    public CheckpointedTraining(string name, ModelCheckpoint checkpoint, bool resume, LossCurveFiles files, IReadOnlyList<string> curveColumns)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Checkpoint = checkpoint ?? throw new ArgumentNullException(nameof(checkpoint));
        this.files = files ?? throw new ArgumentNullException(nameof(files));
        this.curveColumns = curveColumns ?? throw new ArgumentNullException(nameof(curveColumns));
        Resuming = resume;
        CheckStart(checkpoint, resume);
        Curve = new LossCurve(curveColumns);
    }

    public string Name { get; }

    public ModelCheckpoint Checkpoint { get; }

    public bool Resuming { get; }

    /// <summary>Units completed so far (restored on resume).</summary>
    public long Step { get; private set; }

    /// <summary>The run's seed: the one given for a fresh run, the saved one on resume.</summary>
    public long Seed { get; private set; }

    /// <summary>The training state restored on resume (its <see cref="TrainingState.Values"/> included); null for a fresh run.</summary>
    public TrainingState? ResumedState { get; private set; }

    public LossCurve Curve { get; private set; }

    /// <summary>
    /// The seed a resumed run started with (from its checkpoint), for trainers that draw with it before
    /// <see cref="Restore"/>; <paramref name="requested"/> for a fresh run.
    /// </summary>
    public long SavedSeed(long requested) => Resuming
        ? (Checkpoint.ReadTrainingState() ?? throw new DataFormatException(Checkpoint.ManifestPath, "training",
            "the checkpoint holds no training state (weights only); it cannot be resumed")).Seed
        : requested;

    /// <summary>
    /// Refuses to start a fresh run over an existing checkpoint and to resume without one, so a run never overwrites
    /// another by accident. A checkpoint save the previous run was killed in is first completed or discarded
    /// (<see cref="ModelCheckpoint.RecoverInterruptedSave"/>).
    /// </summary>
    public static void CheckStart(ModelCheckpoint checkpoint, bool resume)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        checkpoint.RecoverInterruptedSave();
        if (resume && !checkpoint.Exists)
            throw new InvalidSettingException("resume", null, $"{checkpoint.Folder} holds no '{checkpoint.Name}' checkpoint to resume (train without {{resume}} first)");
        if (!resume && checkpoint.Exists)
            throw new InvalidSettingException("out", checkpoint.Folder,
                $"already holds a '{checkpoint.Name}' checkpoint; pass {{resume}} to continue it or choose another folder");
    }

    /// <summary>
    /// For a fresh run records <paramref name="seed"/>; on resume loads the checkpoint into the given parts and the
    /// counters, and reads back the loss curve. Call once, after building the model, optimiser, EMA and generators.
    /// </summary>
    /// <param name="model">The model whose weights the checkpoint holds.</param>
    /// <param name="config">The config the checkpoint must have been saved with (every field is compared).</param>
    /// <param name="optimizer">The optimiser, or null; its saved state is loaded when the checkpoint has one.</param>
    /// <param name="ema">The moving average, or null; its saved weights are loaded when the checkpoint has them.</param>
    /// <param name="generators">Every generator the run draws from, by name.</param>
    /// <param name="seed">The seed of a fresh run (ignored on resume: the run keeps the seed it started with).</param>
    /// <param name="totalUnits">The units the run is asked to reach; resuming a run already there is an error.</param>
    /// <param name="requireOptimizerState">Whether a checkpoint without optimiser state is refused.</param>
    public void Restore<TConfig>(Module model, TConfig config, OptimizerHelper? optimizer, ExponentialMovingAverage? ema,
        IReadOnlyDictionary<string, Generator> generators, long seed, long totalUnits, bool requireOptimizerState = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(generators);
        if (restored) throw new InvalidOperationException($"{Name}: Restore called twice");
        restored = true;
        Seed = seed;
        if (!Resuming) return;

        Checkpoint.LoadWeights(model, config);
        if (optimizer is not null && (requireOptimizerState || Checkpoint.HasOptimizerState))
            Checkpoint.LoadOptimizerState(optimizer);
        if (ema is not null && Checkpoint.HasEmaWeights)
        {
            using var saved = Checkpoint.ReadEmaWeights();
            ema.Load(saved.Tensors, saved.Metadata, Checkpoint.EmaWeightsPath);
        }
        var state = Checkpoint.ReadTrainingState()
            ?? throw new DataFormatException(Checkpoint.ManifestPath, "training", "the checkpoint holds no training state (weights only); it cannot be resumed");
        state.RestoreGenerators(generators, Checkpoint.ManifestPath);
        ResumedState = state;
        Step = UnitsCompleted?.Invoke(state) ?? state.Step;
        Seed = state.Seed;
        if (Step >= totalUnits)
            throw new InvalidSettingException("resume", null,
                $"the checkpoint in {Checkpoint.Folder} is already at {Step} of the {totalUnits} asked for; ask for more to continue it");
        Curve = ReadCurve(files.CsvPath, state.Step, curveColumns);
    }

    /// <summary>
    /// Runs units <see cref="Step"/> .. <paramref name="totalUnits"/> − 1. <paramref name="unit"/> does one unit (it is
    /// given the unit's 0-based index); after each, <paramref name="checkpointDue"/> (given the units completed) says
    /// whether to save, and the last unit always saves: the loss curve's CSV is written, then <paramref name="save"/>
    /// receives the training state to store, captured from the registered generators, then the plot is drawn.
    /// </summary>
    /// <param name="curveStep">The curve's step for units completed (default: the count itself).</param>
    /// <param name="stateValues">Extra numbers to store in the training state at a checkpoint.</param>
    public void Run(long totalUnits, Func<long, TrainingUnit> unit, Func<long, bool> checkpointDue, Action<TrainingState> save,
        IReadOnlyDictionary<string, Generator> generators, IProgress<ProgressUpdate>? progress = null,
        Func<long, long>? curveStep = null, Func<IReadOnlyDictionary<string, double>>? stateValues = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(unit);
        ArgumentNullException.ThrowIfNull(checkpointDue);
        ArgumentNullException.ThrowIfNull(save);
        ArgumentNullException.ThrowIfNull(generators);
        if (!restored) throw new InvalidOperationException($"{Name}: call Restore before Run");
        progress?.Report(new ProgressUpdate(Step, $"step {Step}"));
        while (Step < totalUnits)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var done = unit(Step);
            if (done.Extras.Count != curveColumns.Count)
                throw new InvalidOperationException($"{Name}: a unit gave {done.Extras.Count} curve values for {curveColumns.Count} columns");
            if (!double.IsFinite(done.Loss) || done.GradientNorm is double g && !double.IsFinite(g))
                throw new TrainingDivergedException(Name, Step + 1, done.Loss, done.GradientNorm, Checkpoint);
            Step++;
            Curve.Add(curveStep?.Invoke(Step) ?? Step, done.Epoch, done.Loss, [.. done.Extras]);
            progress?.Report(new ProgressUpdate(Step, done.Status ?? string.Create(CultureInfo.InvariantCulture, $"loss {done.Loss:G4}")));
            if (checkpointDue(Step) || Step == totalUnits)
            {
                // The CSV goes before the checkpoint (whose manifest is written last): a run killed between the two
                // leaves a curve longer than the checkpoint, which a resume cuts back. Written after it, a kill in
                // between left a curve short of the checkpoint's step and the resumed curve lacked those rows.
                Curve.Save(files.CsvPath);
                save(TrainingState.Capture(curveStep?.Invoke(Step) ?? Step, EpochCounter?.Invoke(Step) ?? done.Epoch, Seed, generators,
                    stateValues?.Invoke()));
                SavePlot();
            }
        }
    }

    private void SavePlot()
    {
        if (files.PngPath is not null && Curve.Points.Count > 0)
            LossCurvePlot.Save(files.PngPath, [LossCurvePlot.FromCurve(Curve)], logScale: true, new PlotLabels(files.Title, "step", "loss"));
    }

    /// <summary>Reads the loss curve saved with a checkpoint and drops rows after its step; a fresh curve when there is none.</summary>
    public static LossCurve ReadCurve(string csvPath, long step, IReadOnlyList<string> extraColumns)
    {
        if (!File.Exists(csvPath)) return new LossCurve(extraColumns);
        var curve = LossCurve.Read(csvPath);
        if (!curve.ExtraColumns.SequenceEqual(extraColumns))
            throw new DataFormatException(csvPath, "line 1", $"columns {string.Join(",", curve.ExtraColumns)} differ from this trainer's {string.Join(",", extraColumns)}");
        curve.DropAfter(step);
        return curve;
    }

    /// <summary>How many epochs are complete after a number of units (stored in the training state); the unit's epoch when null.</summary>
    public Func<long, int>? EpochCounter { get; init; }

    /// <summary>
    /// Units completed according to a saved training state, for trainers whose unit is not the optimiser step the
    /// state stores (an epoch-based trainer stores steps and counts epochs); <see cref="TrainingState.Step"/> when null.
    /// </summary>
    public Func<TrainingState, long>? UnitsCompleted { get; init; }
}

/// <summary>A training run stopped because a loss or gradient norm was not finite; nothing of that step was saved.</summary>
public sealed class TrainingDivergedException : InvalidOperationException
{
    public TrainingDivergedException(string run, long step, double loss, double? gradientNorm, ModelCheckpoint? checkpoint)
        : base(string.Create(CultureInfo.InvariantCulture,
            $"{run} stopped at step {step}: the loss is {loss}{(gradientNorm is double g ? $" and the gradient norm {g}" : "")}; " +
            $"nothing of this step was saved{(checkpoint is { Exists: true } ? $" (the last checkpoint in {checkpoint.Folder} is intact and can be resumed)" : "")}; lower the learning rate{OneDnnHint()}"))
    {
        Step = step;
    }

    /// <summary>When oneDNN computed the gradients, the way to rule out its backward defect (TorchBackends).</summary>
    private static string OneDnnHint() => Torch.TorchBackends.BackwardUsesOneDnn && Torch.TorchBackends.MkldnnEnabled
        ? ", or rule out oneDNN's backward defect with --onednn-backward off"
        : "";

    /// <summary>The step (1-based) whose loss or gradient was not finite.</summary>
    public long Step { get; }
}
