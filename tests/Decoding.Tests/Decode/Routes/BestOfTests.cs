using Decoding.Decode;
using Decoding.Decode.Routes;
using Decoding.LatentDiffusion;
using Decoding.Tests.Cli;
using PureHDF;
using static TorchSharp.torch;

namespace Decoding.Tests.Decode.Routes;

/// <summary>
/// img2img's best-of-M (<c>--best-of M</c>, <see cref="Img2ImgSettings.BestOf"/>): of M candidates per item the one whose
/// pixels correlate best with the low-level image. The pick is checked on candidates written by hand; the route's pick
/// is checked against the M samples a plain decode of the same seed draws; the selection tries it against one draw and
/// records the choice; bad combinations are one line.
/// </summary>
public sealed class BestOfTests
{
    private static readonly SamplingOptions FewSteps = new() { Sampler = SamplerKind.Ddim, Steps = 6, GuidanceScale = 3 };

    [Fact]
    public void The_pick_is_the_candidate_that_correlates_best_with_the_low_level_image()
    {
        // Two items, three 1x2x2 candidates each. The low-level images are (0, 1, 2, 3) and (3, 2, 1, 0).
        // Item 0: candidate 0 = -low (r = -1), candidate 1 = low + (0, 0, 0, 1) (r = 0.98), candidate 2 = 10 low + 5 (r = 1).
        // Item 1: candidates 0 = 2 low and 2 = 4 low (both r = 1 exactly, a tie: the first wins), candidate 1 = low reversed (r = -1).
        float[] low0 = [0, 1, 2, 3], low1 = [3, 2, 1, 0];
        float[] c00 = [0, -1, -2, -3], c01 = [0, 1, 2, 4], c02 = [5, 15, 25, 35];
        float[] c10 = [6, 4, 2, 0], c11 = [0, 1, 2, 3], c12 = [12, 8, 4, 0];
        using var candidates = tensor(c00.Concat(c01).Concat(c02).Concat(c10).Concat(c11).Concat(c12).ToArray(), [2, 3, 1, 2, 2]);
        using var low = tensor(low0.Concat(low1).ToArray(), [2, 1, 1, 2, 2]);
        using var best = Img2ImgRoute.BestOfLowLevel(candidates, low);
        Assert.Equal(new long[] { 2, 1, 1, 2, 2 }, best.shape);
        Assert.Equal(c02.Concat(c10).ToArray(), best.data<float>().ToArray());
    }

