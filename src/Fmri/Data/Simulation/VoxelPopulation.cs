namespace Fmri.Data.Simulation;

/// <summary>
/// The parameters of every simulated voxel (the ground truth of the encoding model), voxels stored area by area:
/// the retinotopic areas in configured order, then LOC. Per-voxel arrays have length VoxelCount; matrices are
/// row-major with one row per voxel. Entries that do not apply to a voxel's kind are NaN (scalars) or 0 (weights).
/// </summary>
public sealed record VoxelPopulation
{
    /// <summary>Area names: the retinotopic areas, then "LOC" when there are LOC voxels.</summary>
    public required string[] AreaNames { get; init; }

    /// <summary>Area of each voxel (index into <see cref="AreaNames"/>).</summary>
    public required int[] Area { get; init; }

    /// <summary>Voxel positions, mm, (VoxelCount, 3) as x, y, z.</summary>
    public required float[] Coordinates { get; init; }

    /// <summary>pRF centre, degrees of visual angle right of fixation (NaN for LOC).</summary>
    public required float[] PrfX { get; init; }

    /// <summary>pRF centre, degrees above fixation (NaN for LOC).</summary>
    public required float[] PrfY { get; init; }

    /// <summary>pRF size: standard deviation of the Gaussian, degrees (NaN for LOC).</summary>
    public required float[] PrfSize { get; init; }

    /// <summary>Compressive spatial summation exponent (NaN for LOC).</summary>
    public required float[] CssExponent { get; init; }

    /// <summary>Weights of the contrast-energy channels, (VoxelCount, ChannelCount), each row summing to 1 (0 for LOC).</summary>
    public required float[] ChannelWeights { get; init; }

    public required int ChannelCount { get; init; }

    /// <summary>Category mixture of LOC voxels, (VoxelCount, CategoryCount), rows summing to 1 (0 for retinotopic voxels).</summary>
    public required float[] CategoryWeights { get; init; }

    public required int CategoryCount { get; init; }

    /// <summary>Projection of the low-resolution image for LOC voxels, (VoxelCount, ShapeFeatureCount) (0 for retinotopic voxels).</summary>
    public required float[] ShapeWeights { get; init; }

    /// <summary>LocShapeResolution^2.</summary>
    public required int ShapeFeatureCount { get; init; }

    /// <summary>Share of an LOC voxel's stimulus-driven variance that follows category (NaN for retinotopic voxels).</summary>
    public required float[] CategoryShare { get; init; }

    /// <summary>Response gain: a typical stimulus-driven response standard deviation, percent signal change.</summary>
    public required float[] Gain { get; init; }

    /// <summary>Single-trial signal-to-noise ratio (gain / noise standard deviation).</summary>
    public required float[] SignalToNoise { get; init; }

    /// <summary>Raw scanner intensity of the voxel's baseline.</summary>
    public required float[] Baseline { get; init; }

    public int VoxelCount => Area.Length;

    /// <summary>Noise standard deviation of each voxel, percent signal change: Gain / SignalToNoise.</summary>
    public float[] NoiseSd => Gain.Zip(SignalToNoise, (g, s) => g / s).ToArray();

    /// <summary>Voxel indices of each area, by area name.</summary>
    public Dictionary<string, int[]> AreaVoxels()
        => AreaNames.Select((name, a) => (name, voxels: Enumerable.Range(0, VoxelCount).Where(v => Area[v] == a).ToArray()))
            .ToDictionary(x => x.name, x => x.voxels);

