using System.Globalization;
using Decoding.Decode;

namespace Decoding.Evaluation;

/// <summary>One route <see cref="RouteChoice"/> weighed: its chosen setting's validation score.</summary>
/// <param name="Method">The route's method name (its row in the report).</param>
/// <param name="KeepsFloor">Its validation PixCorr and SSIM are at least the floor's (true without a floor).</param>
public sealed record RouteChoiceCandidate(string Method, string Route, int Stimuli, string SplitFingerprint, ValidationScore Score, bool KeepsFloor);

/// <summary>
/// The decoding route chosen on validation: among the evaluated routes whose decoded files record how their chosen
/// setting did on a validation split of the training trials (<see cref="ValidationRecord"/>: img2img and semantic with
/// <c>decode --select</c>, encoding), on the same split, the rule every choice in this project uses
/// (<see cref="RouteSelection.Rank{T}"/>): routes keeping the fidelity floor first, then the highest category agreement,
/// ties to the higher PixCorr + SSIM, with one difference: each route's agreement counts only up to the validation
/// stimuli's own (<see cref="UpToTheStimuli"/>), so that no route wins by looking more typical of its category than the
/// stimuli themselves. (The settings inside a route are still chosen by the plain rule.) Nothing here sees a test
/// stimulus or the scoring classifier, so the chosen route's test scores are an honest estimate; the best route by test
/// scores, which the report also names, is a summary that chooses nothing.
/// </summary>
/// <param name="Chosen">The chosen route's method name.</param>
/// <param name="Candidates">The routes compared, in the rule's order (the chosen one first).</param>
/// <param name="WithoutValidation">Routes evaluated without a validation record (not compared: MinD-Vis is trained on
/// every training trial; lowlevel chooses its penalty by cross-validation; decodes given their settings).</param>
/// <param name="OtherSplits">Routes whose validation split differs from the compared one (not compared: their scores
/// are on other stimuli).</param>
/// <param name="WholeCategories">The compared split held out whole training categories (<c>decode --validation-split
/// categories</c>), so the choice was made on categories the routes were not fitted on.</param>
/// <param name="StimuliAgreement">The category agreement of the compared split's stimuli themselves, what a perfect
/// reconstruction would score (<see cref="ValidationRecord.StimuliAgreement"/>); null when no compared record holds it
/// or the records disagree.
/// Routes above it look more typical of their categories than the stimuli do.</param>
public sealed record RouteChoice(string Chosen, string Rule, IReadOnlyList<RouteChoiceCandidate> Candidates,
    IReadOnlyList<string> WithoutValidation, IReadOnlyList<string> OtherSplits, bool WholeCategories = false, double? StimuliAgreement = null)
{
    /// <summary>The compared routes whose validation category agreement is above the stimuli's own (none without it).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<RouteChoiceCandidate> AboveTheStimuli => StimuliAgreement is double own
        ? Candidates.Where(c => c.Score.CategoryAgreement > own).ToList()
        : [];

    /// <summary>
    /// <paramref name="score"/> with its category agreement counted at most up to <paramref name="stimuliAgreement"/>, the
    /// validation stimuli's own: a perfect reconstruction scores that, so agreement above it measures how typical of their
    /// categories the images look, not how faithful they are, and routes above it tie on agreement (then PixCorr + SSIM
    /// decide). Unchanged without the stimuli's value.
    /// </summary>
    public static ValidationScore UpToTheStimuli(ValidationScore score, double? stimuliAgreement)
    {
        ArgumentNullException.ThrowIfNull(score);
        return stimuliAgreement is double own && score.CategoryAgreement > own ? score with { CategoryAgreement = own } : score;
    }

    /// <summary>The choice among <paramref name="rows"/>' routes by their decoded files' <paramref name="attributes"/>
    /// (by method name); null when no route recorded a validation score.</summary>
    /// <param name="floor">The validation PixCorr and SSIM a route must keep; null: none.</param>
    public static RouteChoice? Choose(IReadOnlyList<MetricRow> rows, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> attributes, FidelityFloor? floor)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(attributes);
        var routes = rows.Where(r => r.Kind == DecodedMethod.Route).ToList();
        var recorded = routes
            .Select(r => (Row: r, Record: attributes.TryGetValue(r.Name, out var a) ? ValidationRecord.FromAttributes(a) : null))
            .ToList();
        var withRecord = recorded.Where(r => r.Record is not null).ToList();
        if (withRecord.Count == 0) return null;
        // The split most routes share (ties: the first route's).
        string split = withRecord.GroupBy(r => r.Record!.SplitFingerprint).OrderByDescending(g => g.Count()).First().Key;
        var candidates = withRecord.Where(r => r.Record!.SplitFingerprint == split)
            .Select(r => new RouteChoiceCandidate(r.Row.Name, r.Row.Route, r.Record!.Stimuli, split, r.Record.Score,
                floor is null || (r.Record.Score.PixCorr >= floor.PixCorr && r.Record.Score.Ssim >= floor.Ssim)))
            .ToList();
        // One split, one value; records that disagree (different data behind the same stimulus ids) give none.
        var recordedOwn = withRecord.Where(r => r.Record!.SplitFingerprint == split && r.Record.StimuliAgreement is not null)
            .Select(r => r.Record!.StimuliAgreement!.Value).Distinct().ToList();
        double? stimuliAgreement = recordedOwn.Count == 1 ? recordedOwn[0] : null;
        var ranked = RouteSelection.Rank(candidates, c => (c.KeepsFloor, UpToTheStimuli(c.Score, stimuliAgreement))).ToList();
        string kept = floor is null ? "" : string.Create(CultureInfo.InvariantCulture,
            $"those keeping validation PixCorr >= {floor.PixCorr:F3} and SSIM >= {floor.Ssim:F3} ({floor.Source}), then ");
        bool whole = withRecord.First(r => r.Record!.SplitFingerprint == split).Record!.WholeCategories;
        string agreement = stimuliAgreement is double own
            ? string.Create(CultureInfo.InvariantCulture, $"the highest category agreement counted up to the validation stimuli's own ({own:F3}; above it a route looks more typical of its category than the stimuli, not more faithful)")
            : "the highest category agreement";
        string rule = string.Create(CultureInfo.InvariantCulture, $"the routes' chosen settings on the same {candidates[0].Stimuli} validation stimuli held out of the training trials ")
            + (whole ? "from whole training categories the routes were not fitted on " : "")
            + "(no test stimulus, no scoring classifier): " + kept + agreement + ", ties to the higher PixCorr + SSIM"
            + (floor is not null && !candidates.Any(c => c.KeepsFloor) ? "; none kept the floor: the highest PixCorr + SSIM" : "");
        return new RouteChoice(ranked[0].Method, rule, ranked,
            recorded.Where(r => r.Record is null).Select(r => r.Row.Name).ToList(),
            withRecord.Where(r => r.Record!.SplitFingerprint != split).Select(r => r.Row.Name).ToList(), whole, stimuliAgreement);
    }
}
