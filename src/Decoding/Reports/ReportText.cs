using System.Globalization;
using Decoding.Decode;
using Decoding.Evaluation;
using static Decoding.Reports.ReportTables;

namespace Decoding.Reports;

/// <summary>Sentences shared by report.md and report.html: the verdict at the top and the provenance list.</summary>
public static class ReportText
{
    /// <summary>The best decoding route: highest mean n-way accuracy at the largest n, then 2-way in features.</summary>
    public static MetricRow? BestRoute(EvaluationReport report)
        => report.Rows.Where(r => r.Kind == DecodedMethod.Route)
            .OrderByDescending(r => r.Largest.MeanOverSamples.Mean.Value).ThenByDescending(r => r.TwoWayFeatures.ReconstructionFixed.Mean.Value)
            .FirstOrDefault();

    /// <summary>The row of the route chosen on validation (<see cref="EvaluationReport.RouteChoice"/>), or null.</summary>
    public static MetricRow? ChosenOnValidation(EvaluationReport report)
        => report.RouteChoice is { } choice ? report.Rows.FirstOrDefault(r => r.Kind == DecodedMethod.Route && r.Name == choice.Chosen) : null;

    /// <summary>A few sentences with the key numbers and their intervals, for the top of the report.</summary>
    public static IEnumerable<string> Verdict(EvaluationReport report)
    {
        int nMax = report.Settings.Ways.Max();
        var best = BestRoute(report);
        if (best is null)
        {
            yield return "No decoding route was evaluated (only controls, baselines or references).";
            yield break;
        }
        if (ChosenOnValidation(report) is { } chosen)
        {
            var choice = report.RouteChoice!;
            string Validation(RouteChoiceCandidate c) => $"{c.Method} (agreement {Number(c.Score.CategoryAgreement)}, PixCorr {Number(c.Score.PixCorr)}, SSIM {Number(c.Score.Ssim)}"
                + (c.KeepsFloor ? ")" : ", under the floor)");
            string notCompared = string.Join("; ", new[]
            {
                choice.WithoutValidation.Count > 0 ? $"without a validation score: {string.Join(", ", choice.WithoutValidation)}" : "",
                choice.OtherSplits.Count > 0 ? $"on another validation split: {string.Join(", ", choice.OtherSplits)}" : "",
            }.Where(t => t.Length > 0));
            yield return $"Route chosen on validation: {chosen.Name}, by {choice.Rule}. Validation: {string.Join("; ", choice.Candidates.Select(Validation))}"
                + (notCompared.Length > 0 ? $" (not compared: {notCompared})" : "") + ". "
                + (choice.StimuliAgreement is double own
                    ? $"The validation stimuli themselves, a perfect reconstruction, score agreement {Number(own)}. "
                      + (choice.AboveTheStimuli.Count > 0
                          ? "Above it, with validation images more typical of their categories than the stimuli (there the agreement rewards typicality, "
                            + $"not faithfulness): {string.Join("; ", choice.AboveTheStimuli.Select(c => $"{c.Method} ({Number(c.Score.CategoryAgreement)})"))}. "
                          : "No compared route scores above it. ")
                    : "")
                + $"On the test stimuli it scores {nMax}-way top-1 {WithInterval(chosen.Largest.MeanOverSamples.Mean)}, 2-way identification in classifier features "
                + $"{WithInterval(chosen.TwoWayFeatures.ReconstructionFixed.Mean)}, PixCorr {WithInterval(chosen.PixCorr)}, SSIM {WithInterval(chosen.Ssim)}."
                + (report.Data.TestCategoriesUnseenInTraining > 0 && !choice.WholeCategories
                    ? $" Caution: {report.Data.TestCategoriesUnseenInTraining} test categories never occur in the training trials, and the choice was made on training categories (see the caveats)."
                    : "");
        }
        else yield return "No evaluated route recorded a validation score, so none was chosen on validation.";
        var top = best.Largest.MeanOverSamples;
        yield return $"Best decoding route on the test stimuli (a summary that chooses nothing): {best.Name}. {nMax}-way top-1 {WithInterval(top.Mean)} (chance {Number(1.0 / nMax)}; "
            + $"sign test over {top.Test!.Stimuli} stimuli p = {PValue(top.Test.PValue)}), 2-way identification in classifier features "
            + $"{WithInterval(best.TwoWayFeatures.ReconstructionFixed.Mean)}, in pixels {WithInterval(best.TwoWayPixels?.ReconstructionFixed)}, "
            + $"PixCorr {WithInterval(best.PixCorr)}, SSIM {WithInterval(best.Ssim)} (native geometry).";
        foreach (var control in report.Rows.Where(r => r.Kind == DecodedMethod.Control))
        {
            var c = control.Largest.MeanOverSamples;
            var features = control.TwoWayFeatures.ReconstructionFixed;
            bool above = c.Test!.Above(c.Mean.Value) || features.Test!.Above(features.Mean.Value);
            bool below = c.Test.Below(c.Mean.Value);
            string rule = c.Test.ControlPairing
                ? "the same images against the stimuli re-drawn controls give their donors"
                : "random pairings; this decoded file records no donors";
            yield return $"{ControlLabel(control.Name)}: {nMax}-way {WithInterval(c.Mean)}, chance range ({rule}) "
                + $"[{Number(c.Test.NullRange.Lower)}, {Number(c.Test.NullRange.Upper)}]: "
                + (above ? "ABOVE chance on n-way accuracy or feature identification: a control above chance points to leakage or a bug."
                    : "not above chance, as a control should be" + (below ? " (below it)." : "."))
                + (control.Control?.SameCategoryDonors is int same && same > 0 ? $" {same} items had to keep their category." : "");
        }
        // Every other row against the best route, stimulus by stimulus: the mean difference with a paired bootstrap interval.
        string Compared(MetricRow o, int index)
        {
            string pix = o.PixCorr is null || best.PixCorr is null ? "" : $", PixCorr {Number(o.PixCorr.Mean.Value)}";
            var difference = PairedDifference(top.PerItem, o.Largest.MeanOverSamples.PerItem, report.Settings, index);
            string versus = difference is null ? "" : $"; best route minus it {Signed(difference.Value)} [{Signed(difference.Lower)}, {Signed(difference.Upper)}]";
            return $"{o.Name} {Number(o.Largest.MeanOverSamples.Mean.Value)}{pix}{versus}";
        }
        var routes = report.Rows.Where(r => r.Kind == DecodedMethod.Route && r != best).ToList();
        if (routes.Count > 0)
            yield return $"Other routes ({nMax}-way; differences paired over stimuli, bootstrap 95%): {string.Join("; ", routes.Select((o, i) => Compared(o, i)))}.";
        var others = report.Rows.Where(r => r.Kind is DecodedMethod.Baseline or DecodedMethod.Reference && r != best).ToList();
        if (others.Count > 0)
            yield return $"Baselines and references ({nMax}-way; differences paired over stimuli, bootstrap 95%): {string.Join("; ", others.Select((o, i) => Compared(o, routes.Count + i)))}.";
    }

