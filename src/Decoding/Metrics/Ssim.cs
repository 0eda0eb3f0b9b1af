namespace Decoding.Metrics;

/// <summary>
/// Mean structural similarity (MSSIM) of Wang, Bovik, Sheikh and Simoncelli 2004, on greyscale images, and beside it
/// the column-wise variant that MindEye's and Brain-Diffuser's evaluation code computes
/// (<see cref="ComputeColumnWise(ImageTensor, ImageTensor, SsimOptions?)"/>: scikit-image's BT.709 greyscale, a 1-D
/// window down each column, so images need only WindowSize rows). Tests compare both against values scikit-image
/// computed (tests/Decoding.Tests/Metrics/Fixtures/make_ssim_fixture.py).
///
/// The 2-D SSIM's convention, stated once:
/// - Greyscale: an RGB image is converted to BT.601 luma (0.299 R + 0.587 G + 0.114 B) first
///   (<see cref="ImageTensor.ToLuma"/>); one-channel images are used as they are.
/// - Window: an 11 x 11 circular-symmetric Gaussian, sigma 1.5, normalised to sum 1 (separable).
/// - Border rule: the local SSIM map is computed only where the whole window fits inside the image (the
///   "valid" region, (H - 10) x (W - 10) positions for an 11 x 11 window) and MSSIM is its plain mean.
///   This is the paper's MATLAB <c>ssim_index</c> (<c>filter2(window, img, 'valid')</c>), and equals
///   scikit-image's <c>structural_similarity(..., gaussian_weights=True, sigma=1.5,
///   use_sample_covariance=False, data_range=1.0)</c>, which filters the padded image and then crops the same
///   5-pixel border before averaging.
/// - Variances use the window weights directly (population form, as the paper), not a sample correction.
/// Both images must be at least WindowSize pixels high and wide.
/// </summary>
public static class Ssim
{
    /// <summary>MSSIM of one reconstruction with its stimulus (symmetric in its arguments).</summary>
    /// <exception cref="ArgumentException">Shapes differ, or the image is smaller than the window.</exception>
    public static double Compute(ImageTensor reconstruction, ImageTensor stimulus, SsimOptions? options = null)
        => Pair(reconstruction, stimulus, options, "reconstruction", "stimulus", (x, y, h, w, o) => MeanSsim(x.ToLuma(), y.ToLuma(), h, w, o));

    /// <summary>MSSIM of reconstruction i with stimulus i, for every test item.</summary>
    /// <exception cref="ArgumentException">The lists differ in length or are empty, or an item is invalid (named by index).</exception>
    public static PerItemScores Compute(IReadOnlyList<ImageTensor> reconstructions, IReadOnlyList<ImageTensor> stimuli, SsimOptions? options = null)
    {
        EvaluationChecks.SameNonZeroCount(reconstructions, stimuli, nameof(reconstructions), nameof(stimuli));
        var scores = new double[reconstructions.Count];
        for (int i = 0; i < scores.Length; i++)
            scores[i] = Pair(reconstructions[i], stimuli[i], options, $"reconstructions[{i}]", $"stimuli[{i}]", (x, y, h, w, o) => MeanSsim(x.ToLuma(), y.ToLuma(), h, w, o));
        return new PerItemScores(scores);
    }

    /// <summary>
    /// SSIM as MindEye's and Brain-Diffuser's evaluation code computes it: scikit-image's <c>rgb2gray</c>, then
    /// <c>structural_similarity(rec, im, multichannel=True, gaussian_weights=True, sigma=1.5,
    /// use_sample_covariance=False, data_range=1.0)</c> on the 2-D greyscale image. With <c>multichannel=True</c>
    /// scikit-image takes the last axis of a 2-D array as channels, so this is the mean over the image's columns of a
    /// 1-D SSIM down each column (the same 11-tap Gaussian along the rows, the same valid region), not the 2-D SSIM of
    /// <see cref="Compute(ImageTensor, ImageTensor, SsimOptions?)"/>. A column that is constant in both images (a
    /// uniform background) scores 1, so the value runs higher than the 2-D SSIM for unrelated images with such a
    /// background and lower for noisy copies. Reported beside the 2-D SSIM so that numbers can be set next to
    /// published ones.
    /// </summary>
    public static double ComputeColumnWise(ImageTensor reconstruction, ImageTensor stimulus, SsimOptions? options = null)
        => Pair(reconstruction, stimulus, options, "reconstruction", "stimulus", (x, y, h, w, o) => MeanColumnSsim(x.ToRgb2Gray(), y.ToRgb2Gray(), h, w, o));

    /// <summary>One pair through <paramref name="measure"/> after the checks every SSIM shares (options, equal sides).</summary>
    private static double Pair(ImageTensor reconstruction, ImageTensor stimulus, SsimOptions? options, string reconstructionName, string stimulusName,
        Func<ImageTensor, ImageTensor, int, int, SsimOptions, double> measure)
    {
        ArgumentNullException.ThrowIfNull(reconstruction);
        ArgumentNullException.ThrowIfNull(stimulus);
        options ??= SsimOptions.WangEtAl2004;
        options.Validate();
        if (reconstruction.Height != stimulus.Height || reconstruction.Width != stimulus.Width)
            throw new ArgumentException($"{reconstructionName} is {reconstruction}, {stimulusName} is {stimulus}; SSIM needs images of the same height and width");
        return measure(reconstruction, stimulus, reconstruction.Height, reconstruction.Width, options);
    }

