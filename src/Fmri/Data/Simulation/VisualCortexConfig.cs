namespace Fmri.Data.Simulation;

/// <summary>
/// Configuration of <see cref="VisualCortexSimulator"/>. Defaults are shaped like one subject of Generic Object
/// Decoding (Horikawa &amp; Kamitani 2017): 1,200 training images each shown once over 24 runs, 50 test images
/// each shown 35 times (one presentation per test run), ~4,500 visual-cortex voxels. Here the categories are
/// those of the stimulus pool (10 for Fashion-MNIST), training and test images are disjoint but share categories.
/// Smaller designs like other data sets choose fewer <see cref="Categories"/> and totals (<see cref="TrainImages"/>,
/// <see cref="TestImages"/>); <see cref="HeldOutTestCategories"/> makes the test categories disjoint from the
/// training ones, as GOD's are.
/// </summary>
public sealed record VisualCortexConfig
{
    /// <summary>Seed of the simulation's single random generator (System.Random); the same seed gives the same numbers.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Subject identifier written into the data set (with several <see cref="Subjects"/>, they are named sim-01, sim-02, ... instead).</summary>
    public string Subject { get; init; } = "sim-01";

    /// <summary>
    /// Categories of the stimulus pool the experiment uses: the first N in label order (labels 0..N-1, so labels and
    /// names stay those of the pool); null uses every category of the pool.
    /// </summary>
    public int? Categories { get; init; }

    /// <summary>
    /// Training images per training category, each shown once (120 x 10 categories = 1,200 as in GOD). Give this or
    /// <see cref="TrainImages"/>, not both; when neither is given, <see cref="DefaultTrainImagesPerCategory"/>.
    /// </summary>
    public int? TrainImagesPerCategory { get; init; }

    /// <summary>
    /// Test images per test category (5 x 10 = 50 as in GOD), disjoint from the training images. Give this or
    /// <see cref="TestImages"/>, not both; when neither is given, <see cref="DefaultTestImagesPerCategory"/>.
    /// </summary>
    public int? TestImagesPerCategory { get; init; }

    /// <summary>
    /// Training images in all, spread as evenly as possible over the training categories (the first categories in
    /// label order take one more when the total does not divide evenly); each category gets at least one.
    /// </summary>
    public int? TrainImages { get; init; }

    /// <summary>Test images in all, spread over the test categories like <see cref="TrainImages"/>.</summary>
    public int? TestImages { get; init; }

    /// <summary>
    /// Out-of-category test, as in Generic Object Decoding (whose 50 test categories are disjoint from its 150
    /// training categories): when K &gt; 0, the test images come from K categories, drawn with the design's generator
    /// among the categories used, that contribute no training image; the training images come from the others.
    /// 0: training and test images share every category.
    /// </summary>
    public int HeldOutTestCategories { get; init; }

    /// <summary>
    /// Simulated subjects: each sees the same stimuli in the same design, with its own voxel counts, receptive-field
    /// maps, tuning, gains and noise (see <see cref="VisualCortexSimulator.SubjectConfig"/>).
    /// </summary>
    public int Subjects { get; init; } = 1;

    /// <summary>
    /// Images of the unlabelled pretraining pool: each subject's single-trial responses to this many images that the
    /// experiment never shows (from a separate image set), all training samples, in runs of their own. 0: none.
    /// </summary>
    public int PretrainingPoolSize { get; init; }

    /// <summary>Presentations of each test image; each test run shows every test image once (35 in GOD).</summary>
    public int TestRepeats { get; init; } = 35;

    /// <summary>Runs over which the training images are spread (24 in GOD).</summary>
    public int TrainRuns { get; init; } = 24;

    /// <summary>Retinotopic areas (pRF voxels), in the order their voxels are stored.</summary>
    public IReadOnlyList<VisualAreaSpec> RetinotopicAreas { get; init; } = VisualAreaSpec.Defaults;

    /// <summary>Voxels of the lateral occipital complex (category and coarse-shape tuned), stored after the retinotopic areas.</summary>
    public int LocVoxelCount { get; init; } = 1100;

    /// <summary>
    /// Average share of an LOC voxel's stimulus-driven variance carried by its category term (the rest by its coarse-shape
    /// term). The coarse shape follows the category too, so the category explains more of the response than this share.
    /// </summary>
    public double LocCategoryShare { get; init; } = 0.6;

    /// <summary>Peakedness of an LOC voxel's category mixture: weights are softmax(selectivity * standard normal draws).</summary>
    public double LocCategorySelectivity { get; init; } = 1.5;

    /// <summary>Side of the low-resolution image (area-averaged) that LOC voxels project for coarse shape.</summary>
    public int LocShapeResolution { get; init; } = 7;

    /// <summary>Width (= height) of the visual field the image covers, degrees (GOD stimuli: 12 x 12).</summary>
    public double FieldOfViewDegrees { get; init; } = 12.0;

