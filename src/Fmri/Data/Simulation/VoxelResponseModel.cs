using System.Numerics;
using System.Runtime.InteropServices;

namespace Fmri.Data.Simulation;

/// <summary>
/// The noise-free response of every voxel to every stimulus (the encoding model), percent signal change.
/// <list type="number">
/// <item>Retinotopic voxel v (compressive spatial summation, Kay et al. 2013, on contrast energy): the image's
/// Gabor energy E_c(p) in channel c at pixel p is pooled by the pRF weights G_v(p) and mixed by the channel
/// weights w_vc: drive d_v = (sum_c w_vc sum_p G_v(p) E_c(p))^n_v.</item>
/// <item>LOC voxel v: d_v = LocEvokedMean + sqrt(a_v) z(category weight of the stimulus's category) +
/// sqrt(1 - a_v) z(projection of the low-resolution image), each z-scored over the stimuli.</item>
/// <item>Response r_v = gain_v d_v / s_area, where s_area is the median over the area's voxels of the standard
/// deviation of d across stimuli, so a typical voxel's response varies by its gain (in % signal change).</item>
/// </list>
/// Energy is computed once per image; stimuli are processed in parallel, each with a fixed summation order, so the
/// result does not depend on scheduling. The z-scoring of LOC drives and the area scale come from the stimuli given
/// (<see cref="ResponseNormalisation"/>); responses to other images of the same subject (the pretraining pool) reuse
/// the experiment's normalisation, so the same image gives the same response whichever set it is in.
/// </summary>
public static class VoxelResponseModel
{
    /// <summary>
    /// The per-voxel statistics that turn drives into responses: mean and standard deviation over the stimuli of each
    /// LOC voxel's shape and category terms (NaN for retinotopic voxels), and each area's scale (the median over its
    /// voxels of the drive's standard deviation).
    /// </summary>
    public sealed record ResponseNormalisation(double[] ShapeMean, double[] ShapeSd, double[] CategoryMean, double[] CategorySd, double[] AreaScale);

    /// <summary>Mean of an LOC voxel's drive in units of its stimulus-driven standard deviation (its evoked response).</summary>
    public const double LocEvokedMean = 2.0;

    /// <summary>
    /// Responses (StimulusCount, VoxelCount) to greyscale images <paramref name="images"/> (StimulusCount, R, R) with
    /// values in [0, 1], R = <see cref="GaborEnergyBank.Resolution"/>, whose categories are <paramref name="categories"/>.
    /// </summary>
    public static float[] NoiseFreeResponses(float[] images, int[] categories, VoxelPopulation population, GaborEnergyBank bank,
        VisualCortexConfig config, IProgress<double>? progress = null)
        => NoiseFreeResponses(images, categories, population, bank, config, normalisation: null, progress).Responses;

