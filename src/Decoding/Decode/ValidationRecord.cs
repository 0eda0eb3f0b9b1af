using System.Globalization;
using System.Text.Json;
using Fmri.Core.Runs;

namespace Decoding.Decode;

/// <summary>
/// How the setting a route chose did on its validation split (<see cref="ValidationSplit"/>), recorded in the route's
/// decoded.h5 so that <c>evaluate</c> can choose between routes without the test stimuli (<c>Evaluation.RouteChoice</c>):
/// the split's size and fingerprint (routes that held out the same training stimuli have the same one) and the chosen
/// setting's <see cref="ValidationScore"/>, and how the split's stimuli themselves score by the same category judge.
/// </summary>
/// <param name="Stimuli">Training stimuli held out.</param>
/// <param name="SplitFingerprint">SHA-256 of the held-out stimulus ids in order (<see cref="ShardRecord.Fingerprint"/>).</param>
/// <param name="WholeCategories">The split held out whole training categories (<c>--validation-split categories</c>).</param>
/// <param name="StimuliAgreement">The category agreement of the validation stimuli themselves
/// (<see cref="NearestNeighbourCategoryJudge.StimuliAgreement"/>): what a perfect reconstruction would score. A chosen
/// setting above it scores higher than the truth would, so the agreement there rewards category-typical images over
/// faithful ones. Null in files written before it was recorded.</param>
public sealed record ValidationRecord(int Stimuli, string SplitFingerprint, ValidationScore Score, bool WholeCategories = false, double? StimuliAgreement = null)
{
    public const string StimuliAttribute = "validation_stimuli";
    public const string SplitAttribute = "validation_split_sha256";
    public const string PixCorrAttribute = "validation_pix_corr";
    public const string SsimAttribute = "validation_ssim";
    public const string PixelIdentificationAttribute = "validation_pixel_identification";
    public const string CategoryAgreementAttribute = "validation_category_agreement";
    public const string WholeCategoriesAttribute = "validation_whole_categories";
    public const string StimuliAgreementAttribute = "validation_stimuli_category_agreement";

    /// <summary>The record of a setting scored <paramref name="score"/> on the held-out stimuli <paramref name="stimulusIds"/>.</summary>
    public static ValidationRecord Of(IReadOnlyList<string> stimulusIds, ValidationScore score, bool wholeCategories = false, double? stimuliAgreement = null)
    {
        ArgumentNullException.ThrowIfNull(stimulusIds);
        ArgumentNullException.ThrowIfNull(score);
        return new ValidationRecord(stimulusIds.Count, ShardRecord.Fingerprint(stimulusIds), score, wholeCategories, stimuliAgreement);
    }

    /// <summary>The record in a <see cref="SelectionResult"/> as run.json and selection.json hold it (read back with the
    /// options it was written with); null for a selection written before the chosen score was recorded.</summary>
    public static ValidationRecord? FromSelection(JsonElement result)
    {
        var split = SplitOfSelection(result);
        if (split is null || !result.TryGetProperty(Name(nameof(SelectionResult.ChosenScore)), out var score) || score.ValueKind != JsonValueKind.Object)
            return null;
        return Of(split.Value.StimulusIds, score.Deserialize<ValidationScore>(RunManifest.JsonOptions)!, split.Value.WholeCategories, split.Value.StimuliAgreement);
    }

    /// <summary>The validation split a selection's result records (the held-out stimuli, whether they are whole
    /// categories, and the stimuli's own agreement when recorded), whatever it chose; null without the stimuli's ids.</summary>
    public static (string[] StimulusIds, bool WholeCategories, double? StimuliAgreement)? SplitOfSelection(JsonElement result)
    {
        if (result.ValueKind != JsonValueKind.Object
            || !result.TryGetProperty(Name(nameof(SelectionResult.ValidationStimulusIds)), out var ids) || ids.ValueKind != JsonValueKind.Array)
            return null;
        // decode --select records the split's kind with the chosen settings; sweep-table's best file beside them.
        bool wholeCategories = (result.TryGetProperty(Name(nameof(SelectionResult.Chosen)), out var chosen) && chosen.ValueKind == JsonValueKind.Object
            && chosen.TryGetProperty(Name(nameof(DecodingSettings.ValidationWholeCategories)), out var whole) && whole.ValueKind == JsonValueKind.True)
            || (result.TryGetProperty(Name(nameof(DecodingSettings.ValidationWholeCategories)), out var beside) && beside.ValueKind == JsonValueKind.True);
        double? stimuliAgreement = result.TryGetProperty(Name(nameof(SelectionResult.StimuliAgreement)), out var own) && own.ValueKind == JsonValueKind.Number
            ? own.GetDouble() : null;
        return (ids.Deserialize<string[]>(RunManifest.JsonOptions)!, wholeCategories, stimuliAgreement);
    }

    /// <summary>A property's name as <see cref="RunManifest.JsonOptions"/> writes it.</summary>
    private static string Name(string property) => RunManifest.JsonOptions.PropertyNamingPolicy?.ConvertName(property) ?? property;

    /// <summary>The decoded.h5 attributes that hold this record.</summary>
    public IEnumerable<KeyValuePair<string, object>> Attributes()
    {
        yield return new(StimuliAttribute, Stimuli);
        yield return new(SplitAttribute, SplitFingerprint);
        yield return new(PixCorrAttribute, Score.PixCorr);
        yield return new(SsimAttribute, Score.Ssim);
        yield return new(PixelIdentificationAttribute, Score.PixelIdentification);
        yield return new(CategoryAgreementAttribute, Score.CategoryAgreement);
        yield return new(WholeCategoriesAttribute, WholeCategories ? 1 : 0);
        if (StimuliAgreement is double own) yield return new(StimuliAgreementAttribute, own);
    }

    /// <summary>The record a decoded file's attributes hold, or null when they hold none (or an incomplete one).</summary>
    public static ValidationRecord? FromAttributes(IReadOnlyDictionary<string, string> attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (!attributes.TryGetValue(SplitAttribute, out var split) || string.IsNullOrEmpty(split)) return null;
        bool Number(string name, out double value)
        {
            value = double.NaN;
            return attributes.TryGetValue(name, out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
        }
        if (!attributes.TryGetValue(StimuliAttribute, out var stimuliText) || !int.TryParse(stimuliText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int stimuli)
            || !Number(PixCorrAttribute, out double pixCorr) || !Number(SsimAttribute, out double ssim)
            || !Number(PixelIdentificationAttribute, out double identification) || !Number(CategoryAgreementAttribute, out double agreement))
            return null;
        // Files written before whole-category splits existed hold no such attribute: a split of held-out stimuli.
        bool wholeCategories = attributes.TryGetValue(WholeCategoriesAttribute, out var whole) && whole == "1";
        // Nor, before it was recorded, the stimuli's own agreement.
        double? stimuliAgreement = Number(StimuliAgreementAttribute, out double own) ? own : null;
        return new ValidationRecord(stimuli, split, new ValidationScore(pixCorr, ssim, identification, agreement), wholeCategories, stimuliAgreement);
    }
}
