using Decoding.Cluster;
using Decoding.Decode;
using Decoding.Decode.Routes;

namespace Decoding.Tests.Cluster;

/// <summary>The sweep's table from two points' selection.json files, as <c>decode --select --select-only</c> writes them.</summary>
public sealed class SweepTableTests
{
    private static SelectionCandidate Candidate(double strength, double blend, double pixCorr, double ssim, double agreement, bool keeps) =>
        new(SemanticTarget.Category, strength, 8, blend, new ValidationScore(pixCorr, ssim, 0.9, agreement), keeps);

    private static readonly string[] SplitIds = ["train_1", "train_2"];

    private static void Point(string folder, params SelectionCandidate[] candidates) => Point(folder, 0.65, SplitIds, candidates);

    private static void Point(string folder, double stimuliAgreement, string[] validationIds, params SelectionCandidate[] candidates)
    {
        Directory.CreateDirectory(folder);
        var settings = new DecodingSettings { Route = Img2ImgRoute.Name, Seed = 7 };
        var result = new SelectionResult(settings, new Dictionary<string, double>(), candidates, new ValidationScore(0.8, 0.4, 0.9, 0.5), 8, 40, "rule",
            Floor: new FidelityFloor(0.8, 0.4, "asked for"), ValidationStimulusIds: validationIds, ChosenScore: candidates[0].Score, StimuliAgreement: stimuliAgreement);
        SelectionFile.Of(result, settings, "ddim", 16, new Dictionary<string, string> { ["data.h5"] = new string('a', 64) }).Write(Path.Combine(folder, SelectionFile.FileName));
    }

    /// <summary>The rule's order, which the sweep's table lists and --select takes the first of: candidates keeping
    /// the floor by category agreement (ties by PixCorr + SSIM), then the others by PixCorr + SSIM whatever their agreement.</summary>
    [Fact]
    public void Candidates_rank_by_the_floor_then_agreement_and_the_rest_by_fidelity()
    {
        var a = Candidate(0.35, 0.25, 0.81, 0.47, 0.80, keeps: true);
        var b = Candidate(0.5, 0.25, 0.82, 0.48, 0.80, keeps: true);    // same agreement as a, more fidelity
        var c = Candidate(0.1, 0.5, 0.85, 0.50, 0.70, keeps: true);
        var d = Candidate(0.65, 0.0, 0.70, 0.30, 0.99, keeps: false);   // highest agreement, but below the floor
        var e = Candidate(0.65, 0.5, 0.78, 0.44, 0.60, keeps: false);
        Assert.Equal([b, a, c, e, d], RouteSelection.Rank([d, a, e, c, b], x => (x.KeepsFidelity, x.Score)));
        Assert.Same(b, RouteSelection.Best([d, a, e, c, b]));
        Assert.Same(e, RouteSelection.Best([d, e]));
    }

    [Fact]
    public void The_best_setting_follows_the_selections_rule_across_points()
    {
        using var folder = new TempFolder();
        // Point A's best agreement (0.9) does not keep the floor; point B's 0.7 does and beats A's kept 0.6. The tie at
        // 0.7 in B goes to the higher PixCorr + SSIM (blend 0.5).
        Point(folder.Sub("a"), Candidate(0.35, 0, 0.70, 0.35, 0.9, false), Candidate(0.35, 0.5, 0.85, 0.45, 0.6, true));
        Point(folder.Sub("b"), Candidate(0.5, 0, 0.81, 0.41, 0.7, true) with { BestOf = 5 }, Candidate(0.5, 0.5, 0.84, 0.44, 0.7, true) with { Start = Img2ImgStart.Inverted });
        // Point a as a selection.json written before best-of was a choice (no best_of): read as 1.
        string fileA = Path.Combine(folder.Sub("a"), SelectionFile.FileName);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(fileA))!;
        foreach (var candidate in json["result"]!["candidates"]!.AsArray()) Assert.True(candidate!.AsObject().Remove("best_of"));
        File.WriteAllText(fileA, json.ToJsonString());
        var (rows, best) = SweepTable.Read([folder.Sub("a"), folder.Sub("b")]);
        Assert.Equal(4, rows.Count);
        Assert.Equal([false, true, true, true], rows.Select(r => r.KeepsFidelity));
        Assert.Equal([0.9, 0.6, 0.7, 0.7], rows.Select(r => r.CategoryAgreement));
        var chosen = best[Img2ImgRoute.Name];
        Assert.Equal((0.5, 0.5, 8.0, "category"), (chosen.Strength, chosen.Blend, chosen.Guidance, chosen.SemanticTarget));