    /// <summary>The mean of a − b over the same stimuli with a bootstrap 95% interval over stimuli (null if the rows differ in length).</summary>
    public static Decoding.Metrics.Interval? PairedDifference(IReadOnlyList<double> a, IReadOnlyList<double> b, EvaluationSettings settings, int index)
    {
        if (a.Count != b.Count || a.Count == 0) return null;
        var differences = a.Zip(b, (x, y) => x - y).ToArray();
        return Decoding.Metrics.Interval.From(Decoding.Metrics.Bootstrap.MeanInterval(differences, new Random(settings.SubSeed("paired-difference", index)), settings.BootstrapResamples));
    }

    private static string Signed(double value) => (value >= 0 ? "+" : "") + Number(value);

    /// <summary>What was evaluated and how, as a readable list (folded in the HTML report).</summary>
    public static IEnumerable<string> Provenance(EvaluationReport report)
    {
        yield return $"Data: {report.Data.Origin}" + (string.IsNullOrEmpty(report.Data.Subject) ? "" : $", subject {report.Data.Subject}")
            + (report.Data.Rois.Count > 0 ? $", ROIs {string.Join(", ", report.Data.Rois)}" : "");
        foreach (var step in report.Data.ProvenanceSteps) yield return $"Preprocessing: {step}";
        yield return string.Create(CultureInfo.InvariantCulture, $"Test stimuli: {report.ItemStimulusIds.Count}; geometry: {report.Geometry.Rule}");
        yield return string.Create(CultureInfo.InvariantCulture,
            $"Scoring classifier: {report.Classifier.ClassCount} classes, held-out accuracy {Number(report.Classifier.TestAccuracy)} ({report.Classifier.TrainingData})");
        foreach (var (method, attributes) in report.Data.DecodedAttributes)
        {
            var keys = new[] { "sampler", "steps", "guidance", "strength", "blend", "best_of", "semantic_target", "seed", "control_seed", "model", "ldm" };
            var settings = keys.Where(attributes.ContainsKey).Select(k => $"{k} {attributes[k]}").ToList();
            if (settings.Count > 0) yield return $"{method}: {string.Join(", ", settings)}";
        }
        yield return string.Create(CultureInfo.InvariantCulture,
            $"Statistics: bootstrap intervals over stimuli ({report.Settings.BootstrapResamples} resamples); sign test over stimuli; "
            + $"null ranges from {report.Settings.Permutations} random pairings; seed {report.Settings.Seed}; tool {report.ToolVersion}");
        foreach (var (input, hash) in report.InputSha256) yield return $"SHA-256 {hash[..12]}… {input}";
    }

    /// <summary>"Control: img2img ..." for a control named "control: img2img ...", else "Control name".</summary>
    private static string ControlLabel(string name) =>
        name.StartsWith("control: ", StringComparison.Ordinal) ? "Control: " + name["control: ".Length..] : "Control " + name;
}