    /// <summary>
    /// Draws a population for <paramref name="config"/>: places voxels with <paramref name="layoutRandom"/>, then draws
    /// tuning, gains, noise levels and baselines with <paramref name="tuningRandom"/>.
    /// </summary>
    public static VoxelPopulation Draw(VisualCortexConfig config, GaborEnergyBank bank, int categoryCount, Random layoutRandom, Random tuningRandom)
    {
        int areas = config.RetinotopicAreas.Count;
        int count = config.VoxelCount, channels = bank.ChannelCount, shape = config.LocShapeResolution * config.LocShapeResolution;
        var names = config.RetinotopicAreas.Select(a => a.Name).ToList();
        if (config.LocVoxelCount > 0) names.Add("LOC");
        var population = new VoxelPopulation
        {
            AreaNames = [.. names],
            Area = new int[count],
            Coordinates = new float[count * 3],
            PrfX = Filled(count, float.NaN),
            PrfY = Filled(count, float.NaN),
            PrfSize = Filled(count, float.NaN),
            CssExponent = Filled(count, float.NaN),
            ChannelWeights = new float[count * channels],
            ChannelCount = channels,
            CategoryWeights = new float[count * categoryCount],
            CategoryCount = categoryCount,
            ShapeWeights = new float[count * shape],
            ShapeFeatureCount = shape,
            CategoryShare = Filled(count, float.NaN),
            Gain = new float[count],
            SignalToNoise = new float[count],
            Baseline = new float[count],
        };

        double pixelDegrees = config.FieldOfViewDegrees / config.ModelResolution;
        int v0 = 0;
        for (int a = 0; a < areas; a++)
        {
            var spec = config.RetinotopicAreas[a];
            var (coordinates, prfX, prfY) = CortexLayout.PlaceRetinotopic(spec.VoxelCount, a, config, layoutRandom);
            coordinates.CopyTo(population.Coordinates, v0 * 3);
            for (int i = 0; i < spec.VoxelCount; i++)
            {
                int v = v0 + i;
                population.Area[v] = a;
                double eccentricity = Math.Sqrt(prfX[i] * prfX[i] + prfY[i] * prfY[i]);
                population.PrfX[v] = (float)prfX[i];
                population.PrfY[v] = (float)prfY[i];
                // Linear size-eccentricity relation with 10% scatter.
                double size = (spec.SizeSlope * eccentricity + spec.SizeInterceptDegrees) * Math.Exp(0.1 * tuningRandom.NextGaussian());
                population.PrfSize[v] = (float)size;
                population.CssExponent[v] = (float)Math.Clamp(spec.CssExponent + 0.05 * tuningRandom.NextGaussian(), 0.05, 1.0);
                DrawChannelWeights(population.ChannelWeights.AsSpan(v * channels, channels), bank, size / pixelDegrees, tuningRandom);
            }
            v0 += spec.VoxelCount;
        }
        if (config.LocVoxelCount > 0)
        {
            CortexLayout.PlaceNonRetinotopic(config.LocVoxelCount, areas, config, layoutRandom).CopyTo(population.Coordinates, v0 * 3);
            for (int i = 0; i < config.LocVoxelCount; i++)
            {
                int v = v0 + i;
                population.Area[v] = areas;
                DrawCategoryWeights(population.CategoryWeights.AsSpan(v * categoryCount, categoryCount), config.LocCategorySelectivity, tuningRandom);
                var shapeRow = population.ShapeWeights.AsSpan(v * shape, shape);
                for (int j = 0; j < shape; j++) shapeRow[j] = (float)tuningRandom.NextGaussian();
                population.CategoryShare[v] = (float)Math.Clamp(config.LocCategoryShare + tuningRandom.NextUniform(-0.3, 0.3), 0, 1);
            }
        }
        for (int v = 0; v < count; v++)
        {
            population.Gain[v] = (float)tuningRandom.NextLogNormal(1.0, config.GainLogSd);
            population.SignalToNoise[v] = (float)tuningRandom.NextLogNormal(config.SignalToNoise, config.VoxelSnrLogSd);
            population.Baseline[v] = (float)Math.Max(0.25 * config.BaselineMean, config.BaselineMean + config.BaselineSd * tuningRandom.NextGaussian());
        }
        return population;
    }

    /// <summary>
    /// Channel weights: a spatial-frequency preference that follows pRF size (preferred period 2.5 pRF sigmas,
    /// log-Gaussian tuning of 0.7 natural-log units) times a random orientation bias (log-normal, 0.5), normalised to sum 1.
    /// </summary>
    private static void DrawChannelWeights(Span<float> weights, GaborEnergyBank bank, double sizePixels, Random random)
    {
        double preferredPeriod = 2.5 * sizePixels;
        var orientationBias = new Dictionary<double, double>();
        double total = 0;
        for (int c = 0; c < bank.ChannelCount; c++)
        {
            if (!orientationBias.TryGetValue(bank.OrientationsDegrees[c], out double bias))
            {
                bias = Math.Exp(0.5 * random.NextGaussian());
                orientationBias[bank.OrientationsDegrees[c]] = bias;
            }
            double logRatio = Math.Log(bank.PeriodsPixels[c] / preferredPeriod);
            double w = bias * Math.Exp(-logRatio * logRatio / (2 * 0.7 * 0.7));
            weights[c] = (float)w;
            total += w;
        }
        for (int c = 0; c < weights.Length; c++) weights[c] = (float)(weights[c] / total);
    }

    /// <summary>A random mixture over categories: softmax(selectivity * standard normal draws).</summary>
    private static void DrawCategoryWeights(Span<float> weights, double selectivity, Random random)
    {
        var logits = new double[weights.Length];
        for (int k = 0; k < logits.Length; k++) logits[k] = selectivity * random.NextGaussian();
        double max = logits.Length == 0 ? 0 : logits.Max();
        double sum = logits.Sum(l => Math.Exp(l - max));
        for (int k = 0; k < logits.Length; k++) weights[k] = (float)(Math.Exp(logits[k] - max) / sum);
    }

    private static float[] Filled(int count, float value)
    {
        var array = new float[count];
        Array.Fill(array, value);
        return array;
    }
}
