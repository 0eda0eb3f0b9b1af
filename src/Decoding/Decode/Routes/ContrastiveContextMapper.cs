using Fmri.Core.Torch;
using Fmri.Data;
using static TorchSharp.torch;

namespace Decoding.Decode.Routes;

/// <summary>Training settings of <see cref="ContrastiveContextMapper"/>.</summary>
/// <param name="Epochs">Passes over the fit rows; the epoch with the lowest held-out loss is kept (early stopping).</param>
/// <param name="BatchSize">Rows per AdamW step.</param>
/// <param name="LearningRate">AdamW learning rate.</param>
/// <param name="WeightDecay">AdamW decoupled weight decay: the map's regulariser.</param>
/// <param name="ContrastiveWeight">α, the weight of the contrastive term against the regression term.</param>
/// <param name="Temperature">T of the contrastive logits cos(ĉ, τ_k) / T.</param>
/// <param name="HeldOutFraction">Share of the rows held out (seeded) to choose the epoch.</param>
/// <param name="Patience">Training stops after this many epochs without a lower held-out loss (the usual early-stopping
/// patience; the kept weights are those of the best epoch either way); 0: every epoch runs.</param>
public sealed record ContrastiveMapperOptions(int Epochs = 40, int BatchSize = 64, double LearningRate = 1e-3, double WeightDecay = 0.1,
    double ContrastiveWeight = 1.0, double Temperature = 0.1, double HeldOutFraction = 0.1, int Patience = 5);

/// <summary>
/// A trained brain → context mapper (MindEye's objective at the granularity this conditioner has): a linear map from
/// the standardised voxels to the conditioner's context space (L x D), trained with a regression term plus a
/// contrastive term,
/// <code>
///   ĉ = W v + b
///   loss = ‖ĉ − τ_y‖² / (L D)  +  α · CE( cos(ĉ, τ_k) / T over the K training categories, y )
/// </code>
/// where τ_k is the conditioner's context of training category k and y the category of the row's stimulus. The
/// regression term places ĉ where the UNet was trained to read contexts; the contrastive (InfoNCE) term makes the
/// direction of ĉ pick out its own category's context against the others', so contexts of different categories stay
/// apart even when the regression is shrunk toward their mean. Regularisation is AdamW weight decay plus early
/// stopping on a seeded held-out share of the training rows (whole stimuli: <see cref="HoldOutGroups"/>); the test split is never seen. Every random draw comes
/// from one generator seeded by the caller.
/// </summary>
public sealed class ContrastiveContextMapper : IDisposable
{
    private readonly Tensor weight;     // (V, L D)
    private readonly Tensor bias;       // (L D)
    private readonly Tensor mean, scale;   // (V) voxel standardisation from the training rows
    private readonly long length, width;

    private ContrastiveContextMapper(Tensor weight, Tensor bias, Tensor mean, Tensor scale, long length, long width, int bestEpoch, double heldOutLoss,
        int epochsRun)
    {
        EpochsRun = epochsRun;
        this.weight = weight;
        this.bias = bias;
        this.mean = mean;
        this.scale = scale;
        this.length = length;
        this.width = width;
        BestEpoch = bestEpoch;
        HeldOutLoss = heldOutLoss;
    }

    /// <summary>The epoch (1-based) whose weights were kept.</summary>
    public int BestEpoch { get; }

    /// <summary>The epochs trained before the patience ran out (or all of them).</summary>
    public int EpochsRun { get; }

    /// <summary>The held-out loss at that epoch.</summary>
    public double HeldOutLoss { get; }

