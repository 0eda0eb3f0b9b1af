using Decoding.Decode;
using Decoding.Decode.Routes;
using Decoding.LatentDiffusion;
using Decoding.Tests.Cli;
using PureHDF;

namespace Decoding.Tests.Decode.Routes;

/// <summary>
/// img2img's inverted start (<c>--start inverted</c>, <see cref="Img2ImgStart.Inverted"/>) on the route tests' data (tiny
/// LDM): deterministic, one image per item, recorded in decoded.h5, other images than the noised start; refused with
/// samplers it cannot invert; and a selection over both starts records and applies the start it chose.
/// </summary>
public sealed class InvertedStartTests
{
    private static readonly SamplingOptions FewSteps = new() { Sampler = SamplerKind.Ddim, Steps = 6, GuidanceScale = 3 };

    [Fact]
    public void The_inverted_start_decodes_one_deterministic_image_per_item_and_bad_combinations_are_one_line()
    {
        var data = RouteTestData.Instance;
        using var folder = new TempFolder();
        string[] common = ["decode", "--route", "img2img", "--ldm", data.LdmFolder, "--data", data.DataFile, "--stimuli", data.StimuliFile,
            "--samples", "3", "--steps", "4", "--strength", "0.75", "--guidance", "3", "--seed", "5", "--threads", "1"];
        string noised = folder.Sub("noised"), inverted = folder.Sub("inverted"), again = folder.Sub("again");
        Assert.Equal(0, CliTestHarness.Run([.. common, "--out", noised]).Exit);
        Assert.Equal(0, CliTestHarness.Run([.. common, "--start", "inverted", "--out", inverted]).Exit);
        Assert.Equal(0, CliTestHarness.Run([.. common, "--start", "inverted", "--out", again]).Exit);

        (byte[] Pixels, ulong[] Shape, string Start) Read(string dir)
        {
            using var file = H5File.OpenRead(Path.Combine(dir, DecodedImagesFile.FileName));
            var images = file.Dataset("images");
            return (images.Read<byte[]>(), images.Space.Dimensions, file.Attribute("start").Read<string>());
        }
        var (noisedPixels, noisedShape, noisedStart) = Read(noised);
        var (invertedPixels, invertedShape, invertedStart) = Read(inverted);
        Assert.Equal(("noised", "inverted"), (noisedStart, invertedStart));
        Assert.Equal(3ul, noisedShape[1]);                          // noise per sample: K images per item
        Assert.Equal(1ul, invertedShape[1]);                        // no noise: one image per item
        Assert.Equal(noisedShape[0], invertedShape[0]);
        Assert.NotEqual(noisedPixels.Take(invertedPixels.Length), invertedPixels);
        Assert.Equal(invertedPixels, Read(again).Pixels);

        foreach (var (extra, expected) in new (string[], string)[]
        {
            (["--start", "inverted", "--sampler", "plms"], "--start inverted: needs the deterministic DDIM sampler (--sampler ddim)"),
            (["--start", "sideways"], "--start 'sideways': is unknown; choose"),
            (["--start", "inverted", "--ilvr-block", "2"], "--ilvr-block 2: holds the latent to the noised low-level latent"),
            (["--select", "--select-starts", "inverted", "--sampler", "plms"], "--select-starts inverted: needs the deterministic DDIM sampler (--sampler ddim)"),
            (["--select", "--select-starts", "inverted", "--ilvr-block", "2"], "--select-starts inverted: has no noise for ILVR to hold the latent to"),
        })
        {
            string outDir = folder.Sub("bad" + Guid.NewGuid().ToString("N")[..6]);
            CliTestHarness.AssertRefused([.. common, .. extra, "--out", outDir], expected, Path.Combine(outDir, DecodedImagesFile.FileName));
        }
    }

    [Fact]
    public void A_selection_over_both_starts_scores_each_and_its_file_carries_the_choice()
    {
        var data = RouteTestData.Instance;
        var (train, test) = data.Pairs();
        var settings = new DecodingSettings { Route = Img2ImgRoute.Name, Sampling = FewSteps, Seed = 3 };
        var ldm = new LatentDiffusionModelFolder(data.LdmFolder).LoadPipeline();
        var grid = new SelectionGrid([0.5], [1.0, 4.0], [0.0, 0.5], [Img2ImgStart.Noised, Img2ImgStart.Inverted]);
        var result = RouteSelection.Select(settings, new RouteModels(ldm), train, data.Stimuli.CategoryNames, grid, validationStimuli: 8, minPixCorr: -1, minSsim: -1);
        // Every (start, guidance, blend) of the category target, then the other two targets at the chosen start, strength and guidance.
        foreach (var start in new[] { Img2ImgStart.Noised, Img2ImgStart.Inverted })
            Assert.Equal(4, result.Candidates.Count(c => c.Target == SemanticTarget.Category && c.Start == start));
        var categoryBest = RouteSelection.Best(result.Candidates.Where(c => c.Target == SemanticTarget.Category).ToList());
        Assert.All(result.Candidates.Where(c => c.Target != SemanticTarget.Category), c => Assert.Equal(categoryBest.Start, c.Start));
        Assert.Contains("grid of starts (noised, DDIM-inverted)", result.Rule);
        // The two starts give different validation scores at the same setting (they decode different images).
        var pairs = result.Candidates.Where(c => c.Target == SemanticTarget.Category).GroupBy(c => (c.Guidance, c.Blend));
        Assert.Contains(pairs, g => g.Select(c => c.Score.PixCorr).Distinct().Count() == 2);
        var best = RouteSelection.Best(result.Candidates);
        Assert.Equal(best.Start, result.Chosen.Img2Img.Start);

        // selection.json carries the start, and --selection applies it; a file written before the start existed means noised.
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, SelectionFile.FileName);
        var inputs = new Dictionary<string, string> { ["data"] = new string('a', 64) };
        var record = SelectionFile.Of(result, result.Chosen with { Img2Img = result.Chosen.Img2Img with { Start = Img2ImgStart.Inverted } }, "ddim", 16, inputs);
        record.Write(path);
        var read = SelectionFile.Read(path, "selection");
        Assert.Equal("inverted", read.Start);
        var applied = read.Apply(settings, "ddim", 16, inputs, path, "selection");
        Assert.Equal(Img2ImgStart.Inverted, applied.Img2Img.Start);
        var old = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.True(old.Remove("start"));
        File.WriteAllText(path, old.ToJsonString());
        Assert.Equal(Img2ImgStart.Noised, SelectionFile.Read(path, "selection").Apply(settings, "ddim", 16, inputs, path, "selection").Img2Img.Start);
        // A hand-edited file with another (short) input hash is one clear refusal, not a crash.
        old["inputs"]!["data"] = "abc";
        File.WriteAllText(path, old.ToJsonString());
        var other = Assert.Throws<InvalidSettingException>(() => SelectionFile.Read(path, "selection").Apply(settings, "ddim", 16, inputs, path, "selection"));
        Assert.Contains("was chosen on another data (SHA-256 abc, this decode's aaaaaaaaaaaa)", other.Message);
        train.Images.Dispose();
        test.Images.Dispose();
    }
}
