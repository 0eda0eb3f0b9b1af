using Fmri.Core.Torch;
using Fmri.Core.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Decoding.Personalization;

/// <summary>Optimisation settings of one training run (AdamW on minibatches drawn with replacement).</summary>
/// <param name="Steps">Optimiser steps.</param>
/// <param name="BatchSize">Rows per step, all from one subject.</param>
public sealed record TrainingSettings(int Steps = 600, int BatchSize = 64, double LearningRate = 1e-3, double WeightDecay = 0.05)
{
    public void Validate()
    {
        if (Steps < 1) throw new InvalidSettingException("steps", Steps, "must be >= 1");
        if (BatchSize < 1) throw new InvalidSettingException("batch_size", BatchSize, "must be >= 1");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new InvalidSettingException("lr", LearningRate, "must be a finite number > 0");
        if (!(WeightDecay >= 0) || !double.IsFinite(WeightDecay)) throw new InvalidSettingException("weight_decay", WeightDecay, "must be a finite number >= 0");
    }
}

/// <summary>
/// Trains a <see cref="MultiSubjectDecoder"/> with cross-entropy on the subjects' training rows. Step t takes a
/// minibatch from subject t mod S (so every subject gets the same number of steps), its rows drawn with replacement
/// from the generator; only the parameters given are updated.
/// </summary>
public static class SubjectTraining
{
    /// <summary>Joint training of the trunk and every subject's layer (the shared model, or a model from scratch).</summary>
    /// <returns>The mean loss of the last tenth of the steps.</returns>
    public static double TrainAll(MultiSubjectDecoder model, IReadOnlyList<SubjectTrials> subjects, TrainingSettings settings, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(model);
        var parameters = model.Trunk.parameters().Concat(subjects.SelectMany(s => model.Subjects[s.Name].parameters())).ToList();
        return Train(model, subjects, parameters, settings, generator);
    }

    /// <summary>
    /// Personalization: trains the layer of <paramref name="subject"/> alone with the trunk frozen (no gradient is
    /// computed for it and the optimiser never sees it), so the shared part and every other subject stay as they were.
    /// </summary>
    /// <returns>The mean loss of the last tenth of the steps.</returns>
    public static double TrainSubjectOnly(MultiSubjectDecoder model, SubjectTrials subject, TrainingSettings settings, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(subject);
        var shared = model.Trunk.parameters().ToList();
        var previous = shared.Select(p => p.requires_grad).ToList();
        foreach (var p in shared) p.requires_grad = false;
        try
        {
            return Train(model, [subject], model.Subjects[subject.Name].parameters().ToList(), settings, generator);
        }
        finally
        {
            for (int i = 0; i < shared.Count; i++) shared[i].requires_grad = previous[i];
        }
    }

    private static double Train(MultiSubjectDecoder model, IReadOnlyList<SubjectTrials> subjects, IReadOnlyList<Parameter> parameters,
        TrainingSettings settings, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        ArgumentNullException.ThrowIfNull(generator);
        settings.Validate();
        if (subjects.Count == 0) throw new ArgumentException("subject training: no subjects given");
        var device = TorchDevice.Current;
        var inputs = subjects.Select(s => tensor(s.TrainVoxels, [s.TrainCount, s.VoxelCount]).to(device)).ToList();
        var labels = subjects.Select(s => tensor(s.TrainLabels.Select(l => (long)l).ToArray()).to(device)).ToList();
        using var optimizer = optim.AdamW(parameters, lr: settings.LearningRate, weight_decay: settings.WeightDecay);
        int tail = Math.Max(1, settings.Steps / 10);
        double tailLoss = 0;
        try
        {
            for (int step = 0; step < settings.Steps; step++)
            {
                using var scope = NewDisposeScope();
                int s = step % subjects.Count;
                var rows = randint(subjects[s].TrainCount, [settings.BatchSize], dtype: ScalarType.Int64, generator: generator).to(device);
                var logits = model.Logits(subjects[s].Name, inputs[s].index_select(0, rows));
                var loss = nn.functional.cross_entropy(logits, labels[s].index_select(0, rows));
                optimizer.zero_grad();
                TorchBackends.Backward(loss);
                double value = loss.item<float>();
                if (!double.IsFinite(value)) throw new TrainingDivergedException("subject training", step + 1, value, null, null);
                optimizer.step();
                if (step >= settings.Steps - tail) tailLoss += value / tail;
            }
        }
        finally
        {
            foreach (var t in inputs.Concat(labels)) t.Dispose();
        }
        return tailLoss;
    }
}