    /// <summary>Pixels across the field at which contrast energy is computed; stimuli are fitted to this size first.</summary>
    public int ModelResolution { get; init; } = 28;

    /// <summary>Orientations of the quadrature Gabor filters (evenly spaced over 180 degrees).</summary>
    public int Orientations { get; init; } = 4;

    /// <summary>Spatial frequencies of the Gabor filters, cycles per field of view (7 and 3.5 = periods of 4 and 8 pixels at 28).</summary>
    public IReadOnlyList<double> CyclesPerField { get; init; } = [7.0, 3.5];

    /// <summary>Eccentricity range of pRF centres, degrees (log-spaced along the cortex, as cortical magnification).</summary>
    public double MinEccentricityDegrees { get; init; } = 0.2;

    /// <summary>See <see cref="MinEccentricityDegrees"/>.</summary>
    public double MaxEccentricityDegrees { get; init; } = 7.0;

    /// <summary>
    /// Median single-trial signal-to-noise ratio: a typical voxel's response standard deviation across stimuli divided
    /// by its noise standard deviation.
    /// </summary>
    public double SignalToNoise { get; init; } = 0.5;

    /// <summary>Spread of the per-voxel signal-to-noise ratio (standard deviation of its logarithm).</summary>
    public double VoxelSnrLogSd { get; init; } = 0.5;

    /// <summary>Spread of the per-voxel response gain (standard deviation of its logarithm; median gain 1% signal change).</summary>
    public double GainLogSd { get; init; } = 0.3;

    /// <summary>Standard deviation of each voxel's per-run baseline offset, percent signal change.</summary>
    public double RunOffsetSdPercent { get; init; } = 2.0;

    /// <summary>Standard deviation of each voxel's per-run linear drift (change from run start to end), percent signal change.</summary>
    public double RunDriftSdPercent { get; init; } = 1.0;

    /// <summary>Mean raw scanner intensity of a voxel (the baseline the percent changes are relative to).</summary>
    public double BaselineMean { get; init; } = 800.0;

    /// <summary>Standard deviation of voxel baselines across voxels.</summary>
    public double BaselineSd { get; init; } = 150.0;

    /// <summary>Voxel size, mm (GOD: 3 mm isotropic).</summary>
    public double VoxelSizeMm { get; init; } = 3.0;

    /// <summary>Training images per category when neither <see cref="TrainImagesPerCategory"/> nor <see cref="TrainImages"/> is given.</summary>
    public const int DefaultTrainImagesPerCategory = 120;

    /// <summary>Test images per category when neither <see cref="TestImagesPerCategory"/> nor <see cref="TestImages"/> is given.</summary>
    public const int DefaultTestImagesPerCategory = 5;