    [Fact]
    public void The_route_keeps_the_sample_closest_to_the_low_level_image_of_the_same_draws_and_bad_combinations_are_one_line()
    {
        var data = RouteTestData.Instance;
        using var folder = new TempFolder();
        string[] shared = ["decode", "--ldm", data.LdmFolder, "--data", data.DataFile, "--stimuli", data.StimuliFile,
            "--steps", "4", "--strength", "0.75", "--guidance", "3", "--seed", "5", "--threads", "1"];
        string[] common = [.. shared, "--route", "img2img"];
        string samples = folder.Sub("samples"), best = folder.Sub("best"), low = folder.Sub("low");
        Assert.Equal(0, CliTestHarness.Run([.. common, "--samples", "3", "--out", samples]).Exit);
        Assert.Equal(0, CliTestHarness.Run([.. common, "--samples", "5", "--best-of", "3", "--out", best]).Exit);
        Assert.Equal(0, CliTestHarness.Run([.. shared, "--route", "lowlevel", "--samples", "1", "--out", low]).Exit);

        (byte[] Pixels, ulong[] Shape, int BestOf) Read(string dir)
        {
            using var file = H5File.OpenRead(Path.Combine(dir, DecodedImagesFile.FileName));
            var images = file.Dataset("images");
            return (images.Read<byte[]>(), images.Space.Dimensions, file.Attribute("best_of").Read<int>());
        }
        var (samplePixels, sampleShape, sampleBestOf) = Read(samples);
        var (bestPixels, bestShape, bestOf) = Read(best);
        var (lowPixels, _, _) = Read(low);
        Assert.Equal((1, 3), (sampleBestOf, bestOf));
        // The img2img record names the low-level map it starts from (its penalty, chosen for these samples) and the
        // semantic map, as the low-level route's own record does.
        static string Described(string dir) => System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "run.json")))
            .RootElement.GetProperty("config").GetProperty("method").GetProperty("description").GetString()!;
        string lowLevelMap = Described(low);
        Assert.Contains("-fold cross-validation on training samples only", lowLevelMap);
        string img2img = Described(samples);
        Assert.True(img2img.Contains($"Low-level latent: {lowLevelMap}. Semantic conditioning: ridge map from the voxels to the context target", StringComparison.Ordinal),
            $"{img2img}\n---\n{lowLevelMap}");
        Assert.Equal(3ul, sampleShape[1]);
        Assert.Equal(1ul, bestShape[1]);                            // one image per item, whatever --samples says
        int items = (int)sampleShape[0], length = (int)(sampleShape[2] * sampleShape[3] * sampleShape[4]);
        Assert.Equal(items, (int)bestShape[0]);
        // Each item's image is, of the plain decode's three samples (the same per-item noise), the one that correlates best
        // with the low-level route's image (8-bit images: the route picks on unrounded pixels, so compare the pick only
        // where the top two are not within rounding of each other).
        int checkedItems = 0;
        for (int i = 0; i < items; i++)
        {
            var own = bestPixels.AsSpan(i * length, length).ToArray();
            var lowImage = lowPixels.AsSpan(i * length, length).ToArray().Select(p => (double)p).ToArray();
            var candidates = Enumerable.Range(0, 3).Select(k => samplePixels.AsSpan((i * 3 + k) * length, length).ToArray()).ToArray();
            int match = Array.FindIndex(candidates, c => c.SequenceEqual(own));
            Assert.True(match >= 0, $"item {i}: the best-of image is none of the plain decode's samples");
            var r = candidates.Select(c => Correlation(c.Select(p => (double)p).ToArray(), lowImage)).ToArray();
            var order = r.Select((v, k) => (v, k)).OrderByDescending(p => p.v).ToArray();
            if (order[0].v - order[1].v < 0.01) continue;
            Assert.Equal(order[0].k, match);
            checkedItems++;
        }
        Assert.True(checkedItems >= items / 2, $"only {checkedItems} of {items} items had a clear best candidate");

        foreach (var (extra, expected) in new (string[], string)[]
        {
            (["--best-of", "0"], "--best-of 0: must be 1 (off) or the number of candidates drawn per item"),
            (["--best-of", "3", "--start", "inverted"], "--best-of 3: chooses among candidates drawn with different noise"),
            (["--best-of", "3", "--route", "semantic"], "--best-of 3: chooses among img2img candidates; the semantic route has none"),
        })
        {
            string outDir = folder.Sub("bad" + Guid.NewGuid().ToString("N")[..6]);
            CliTestHarness.AssertRefused([.. (extra.Contains("--route") ? shared : common), .. extra, "--out", outDir], expected, Path.Combine(outDir, DecodedImagesFile.FileName));
        }

        // A strength that runs no step of the decode is refused before the route is fitted (nothing printed about fitting).
        string[] weak = [.. common.Select(a => a == "0.75" ? "0.1" : a), "--out", folder.Sub("weak")];
        var (exit, output, err) = CliTestHarness.Run(weak);
        Assert.Equal(2, exit);
        Assert.Equal("error: --strength 0.1: runs no step of 4; raise it to at least 0.25", err.Trim());
        Assert.DoesNotContain("fitting", output);
        Assert.False(Directory.Exists(folder.Sub("weak")));
    }

    [Fact]
    public void A_selection_with_best_of_scores_the_chosen_setting_with_it_and_its_file_carries_the_choice()
    {
        var data = RouteTestData.Instance;
        var (train, test) = data.Pairs();
        var settings = new DecodingSettings { Route = Img2ImgRoute.Name, Sampling = FewSteps, Seed = 3 };
        var ldm = new LatentDiffusionModelFolder(data.LdmFolder).LoadPipeline();
        var grid = new SelectionGrid([0.5], [1.0, 4.0], [0.0, 0.5], BestOf: 3);
        var result = RouteSelection.Select(settings, new RouteModels(ldm), train, data.Stimuli.CategoryNames, grid, validationStimuli: 8, minPixCorr: -1, minSsim: -1);
        // The grid and the other targets draw once; then the setting chosen among them, every blend, with the best of 3.
        var once = result.Candidates.Where(c => c.BestOf == 1).ToList();
        var withBestOf = result.Candidates.Where(c => c.BestOf == 3).ToList();
        Assert.Equal(4 + 2 * 2, once.Count);
        var chosenOnce = RouteSelection.Best(once);
        Assert.Equal(2, withBestOf.Count);
        Assert.All(withBestOf, c => Assert.Equal((chosenOnce.Target, chosenOnce.Strength, chosenOnce.Guidance), (c.Target, c.Strength, c.Guidance)));
        Assert.Contains(withBestOf, c => c.Score != once.Single(o => o.Target == c.Target && o.Strength == c.Strength && o.Guidance == c.Guidance && o.Blend == c.Blend).Score);
        Assert.Contains("best of 3 candidates per item", result.Rule);
        // A grid with the inverted start only has no noised candidates to choose among: one line before anything is fitted.
        var refused = Assert.Throws<InvalidSettingException>(() => RouteSelection.Select(settings, new RouteModels(ldm), train, data.Stimuli.CategoryNames,
            grid with { Starts = [Img2ImgStart.Inverted] }, validationStimuli: 8, minPixCorr: -1, minSsim: -1));
        Assert.Contains("chooses among noised candidates; the grid tries the inverted start only", refused.Message);
        var best = RouteSelection.Best(result.Candidates);
        Assert.Equal(best.BestOf, result.Chosen.Img2Img.BestOf);

        // selection.json carries it and --selection applies it; a file written before it existed means 1.
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, SelectionFile.FileName);
        var inputs = new Dictionary<string, string> { ["data"] = new string('a', 64) };
        SelectionFile.Of(result, result.Chosen with { Img2Img = result.Chosen.Img2Img with { BestOf = 3 } }, "ddim", 16, inputs).Write(path);
        Assert.Equal(3, SelectionFile.Read(path, "selection").Apply(settings, "ddim", 16, inputs, path, "selection").Img2Img.BestOf);
        var old = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.True(old.Remove("best_of"));
        File.WriteAllText(path, old.ToJsonString());
        Assert.Equal(1, SelectionFile.Read(path, "selection").Apply(settings, "ddim", 16, inputs, path, "selection").Img2Img.BestOf);
        train.Images.Dispose();
        test.Images.Dispose();
    }

    private static double Correlation(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average(), ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            ab += (a[i] - ma) * (b[i] - mb);
            aa += (a[i] - ma) * (a[i] - ma);
            bb += (b[i] - mb) * (b[i] - mb);
        }
        return aa == 0 || bb == 0 ? 0 : ab / Math.Sqrt(aa * bb);
    }
}