    /// <summary>The normalised 1-D Gaussian weights whose outer product is the paper's 2-D window.</summary>
    public static double[] GaussianWindow1D(int size, double sigma)
    {
        int radius = size / 2;
        var w = new double[size];
        double sum = 0;
        for (int i = 0; i < size; i++)
        {
            double d = i - radius;
            w[i] = Math.Exp(-d * d / (2 * sigma * sigma));
            sum += w[i];
        }
        for (int i = 0; i < size; i++) w[i] /= sum;
        return w;
    }

    // Notation (Wang et al. 2004, section III-C):
    //   x, y      the two greyscale images (luma planes), L = DataRange
    //   w         Gaussian window, sum w_i = 1
    //   mu_x      sum_i w_i x_i                               (eq. 14)
    //   sigma_x^2 sum_i w_i (x_i - mu_x)^2 = E_w[x^2] - mu_x^2 (eq. 15, squared)
    //   sigma_xy  sum_i w_i (x_i - mu_x)(y_i - mu_y) = E_w[xy] - mu_x mu_y (eq. 16)
    //   C1 = (K1 L)^2, C2 = (K2 L)^2
    private static double MeanSsim(double[] x, double[] y, int height, int width, SsimOptions options)
    {
        int size = options.WindowSize;
        if (height < size || width < size)
            throw new ArgumentException($"image is {height}x{width}; SSIM with a {size}x{size} window needs at least {size}x{size} pixels");
        double[] w = GaussianWindow1D(size, options.GaussianSigma);
        double c1 = Math.Pow(options.K1 * options.DataRange, 2);
        double c2 = Math.Pow(options.K2 * options.DataRange, 2);

        var xx = new double[x.Length];
        var yy = new double[x.Length];
        var xy = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            xx[i] = x[i] * x[i];
            yy[i] = y[i] * y[i];
            xy[i] = x[i] * y[i];
        }

        // Window-weighted means over the valid region: (validH, validW) each.
        double[] muX = FilterValid(x, height, width, w);
        double[] muY = FilterValid(y, height, width, w);
        double[] exx = FilterValid(xx, height, width, w);
        double[] eyy = FilterValid(yy, height, width, w);
        double[] exy = FilterValid(xy, height, width, w);

        double total = 0;
        for (int i = 0; i < muX.Length; i++)
        {
            double mx = muX[i], my = muY[i];
            double varX = exx[i] - mx * mx;
            double varY = eyy[i] - my * my;
            double covXY = exy[i] - mx * my;
            // 1. SSIM(x, y) = (2 mu_x mu_y + C1)(2 sigma_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(sigma_x^2 + sigma_y^2 + C2))  (eq. 13)
            total += (2 * mx * my + c1) * (2 * covXY + c2) / ((mx * mx + my * my + c1) * (varX + varY + c2));
        }
        // 2. MSSIM = mean of the local SSIM map  (eq. 17)
        return total / muX.Length;
    }

    /// <summary>The mean over columns of the 1-D SSIM down each column (the window along the rows only, valid positions).</summary>
    private static double MeanColumnSsim(double[] x, double[] y, int height, int width, SsimOptions options)
    {
        int size = options.WindowSize;
        if (height < size)
            throw new ArgumentException($"image is {height}x{width}; a column-wise SSIM with a {size}-pixel window needs at least {size} rows");
        double[] w = GaussianWindow1D(size, options.GaussianSigma);
        double c1 = Math.Pow(options.K1 * options.DataRange, 2);
        double c2 = Math.Pow(options.K2 * options.DataRange, 2);
        int valid = height - size + 1;
        double total = 0;
        for (int column = 0; column < width; column++)
        {
            double columnTotal = 0;
            for (int r = 0; r < valid; r++)
            {
                double mx = 0, my = 0, exx = 0, eyy = 0, exy = 0;
                for (int k = 0; k < size; k++)
                {
                    double a = x[(r + k) * width + column], b = y[(r + k) * width + column];
                    mx += w[k] * a;
                    my += w[k] * b;
                    exx += w[k] * a * a;
                    eyy += w[k] * b * b;
                    exy += w[k] * a * b;
                }
                double varX = exx - mx * mx, varY = eyy - my * my, covXY = exy - mx * my;
                columnTotal += (2 * mx * my + c1) * (2 * covXY + c2) / ((mx * mx + my * my + c1) * (varX + varY + c2));
            }
            total += columnTotal / valid;
        }
        return total / width;
    }

    /// <summary>Separable correlation of a (height, width) plane with the window, keeping only positions where
    /// the window fits: returns (height - size + 1, width - size + 1), row-major.</summary>
    private static double[] FilterValid(double[] plane, int height, int width, double[] w)
    {
        int size = w.Length;
        int validH = height - size + 1, validW = width - size + 1;
        var rows = new double[height * validW]; // (height, validW): horizontal pass
        for (int r = 0; r < height; r++)
        {
            int rowStart = r * width;
            for (int c = 0; c < validW; c++)
            {
                double s = 0;
                for (int k = 0; k < size; k++) s += w[k] * plane[rowStart + c + k];
                rows[r * validW + c] = s;
            }
        }
        var result = new double[validH * validW]; // (validH, validW): vertical pass
        for (int r = 0; r < validH; r++)
        {
            for (int c = 0; c < validW; c++)
            {
                double s = 0;
                for (int k = 0; k < size; k++) s += w[k] * rows[(r + k) * validW + c];
                result[r * validW + c] = s;
            }
        }
        return result;
    }
}