    /// <summary>The name of subject <paramref name="index"/> (1-based) when there are several: sim-01, sim-02, ...</summary>
    public static string SubjectName(int index) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"sim-{index:D2}");

    /// <summary>Test runs: one per test repeat.</summary>
    public int TestRuns => TestRepeats;

    /// <summary>Total voxels: retinotopic areas plus LOC.</summary>
    public int VoxelCount => RetinotopicAreas.Sum(a => a.VoxelCount) + LocVoxelCount;

    /// <summary>Throws <see cref="InvalidSettingException"/> naming the first bad field.</summary>
    public void Validate()
    {
        Require(Categories is null or >= 2, nameof(Categories), Categories, "must be >= 2");
        Require(TrainImagesPerCategory is null or >= 1, nameof(TrainImagesPerCategory), TrainImagesPerCategory, "must be >= 1");
        Require(TestImagesPerCategory is null or >= 1, nameof(TestImagesPerCategory), TestImagesPerCategory, "must be >= 1");
        Require(TrainImages is null || TrainImagesPerCategory is null, nameof(TrainImages), TrainImages, "give {train_images} or {train_images_per_category}, not both");
        Require(TestImages is null || TestImagesPerCategory is null, nameof(TestImages), TestImages, "give {test_images} or {test_images_per_category}, not both");
        Require(HeldOutTestCategories >= 0, nameof(HeldOutTestCategories), HeldOutTestCategories, "must be >= 0");
        Require(Categories is null || HeldOutTestCategories < Categories, nameof(HeldOutTestCategories), HeldOutTestCategories,
            $"must be less than {{categories}} ({Categories}): at least one category must contribute training images");
        if (Categories is int n)
        {
            int trainCategories = HeldOutTestCategories > 0 ? n - HeldOutTestCategories : n;
            int testCategories = HeldOutTestCategories > 0 ? HeldOutTestCategories : n;
            Require(TrainImages is null || TrainImages >= trainCategories, nameof(TrainImages), TrainImages,
                $"must be at least the number of training categories ({trainCategories}): each gets at least one image");
            Require(TestImages is null || TestImages >= testCategories, nameof(TestImages), TestImages,
                $"must be at least the number of test categories ({testCategories}): each gets at least one image");
        }
        Require(TrainImages is null or >= 1, nameof(TrainImages), TrainImages, "must be >= 1");
        Require(TestImages is null or >= 1, nameof(TestImages), TestImages, "must be >= 1");
        Require(Subjects >= 1, nameof(Subjects), Subjects, "must be >= 1");
        Require(PretrainingPoolSize >= 0, nameof(PretrainingPoolSize), PretrainingPoolSize, "must be >= 0");
        Require(TestRepeats >= 1, nameof(TestRepeats), TestRepeats, "must be >= 1");
        Require(TrainRuns >= 1, nameof(TrainRuns), TrainRuns, "must be >= 1");
        Require(RetinotopicAreas.Count >= 1 || LocVoxelCount >= 1, nameof(RetinotopicAreas), RetinotopicAreas.Count, "need at least one area or LOC voxels");
        foreach (var area in RetinotopicAreas)
        {
            Require(!string.IsNullOrWhiteSpace(area.Name) && area.Name != "LOC", nameof(RetinotopicAreas), area.Name, "area names must be non-empty and not LOC");
            Require(area.VoxelCount >= 2, nameof(RetinotopicAreas), area.VoxelCount, $"{area.Name} needs >= 2 voxels (one per hemisphere)");
            Require(area.SizeSlope >= 0 && area.SizeInterceptDegrees > 0, nameof(RetinotopicAreas), area.SizeInterceptDegrees, $"{area.Name} pRF size needs slope >= 0 and intercept > 0");
            Require(area.CssExponent > 0 && area.CssExponent <= 1, nameof(RetinotopicAreas), area.CssExponent, $"{area.Name} CSS exponent must be in (0, 1]");
        }
        Require(RetinotopicAreas.Select(a => a.Name).Distinct().Count() == RetinotopicAreas.Count, nameof(RetinotopicAreas), RetinotopicAreas.Count, "area names must be distinct");
        Require(LocVoxelCount == 0 || LocVoxelCount >= 2, nameof(LocVoxelCount), LocVoxelCount, "must be 0 or >= 2");
        Require(LocCategoryShare is >= 0 and <= 1, nameof(LocCategoryShare), LocCategoryShare, "must be in [0, 1]");
        Require(LocCategorySelectivity >= 0, nameof(LocCategorySelectivity), LocCategorySelectivity, "must be >= 0");
        Require(LocShapeResolution >= 1 && LocShapeResolution <= ModelResolution, nameof(LocShapeResolution), LocShapeResolution, "must be in 1..ModelResolution");
        Require(FieldOfViewDegrees > 0, nameof(FieldOfViewDegrees), FieldOfViewDegrees, "must be > 0");
        Require(ModelResolution >= 8, nameof(ModelResolution), ModelResolution, "must be >= 8");
        Require(Orientations >= 1, nameof(Orientations), Orientations, "must be >= 1");
        Require(CyclesPerField.Count >= 1 && CyclesPerField.All(c => c > 0 && c <= ModelResolution / 2.0), nameof(CyclesPerField), string.Join(",", CyclesPerField), "each must be in (0, ModelResolution / 2]");
        Require(MinEccentricityDegrees > 0 && MaxEccentricityDegrees > MinEccentricityDegrees, nameof(MaxEccentricityDegrees), MaxEccentricityDegrees, "need 0 < MinEccentricityDegrees < MaxEccentricityDegrees");
        Require(SignalToNoise > 0 && double.IsFinite(SignalToNoise), nameof(SignalToNoise), SignalToNoise, "must be a finite number > 0");
        Require(VoxelSnrLogSd >= 0, nameof(VoxelSnrLogSd), VoxelSnrLogSd, "must be >= 0");
        Require(GainLogSd >= 0, nameof(GainLogSd), GainLogSd, "must be >= 0");
        Require(RunOffsetSdPercent >= 0, nameof(RunOffsetSdPercent), RunOffsetSdPercent, "must be >= 0");
        Require(RunDriftSdPercent >= 0, nameof(RunDriftSdPercent), RunDriftSdPercent, "must be >= 0");
        Require(BaselineMean > 0 && BaselineSd >= 0, nameof(BaselineMean), BaselineMean, "need BaselineMean > 0 and BaselineSd >= 0");
        Require(VoxelSizeMm > 0, nameof(VoxelSizeMm), VoxelSizeMm, "must be > 0");
        Require(!string.IsNullOrWhiteSpace(Subject), nameof(Subject), Subject, "must not be empty");
    }

    private static void Require(bool condition, string field, object? value, string rule)
    {
        if (!condition) throw new InvalidSettingException(Check.SettingName(field), value, rule);
    }
}