    /// <summary>
    /// As above, normalised with <paramref name="normalisation"/> when given (e.g. the experiment's, for other images
    /// seen by the same voxels), else with statistics over these stimuli; returns the normalisation used.
    /// </summary>
    public static (float[] Responses, ResponseNormalisation Normalisation) NoiseFreeResponses(float[] images, int[] categories, VoxelPopulation population,
        GaborEnergyBank bank, VisualCortexConfig config, ResponseNormalisation? normalisation, IProgress<double>? progress = null)
    {
        int r = bank.Resolution, pixels = r * r, stimuli = categories.Length, voxels = population.VoxelCount;
        if (images.Length != stimuli * pixels)
            throw new ArgumentException($"images: has {images.Length} values, expected {stimuli} x {r} x {r}", nameof(images));
        int shapeSide = config.LocShapeResolution, shapeFeatures = shapeSide * shapeSide;
        int locArea = Array.IndexOf(population.AreaNames, "LOC");
        var receptiveFields = ReceptiveFields(population, config);
        var drive = new float[(long)stimuli * voxels];
        var categoryTerm = new float[(long)stimuli * voxels];
        var reporter = new OrderedProgress(progress, stimuli);

        Parallel.For(0, stimuli, () => (Energy: new float[pixels * bank.PaddedChannelCount], Scratch: new float[4 * pixels], Shape: new float[shapeFeatures]), (s, _, buffers) =>
        {
            var image = images.AsSpan(s * pixels, pixels);
            bank.Compute(image, buffers.Energy, buffers.Scratch);
            LowResolution(image, r, shapeSide, buffers.Shape);
            var row = drive.AsSpan((int)((long)s * voxels), voxels);
            Span<float> accumulator = stackalloc float[bank.PaddedChannelCount];
            for (int v = 0; v < voxels; v++)
            {
                if (population.Area[v] == locArea)
                {
                    row[v] = Dot(population.ShapeWeights.AsSpan(v * shapeFeatures, shapeFeatures), buffers.Shape);
                    categoryTerm[(long)s * voxels + v] = population.CategoryWeights[v * population.CategoryCount + categories[s]];
                }
                else
                {
                    var (pixelIndex, weight) = receptiveFields[v];
                    PoolEnergy(buffers.Energy, bank.PaddedChannelCount, pixelIndex, weight, accumulator);
                    double sum = 0;
                    for (int c = 0; c < population.ChannelCount; c++) sum += population.ChannelWeights[v * population.ChannelCount + c] * accumulator[c];
                    row[v] = sum > 0 ? (float)Math.Pow(sum, population.CssExponent[v]) : 0f;
                }
            }
            reporter.Completed();
            return buffers;
        }, _ => { });

        var (shapeMean, shapeSd, categoryMean, categorySd) = normalisation is null
            ? LocMoments(drive, categoryTerm, stimuli, population, locArea)
            : (normalisation.ShapeMean, normalisation.ShapeSd, normalisation.CategoryMean, normalisation.CategorySd);
        if (locArea >= 0) MixLocDrive(drive, categoryTerm, stimuli, population, locArea, shapeMean, shapeSd, categoryMean, categorySd);
        var areaScale = normalisation?.AreaScale ?? AreaScales(drive, stimuli, population);
        ScaleToPercentSignalChange(drive, stimuli, population, areaScale);
        return (drive, new ResponseNormalisation(shapeMean, shapeSd, categoryMean, categorySd, areaScale));
    }

    /// <summary>Sparse pRF pixel weights of each retinotopic voxel (empty for LOC).</summary>
    private static (int[] Pixels, float[] Weights)[] ReceptiveFields(VoxelPopulation population, VisualCortexConfig config)
    {
        int r = config.ModelResolution;
        double pixelDegrees = config.FieldOfViewDegrees / r;
        var fields = new (int[], float[])[population.VoxelCount];
        for (int v = 0; v < population.VoxelCount; v++)
        {
            if (float.IsNaN(population.PrfX[v])) { fields[v] = ([], []); continue; }
            // Visual field (degrees, y up, fixation at the image centre) -> continuous pixel coordinates (y down).
            double column = population.PrfX[v] / pixelDegrees + r / 2.0;
            double row = r / 2.0 - population.PrfY[v] / pixelDegrees;
            fields[v] = PopulationReceptiveField.PixelWeights(column, row, population.PrfSize[v] / pixelDegrees, r);
        }
        return fields;
    }

    /// <summary>accumulator(c) = sum_k weight(k) energy(pixel(k), c), SIMD over channels (stride = padded channel count).</summary>
    private static void PoolEnergy(float[] energy, int stride, int[] pixels, float[] weights, Span<float> accumulator)
    {
        ref float origin = ref MemoryMarshal.GetArrayDataReference(energy);
        int lanes = Vector<float>.Count;
        for (int offset = 0; offset < stride; offset += lanes)
        {
            var sum = Vector<float>.Zero;
            for (int k = 0; k < pixels.Length; k++)
                sum += Vector.LoadUnsafe(ref origin, (nuint)(pixels[k] * stride + offset)) * weights[k];
            sum.CopyTo(accumulator[offset..]);
        }
    }

    /// <summary>Area average of an R x R image onto an L x L grid (cell i covers pixels floor(iR/L)..floor((i+1)R/L)-1).</summary>
    private static void LowResolution(ReadOnlySpan<float> image, int r, int side, Span<float> result)
    {
        for (int i = 0; i < side; i++)
        {
            int y0 = i * r / side, y1 = (i + 1) * r / side;
            for (int j = 0; j < side; j++)
            {
                int x0 = j * r / side, x1 = (j + 1) * r / side;
                double sum = 0;
                for (int y = y0; y < y1; y++)
                    for (int x = x0; x < x1; x++) sum += image[y * r + x];
                result[i * side + j] = (float)(sum / ((y1 - y0) * (x1 - x0)));
            }
        }
    }