        SweepTable.Write(folder.Sub("table"), rows, best);
        var csv = File.ReadAllLines(Path.Combine(folder.Sub("table"), SweepTable.CsvFile));
        Assert.Equal("point,route,target,strength,guidance,blend,start,best_of,pixcorr,ssim,pixel_2way,category_agreement,keeps_fidelity", csv[0]);
        Assert.Equal("a,img2img,category,0.35,8,0,noised,1,0.7,0.35,0.9,0.9,false", csv[1]);
        Assert.Equal("b,img2img,category,0.5,8,0,noised,5,0.81,0.41,0.9,0.7,true", csv[3]);
        Assert.Equal("b,img2img,category,0.5,8,0.5,inverted,1,0.84,0.44,0.9,0.7,true", csv[4]);
        // decode --selection takes the best file.
        var file = SelectionFile.Read(Path.Combine(folder.Sub("table"), SweepTable.BestFile(Img2ImgRoute.Name)), "selection");
        Assert.Equal((0.5, 0.5, "inverted", 1), (file.Strength, file.Blend, file.Start, file.BestOf));
        // Beside the choice, what the split's stimuli themselves score (0.65): B's two candidates (0.7) keep the floor
        // and score above it; A's kept one (0.6) does not, and A's 0.9 does not keep the floor.
        Assert.Equal(0.65, ValidationRecord.SplitOfSelection(file.Result)!.Value.StimuliAgreement);
        Assert.Contains("The validation stimuli themselves, a perfect reconstruction, score category agreement 0.650; 2 of its candidates keeping the floor score above it.",
            File.ReadAllText(Path.Combine(folder.Sub("table"), SweepTable.MarkdownFile)));
        // The command records the point files it read by their hashes.
        var run = Decoding.Tests.Cli.CliTestHarness.Run("sweep-table", "--points", folder.Sub("a"), folder.Sub("b"), "--out", folder.Sub("table-cli"));
        Assert.True(run.Exit == 0, run.Err);
        using (var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder.Sub("table-cli"), "run.json"))))
            Assert.Equal(2, manifest.RootElement.GetProperty("input_sha256").EnumerateObject().Count());
        // A point whose validation stimuli score otherwise was scored on another split: refused by name.
        Point(folder.Sub("c"), 0.7, SplitIds, Candidate(0.5, 0, 0.81, 0.41, 0.7, true));
        var e = Assert.Throws<Fmri.Core.InvalidSettingException>(() => SweepTable.Read([folder.Sub("a"), folder.Sub("c")]));
        Assert.Contains("was scored on another validation split", e.Message);
        Assert.Contains(folder.Sub("c"), e.Message);
        // Also when the first point was written before the value was recorded: the later ones are checked against each other.
        string oldFile = Path.Combine(folder.Sub("a"), SelectionFile.FileName);
        var old = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(oldFile))!;
        Assert.True(old["result"]!.AsObject().Remove("stimuli_agreement"));
        File.WriteAllText(oldFile, old.ToJsonString());
        e = Assert.Throws<Fmri.Core.InvalidSettingException>(() => SweepTable.Read([folder.Sub("a"), folder.Sub("b"), folder.Sub("c")]));
        Assert.Contains("was scored on another validation split than " + folder.Sub("b"), e.Message);
        Assert.Equal(0.65, ValidationRecord.SplitOfSelection(SweepTable.Read([folder.Sub("a"), folder.Sub("b")]).Best[Img2ImgRoute.Name].Result)!.Value.StimuliAgreement);
        // So is a point scored on other validation stimuli.
        Point(folder.Sub("d"), 0.65, ["train_3", "train_4"], Candidate(0.5, 0, 0.81, 0.41, 0.7, true));
        e = Assert.Throws<Fmri.Core.InvalidSettingException>(() => SweepTable.Read([folder.Sub("a"), folder.Sub("d")]));
        Assert.Contains("was scored on other validation stimuli", e.Message);
        // The best file carries the chosen candidate's validation score on that split, so a decode given it with
        // --selection records it for evaluate's choice between routes, as a --select run's own file does.
        Assert.Equal(ValidationRecord.Of(SplitIds, new ValidationScore(0.84, 0.44, 0.9, 0.7), stimuliAgreement: 0.65), ValidationRecord.FromSelection(file.Result));
        // A sweep on a split of whole categories (decode --select records it with the chosen settings) says so in its best file.
        string wholeFile = Path.Combine(folder.Sub("b"), SelectionFile.FileName);
        var whole = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(wholeFile))!;
        whole["result"]!["chosen"]!["validation_whole_categories"] = true;
        File.WriteAllText(wholeFile, whole.ToJsonString());
        var (_, bestWhole) = SweepTable.Read([folder.Sub("b")]);
        Assert.True(ValidationRecord.FromSelection(bestWhole[Img2ImgRoute.Name].Result)!.WholeCategories);
    }
}