    /// <summary>Trains on the rows of <paramref name="voxels"/> (n x v) with category index <paramref name="classIndex"/>
    /// (0..K−1) into the contexts <paramref name="classContexts"/> (K, L, D).</summary>
    /// <param name="groups">Each row's stimulus as a group number 0..G−1 (<see cref="Fmri.Data.StimulusPairs.StimulusGroups"/>):
    /// the held-out rows are whole groups, so no held-out trial shares its image with a fitted one and the epoch is not
    /// chosen by how well the mapper remembers repeated stimuli. Null: every row its own group.</param>
    public static ContrastiveContextMapper Fit(float[] voxels, int n, int voxelCount, int[] classIndex, Tensor classContexts,
        ContrastiveMapperOptions options, long seed, int[]? groups = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (classIndex.Length != n) throw new ArgumentException($"contrastive mapper: {classIndex.Length} labels for {n} rows");
        if (groups is not null && groups.Length != n) throw new ArgumentException($"contrastive mapper: {groups.Length} groups for {n} rows");
        int heldOut = Math.Max(1, (int)Math.Round(n * options.HeldOutFraction));
        long k = classContexts.shape[0], l = classContexts.shape[1], d = classContexts.shape[2];
        using var generator = new Generator((ulong)seed);
        using var scope = NewDisposeScope();
        var x = tensor(voxels, new long[] { n, voxelCount });                                       // (N, V)
        var (heldIndex, fitIndex) = HoldOutGroups(groups ?? Enumerable.Range(0, n).ToArray(), heldOut, generator);
        if (fitIndex.Length < 2) throw new ArgumentException($"contrastive mapper: {n} rows are too few to hold {heldIndex.Length} out");
        var fitRows = tensor(fitIndex, ScalarType.Int64);
        var heldRows = tensor(heldIndex, ScalarType.Int64);
        var fitX = x.index_select(0, fitRows);
        var mu = fitX.mean([0]);
        var sd = fitX.std(0).clamp_min(1e-6f);
        var xs = (x - mu) / sd;                                                                      // (N, V) standardised by the fit rows
        var labels = tensor(classIndex.Select(c => (long)c).ToArray(), ScalarType.Int64);            // (N)
        var targets = classContexts.to(ScalarType.Float32).reshape(k, l * d);                        // (K, L D)
        var unitTargets = nn.functional.normalize(targets, dim: 1);

        var w = new TorchSharp.Modules.Parameter(zeros(voxelCount, l * d));
        var b = new TorchSharp.Modules.Parameter(targets.mean([0]).clone());
        using var optimizer = optim.AdamW([w, b], lr: options.LearningRate, weight_decay: options.WeightDecay);
        Tensor Loss(Tensor rows)
        {
            var predicted = xs.index_select(0, rows).matmul(w) + b;                                  // (B, L D)
            var y = labels.index_select(0, rows);
            var regression = (predicted - targets.index_select(0, y)).pow(2).mean();
            var logits = nn.functional.normalize(predicted, dim: 1).matmul(unitTargets.t()) / options.Temperature;   // (B, K)
            return regression + nn.functional.cross_entropy(logits, y) * options.ContrastiveWeight;
        }

        double best = double.PositiveInfinity;
        int bestEpoch = 0;
        Tensor bestW = w.detach().clone(), bestB = b.detach().clone();
        int fitCount = fitIndex.Length;
        int epochsRun = 0;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            epochsRun = epoch;
            var shuffled = fitRows.index_select(0, randperm(fitCount, generator: generator));
            for (int start = 0; start < fitCount; start += options.BatchSize)
            {
                using var step = NewDisposeScope();
                optimizer.zero_grad();
                var loss = Loss(shuffled.narrow(0, start, Math.Min(options.BatchSize, fitCount - start)));
                TorchBackends.Backward(loss);
                optimizer.step();
            }
            double held;
            using (no_grad())
            using (var check = NewDisposeScope())
                held = Loss(heldRows).item<float>();
            if (!double.IsFinite(held))
                throw new InvalidOperationException($"contrastive mapper: held-out loss is {held} at epoch {epoch}");
            if (held < best)
            {
                best = held;
                bestEpoch = epoch;
                bestW.Dispose();
                bestB.Dispose();
                bestW = w.detach().clone();
                bestB = b.detach().clone();
            }
            if (options.Patience > 0 && epoch - bestEpoch >= options.Patience) break;
        }
        var mapper = new ContrastiveContextMapper(bestW.MoveToOuterDisposeScope(), bestB.MoveToOuterDisposeScope(),
            mu.MoveToOuterDisposeScope(), sd.MoveToOuterDisposeScope(), l, d, bestEpoch, best, epochsRun);
        return mapper;
    }

    /// <summary>
    /// The held-out rows: whole groups in a seeded random order until at least <paramref name="target"/> rows are held;
    /// the fit rows: the other groups' rows in that order. With every row its own group (0, 1, ..., n − 1) this is the
    /// first <paramref name="target"/> entries of one random permutation of the rows, and the rest.
    /// </summary>
    public static (long[] Held, long[] Fit) HoldOutGroups(int[] groups, int target, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (groups.Any(g => g < 0)) throw new ArgumentException($"contrastive mapper: group {groups.First(g => g < 0)} is negative");
        int groupCount = groups.Length == 0 ? 0 : groups.Max() + 1;
        var rowsOf = new List<long>[groupCount];
        for (int g = 0; g < groupCount; g++) rowsOf[g] = [];
        for (int i = 0; i < groups.Length; i++) rowsOf[groups[i]].Add(i);
        using var order = randperm(groupCount, generator: generator);
        var held = new List<long>();
        var fit = new List<long>();
        foreach (long g in order.data<long>().ToArray())
            (held.Count < target ? held : fit).AddRange(rowsOf[g]);
        return (held.ToArray(), fit.ToArray());
    }

    /// <summary>The predicted context of each voxel row, (N, L, D).</summary>
    public Tensor Predict(float[] voxels, int count)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = (tensor(voxels, new long[] { count, mean.shape[0] }) - mean) / scale;
        return x.matmul(weight).Plus(bias).reshape(count, length, width).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        weight.Dispose();
        bias.Dispose();
        mean.Dispose();
        scale.Dispose();
    }
}
