using System.Text.Json;
using Decoding.Decode;
using Decoding.Evaluation;
using Decoding.Reports;
using Decoding.Tests.Cli;

namespace Decoding.Tests.Evaluation;

/// <summary>evaluate's choice between routes on their recorded validation scores (<see cref="RouteChoice"/>).</summary>
[Collection(EvaluateCommandCollection.Name)]
public sealed class RouteChoiceTests
{
    /// <summary>A copy of <paramref name="source"/> as the route <paramref name="name"/>, with <paramref name="validation"/> recorded (or none).</summary>
    private static string Copy(string source, string folder, string name, ValidationRecord? validation)
    {
        var images = DecodedImagesFile.Read(source);
        string path = Path.Combine(folder, name, DecodedImagesFile.FileName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var attributes = new Dictionary<string, object> { ["sampler"] = "test-fixture" };
        foreach (var (key, value) in validation?.Attributes() ?? []) attributes[key] = value;
        DecodedImagesFile.Write(path, images with { Method = EvaluationTestData.Route(name), Attributes = new Dictionary<string, string>() }, attributes);
        return path;
    }

    [Fact]
    public void TheRouteIsChosenByItsValidationScoresOnTheSharedSplitNeverByItsTestScores()
    {
        var data = EvaluationTestData.Instance;
        using var folder = new TempFolder();
        string[] split = ["train_1", "train_5", "train_9"], otherSplit = ["train_2", "train_6"];
        // By the rule, by hand: "perfect" (every test image right) has the higher agreement but misses the PixCorr floor
        // of 0.8 on validation; "fixed image" (one image for every test item) keeps it, so it is chosen. "elsewhere"
        // would win on agreement, but its scores are on other validation stimuli; "unrecorded" has none.
        // The split's stimuli themselves score agreement 0.70: "perfect" (0.95) scores above them, "fixed image" (0.60) does not.
        string perfect = Copy(data.PerfectFile, folder.Path, "perfect", ValidationRecord.Of(split, new ValidationScore(0.70, 0.60, 0.9, 0.95), stimuliAgreement: 0.70));
        string fixedImage = Copy(data.FixedFile, folder.Path, "fixed image", ValidationRecord.Of(split, new ValidationScore(0.85, 0.50, 0.9, 0.60), stimuliAgreement: 0.70));
        string elsewhere = Copy(data.PerfectFile, folder.Path, "elsewhere", ValidationRecord.Of(otherSplit, new ValidationScore(0.9, 0.9, 0.9, 0.99)));
        string unrecorded = Copy(data.PerfectFile, folder.Path, "unrecorded", null);
        string output = folder.Sub("report");
        var (exit, stdout, err) = EvaluateCommandRunner.Run("--decoded", perfect, fixedImage, elsewhere, unrecorded, "--stimuli", data.StimuliFile,
            "--classifier", data.ClassifierFolder, "--out", output, "--ways", "2..4", "--permutations", "50", "--threads", "1",
            "--choose-min-pixcorr", "0.8", "--choose-min-ssim", "0.461");
        Assert.True(exit == 0, err);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, EvaluationReport.MetricsFile)));
        var choice = json.RootElement.GetProperty("route_choice");
        Assert.Equal("fixed image", choice.GetProperty("chosen").GetString());
        Assert.Equal(["fixed image", "perfect"], choice.GetProperty("candidates").EnumerateArray().Select(c => c.GetProperty("method").GetString()!).ToArray());
        Assert.Equal(["elsewhere"], choice.GetProperty("other_splits").EnumerateArray().Select(c => c.GetString()!).ToArray());
        Assert.Equal(["unrecorded"], choice.GetProperty("without_validation").EnumerateArray().Select(c => c.GetString()!).ToArray());
        Assert.Equal(0.8, json.RootElement.GetProperty("settings").GetProperty("route_floor").GetProperty("pix_corr").GetDouble());
        Assert.Equal(0.70, choice.GetProperty("stimuli_agreement").GetDouble());

        string md = File.ReadAllText(Path.Combine(output, ReportWriter.MarkdownFile));
        Assert.Contains("Route chosen on validation: fixed image, by the routes' chosen settings on the same 3 validation stimuli", md);
        Assert.Contains("perfect (agreement 0.950, PixCorr 0.700, SSIM 0.600, under the floor)", md);
        Assert.Contains("not compared: without a validation score: unrecorded; on another validation split: elsewhere", md);
        Assert.Contains("The validation stimuli themselves, a perfect reconstruction, score agreement 0.700. Above it, with validation images more typical "
            + "of their categories than the stimuli (there the agreement rewards typicality, not faithfulness): perfect (0.950).", md);
        Assert.False(choice.TryGetProperty("above_the_stimuli", out _));   // derived from the candidates, not stored twice
        // The summary by test scores still names the best route, and says it chooses nothing.
        Assert.Contains("Best decoding route on the test stimuli (a summary that chooses nothing): perfect.", md);
        Assert.Contains("Route chosen on validation: fixed image", stdout);

        // Without a floor the highest agreement on the shared split wins.
        string noFloor = folder.Sub("no-floor");
        Assert.Equal(0, EvaluateCommandRunner.Run("--decoded", perfect, fixedImage, "--stimuli", data.StimuliFile, "--classifier", data.ClassifierFolder,
            "--out", noFloor, "--ways", "2..4", "--permutations", "50", "--threads", "1").Exit);
        Assert.Contains("Route chosen on validation: perfect,", File.ReadAllText(Path.Combine(noFloor, ReportWriter.MarkdownFile)));
    }

    [Fact]
    public void Agreement_counts_only_up_to_the_validation_stimuli_own_so_a_more_typical_route_does_not_beat_a_more_faithful_one()
    {
        var data = EvaluationTestData.Instance;
        using var folder = new TempFolder();
        string[] split = ["train_1", "train_5", "train_9"];
        string Run(string name, double faithfulAgreement, double? own)
        {
            // "typical": more typical of its category than the stimuli (0.90 against their 0.70), less faithful;
            // "faithful": PixCorr + SSIM 1.32 against 1.25.
            string typical = Copy(data.PerfectFile, folder.Sub(name), "typical", ValidationRecord.Of(split, new ValidationScore(0.80, 0.45, 0.9, 0.90), stimuliAgreement: own));
            string faithful = Copy(data.FixedFile, folder.Sub(name), "faithful", ValidationRecord.Of(split, new ValidationScore(0.83, 0.49, 0.9, faithfulAgreement), stimuliAgreement: own));
            string output = folder.Sub($"{name}/report");
            var (exit, _, err) = EvaluateCommandRunner.Run("--decoded", typical, faithful, "--stimuli", data.StimuliFile, "--classifier", data.ClassifierFolder,
                "--out", output, "--ways", "2..4", "--permutations", "50", "--threads", "1");
            Assert.True(exit == 0, err);
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, EvaluationReport.MetricsFile)));
            var choice = json.RootElement.GetProperty("route_choice");
            return choice.GetProperty("chosen").GetString()! + " | " + choice.GetProperty("rule").GetString();
        }
        // Both above the stimuli's 0.70: a tie on agreement, PixCorr + SSIM decide.
        string tie = Run("tie", 0.75, 0.70);
        Assert.StartsWith("faithful | ", tie);
        Assert.Contains("the highest category agreement counted up to the validation stimuli's own (0.700; above it a route looks more typical", tie);
        // Under the stimuli's value agreement still ranks: 0.70 (capped) against 0.65.
        Assert.StartsWith("typical | ", Run("under", 0.65, 0.70));
        // Without the stimuli's value recorded (files written before it was), the plain rule: 0.90 against 0.75.
        string plain = Run("plain", 0.75, null);
        Assert.StartsWith("typical | ", plain);
        Assert.DoesNotContain("counted up to", plain);

        var score = new ValidationScore(0.8, 0.5, 0.9, 0.9);
        Assert.Equal(0.7, RouteChoice.UpToTheStimuli(score, 0.7).CategoryAgreement);
        Assert.Equal(score, RouteChoice.UpToTheStimuli(score, 0.95));
        Assert.Equal(score, RouteChoice.UpToTheStimuli(score, null));
    }

    [Fact]
    public void TestCategoriesNoTrainingTrialShowsAreACaveatAndACautionOnTheChoice()
    {
        var routes = Decoding.Tests.Decode.Routes.RouteTestData.Instance;
        using var folder = new TempFolder();
        string decoded = Copy(routes.Decode(new DecodingSettings { Route = "ridge-pixels" }), folder.Path, "route",
            ValidationRecord.Of(["train_1", "train_2"], new ValidationScore(0.8, 0.5, 0.9, 0.7)));
        // The same data with every training trial of the first test item's category relabelled to another category:
        // that category now occurs only among the test stimuli, as GOD's test categories do.
        var data = Fmri.Data.Layouts.CanonicalFile.Read(routes.DataFile);
        int unseen = DecodedImagesFile.Read(decoded).Categories[0];
        int other = data.CategoryLabels.First(c => c != unseen);
        var train = data.IndicesOf(Fmri.Data.DataSplit.Train).ToHashSet();
        var relabelled = data with { CategoryLabels = data.CategoryLabels.Select((c, i) => train.Contains(i) && c == unseen ? other : c).ToArray() };
        string heldOutData = folder.Sub("held-out.h5");
        Fmri.Data.Layouts.CanonicalFile.Write(heldOutData, relabelled);

        string Evaluate(string dataFile, string name)
        {
            string output = folder.Sub(name);
            var (exit, _, err) = EvaluateCommandRunner.Run("--decoded", decoded, "--stimuli", routes.StimuliFile, "--classifier",
                EvaluationTestData.Instance.ClassifierFolder, "--out", output, "--data", dataFile, "--ways", "2..4", "--permutations", "50", "--threads", "1");
            Assert.True(exit == 0, err);
            return output;
        }
        string heldOut = Evaluate(heldOutData, "held-out"), seen = Evaluate(routes.DataFile, "seen");
        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(heldOut, EvaluationReport.MetricsFile))))
            Assert.Equal(1, json.RootElement.GetProperty("data").GetProperty("test_categories_unseen_in_training").GetInt32());
        string md = File.ReadAllText(Path.Combine(heldOut, ReportWriter.MarkdownFile));
        Assert.Contains("Caution: 1 test categories never occur in the training trials", md);
        Assert.Contains("categories never occur in the training trials (as in Generic Object Decoding)", md);
        string seenMd = File.ReadAllText(Path.Combine(seen, ReportWriter.MarkdownFile));
        Assert.Contains("Route chosen on validation: route,", seenMd);
        Assert.DoesNotContain("never occur in the training trials", seenMd);

        // A route that chose on whole training categories held out of its fit (--validation-split categories): the choice
        // is named as such, and neither the caution nor the caveat's advice appear.
        decoded = Copy(decoded, folder.Path, "whole-route", ValidationRecord.Of(["train_1", "train_2"], new ValidationScore(0.8, 0.5, 0.9, 0.7), wholeCategories: true));
        string whole = File.ReadAllText(Path.Combine(Evaluate(heldOutData, "whole"), ReportWriter.MarkdownFile));
        Assert.Contains("on the same 2 validation stimuli held out of the training trials from whole training categories the routes were not fitted on", whole);
        Assert.DoesNotContain("Caution:", whole);
        Assert.Contains("chose it on whole training categories held out of their fit", whole);
        Assert.DoesNotContain("holds out whole training categories instead", whole);
        Assert.Contains("holds out whole training categories instead", md);
    }

    [Fact]
    public void ARecordSurvivesTheDecodedFileAndAnIncompleteOneIsNone()
    {
        // As decoded.h5 gives attributes back: their values as text.
        static Dictionary<string, string> AsText(ValidationRecord r) =>
            r.Attributes().ToDictionary(p => p.Key, p => Convert.ToString(p.Value, System.Globalization.CultureInfo.InvariantCulture)!);
        var record = ValidationRecord.Of(["a", "b"], new ValidationScore(0.123456789, -0.25, 0.5, 1.0 / 3));
        var text = AsText(record);
        Assert.Equal(record, ValidationRecord.FromAttributes(text));
        Assert.Equal(ShardRecord.Fingerprint(["a", "b"]), record.SplitFingerprint);
        var whole = record with { WholeCategories = true };
        Assert.Equal(whole, ValidationRecord.FromAttributes(AsText(whole)));
        // The stimuli's own agreement survives too; a file written before it was recorded holds none.
        var withOwn = record with { StimuliAgreement = 0.68 };
        var ownText = AsText(withOwn);
        Assert.Equal(withOwn, ValidationRecord.FromAttributes(ownText));
        ownText.Remove(ValidationRecord.StimuliAgreementAttribute);
        Assert.Equal(record, ValidationRecord.FromAttributes(ownText));
        // A file written before whole-category splits existed: a split of held-out stimuli.
        text.Remove(ValidationRecord.WholeCategoriesAttribute);
        Assert.Equal(record, ValidationRecord.FromAttributes(text));
        text.Remove(ValidationRecord.SsimAttribute);
        Assert.Null(ValidationRecord.FromAttributes(text));
    }

    [Fact]
    public void The_routes_above_the_stimuli_are_those_whose_agreement_exceeds_it()
    {
        static RouteChoiceCandidate Route(string name, double agreement) => new(name, "img2img", 8, "split", new ValidationScore(0.8, 0.5, 0.9, agreement), true);
        var candidates = new[] { Route("a", 0.9), Route("b", 0.68), Route("c", 0.7) };
        var choice = new RouteChoice("a", "rule", candidates, [], [], StimuliAgreement: 0.68);
        Assert.Equal(["a", "c"], choice.AboveTheStimuli.Select(c => c.Method));   // equal to it is not above
        Assert.Empty((choice with { StimuliAgreement = 0.95 }).AboveTheStimuli);
        Assert.Empty((choice with { StimuliAgreement = null }).AboveTheStimuli);
    }

    [Fact]
    public void A_selection_file_carries_the_stimuli_agreement_into_the_record()
    {
        // What decode --selection reads back from a --select run's selection.json, and writes into decoded.h5.
        var settings = new DecodingSettings { Route = Decoding.Decode.Routes.Img2ImgRoute.Name, Seed = 7 };
        var score = new ValidationScore(0.8, 0.5, 0.9, 0.7);
        var result = new SelectionResult(settings, new Dictionary<string, double>(), [], null, 2, 40, "rule", ValidationStimulusIds: ["train_1", "train_2"],
            ChosenScore: score, StimuliAgreement: 0.62);
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, SelectionFile.FileName);
        SelectionFile.Of(result, settings, "ddim", 16, new Dictionary<string, string> { ["data.h5"] = new string('a', 64) }).Write(path);
        var record = ValidationRecord.FromSelection(SelectionFile.Read(path, "selection").Result);
        Assert.Equal(ValidationRecord.Of(["train_1", "train_2"], score, stimuliAgreement: 0.62), record);
        // A selection.json written before the value was recorded: none.
        var old = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
        Assert.True(old["result"]!.AsObject().Remove("stimuli_agreement"));
        File.WriteAllText(path, old.ToJsonString());
        Assert.Null(ValidationRecord.FromSelection(SelectionFile.Read(path, "selection").Result)!.StimuliAgreement);
    }
}
