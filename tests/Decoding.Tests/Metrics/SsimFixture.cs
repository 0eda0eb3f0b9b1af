using System.Text.Json;
using Decoding.Metrics;

namespace Decoding.Tests.Metrics;

/// <summary>
/// Image pairs and reference values written by Fixtures/make_ssim_fixture.py with scikit-image 0.19.3
/// (Debian python3-skimage): <c>structural_similarity(luma_a, luma_b, gaussian_weights=True, sigma=1.5,
/// use_sample_covariance=False, data_range=1.0)</c>, numpy's <c>corrcoef</c> of the flattened pixels, and the SSIM of
/// MindEye's and Brain-Diffuser's evaluation call (<c>rgb2gray</c>, then the same with <c>multichannel=True</c> on the 2-D
/// greyscale arrays).
/// </summary>
internal sealed record SsimFixturePair(string Name, ImageTensor A, ImageTensor B, double Ssim, double PixCorr, double SsimColumnWise)
{
    public static IReadOnlyList<SsimFixturePair> Load()
    {
        string path = RepositoryPaths.EvaluationFixture("ssim_pair.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var pairs = new List<SsimFixturePair>();
        foreach (var pair in document.RootElement.GetProperty("pairs").EnumerateArray())
        {
            int height = pair.GetProperty("height").GetInt32();
            int width = pair.GetProperty("width").GetInt32();
            int channels = pair.GetProperty("channels").GetInt32();
            // Stored as integers 0..255; the script used value = integer / 255.
            float[] Pixels(string key) => pair.GetProperty(key).EnumerateArray().Select(v => v.GetInt32() / 255f).ToArray();
            pairs.Add(new SsimFixturePair(
                pair.GetProperty("name").GetString()!,
                new ImageTensor(height, width, channels, Pixels("a")),
                new ImageTensor(height, width, channels, Pixels("b")),
                pair.GetProperty("ssim").GetDouble(),
                pair.GetProperty("pixcorr").GetDouble(),
                pair.GetProperty("ssim_columnwise").GetDouble()));
        }
        return pairs;
    }
}