    /// <summary>Mean and standard deviation over the stimuli of each LOC voxel's shape and category terms (NaN elsewhere).</summary>
    private static (double[] ShapeMean, double[] ShapeSd, double[] CategoryMean, double[] CategorySd) LocMoments(
        float[] drive, float[] categoryTerm, int stimuli, VoxelPopulation population, int locArea)
    {
        int voxels = population.VoxelCount;
        var moments = (ShapeMean: new double[voxels], ShapeSd: new double[voxels], CategoryMean: new double[voxels], CategorySd: new double[voxels]);
        for (int v = 0; v < voxels; v++)
        {
            if (population.Area[v] != locArea || locArea < 0)
            {
                moments.ShapeMean[v] = moments.ShapeSd[v] = moments.CategoryMean[v] = moments.CategorySd[v] = double.NaN;
                continue;
            }
            (moments.ShapeMean[v], moments.ShapeSd[v]) = Moments(drive, stimuli, voxels, v);
            (moments.CategoryMean[v], moments.CategorySd[v]) = Moments(categoryTerm, stimuli, voxels, v);
        }
        return moments;
    }

    private static void MixLocDrive(float[] drive, float[] categoryTerm, int stimuli, VoxelPopulation population, int locArea,
        double[] shapeMean, double[] shapeSd, double[] categoryMean, double[] categorySd)
    {
        int voxels = population.VoxelCount;
        for (int v = 0; v < voxels; v++)
        {
            if (population.Area[v] != locArea) continue;
            double share = population.CategoryShare[v];
            for (int s = 0; s < stimuli; s++)
            {
                long i = (long)s * voxels + v;
                double shapeZ = shapeSd[v] > 0 ? (drive[i] - shapeMean[v]) / shapeSd[v] : 0;
                double categoryZ = categorySd[v] > 0 ? (categoryTerm[i] - categoryMean[v]) / categorySd[v] : 0;
                drive[i] = (float)(LocEvokedMean + Math.Sqrt(share) * categoryZ + Math.Sqrt(1 - share) * shapeZ);
            }
        }
    }

    /// <summary>Each area's scale: the median over its voxels of the (positive) standard deviation of the drive across stimuli; 1 when none varies.</summary>
    private static double[] AreaScales(float[] drive, int stimuli, VoxelPopulation population)
    {
        int voxels = population.VoxelCount;
        var sd = new double[voxels];
        for (int v = 0; v < voxels; v++) sd[v] = Moments(drive, stimuli, voxels, v).Sd;
        var scale = new double[population.AreaNames.Length];
        for (int a = 0; a < scale.Length; a++)
        {
            var positive = Enumerable.Range(0, voxels).Where(v => population.Area[v] == a && sd[v] > 0).Select(v => sd[v]).Order().ToArray();
            scale[a] = positive.Length == 0 ? 1.0 : positive[positive.Length / 2];
        }
        return scale;
    }

    private static void ScaleToPercentSignalChange(float[] drive, int stimuli, VoxelPopulation population, double[] scale)
    {
        int voxels = population.VoxelCount;
        for (int s = 0; s < stimuli; s++)
        {
            for (int v = 0; v < voxels; v++)
            {
                long i = (long)s * voxels + v;
                drive[i] = (float)(population.Gain[v] * drive[i] / scale[population.Area[v]]);
            }
        }
    }

    private static (double Mean, double Sd) Moments(float[] matrix, int rows, int columns, int column)
    {
        double sum = 0, sumSquares = 0;
        for (int s = 0; s < rows; s++)
        {
            double x = matrix[(long)s * columns + column];
            sum += x;
            sumSquares += x * x;
        }
        double mean = sum / rows;
        return (mean, Math.Sqrt(Math.Max(0, sumSquares / rows - mean * mean)));
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return (float)sum;
    }
}
