using System.Globalization;
using System.Text.Json;
using Fmri.Core.IO;
using Fmri.Core.Runs;

namespace Decoding.Decode;

/// <summary>
/// <c>selection.json</c>: the settings <c>decode --select</c> chose on the validation split, with what they were chosen for
/// (route, seed, sampler, image size and the SHA-256 of the data, stimuli and LDM), so that the choice is made once and
/// every shard of a decode reuses it (<c>decode --selection FILE</c>) instead of choosing again: selection is deterministic
/// for a seed, but it decodes the whole validation grid, which costs more than a shard's share of the test items.
/// </summary>
/// <param name="Route">The route the settings were chosen for.</param>
/// <param name="Inputs">SHA-256 of the data, the stimuli and each file the LDM is loaded from (weights, EMA weights,
/// configs, tokenizer, class means), by full path.</param>
/// <param name="SemanticTarget">The chosen semantic target, by name in lower case (context, category, contrastive).</param>
/// <param name="Result">Everything the choice was made from (<see cref="SelectionResult"/>), as recorded in run.json.</param>
/// <param name="LowLevelPrior">The low-level latent's form, by name in lower case (none, category; files written before
/// it was chosen hold none).</param>
/// <param name="Start">img2img's start, by name in lower case (noised, inverted; files written before it was chosen hold noised).</param>
/// <param name="BestOf">img2img's candidates per item (files written before it was chosen hold 1).</param>
public sealed record SelectionFile(string Route, long Seed, string Sampler, int ImageSize, IReadOnlyDictionary<string, string> Inputs,
    string SemanticTarget, double Guidance, double Strength, double Blend, JsonElement Result, string LowLevelPrior = "none", string Start = "noised",
    int BestOf = 1)
{
    public const string FileName = "selection.json";

    /// <summary>The record of <paramref name="result"/> (<paramref name="chosen"/> are its settings).</summary>
    public static SelectionFile Of(SelectionResult result, DecodingSettings chosen, string sampler, int imageSize, IReadOnlyDictionary<string, string> inputs)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(chosen);
        return new SelectionFile(chosen.Route, chosen.Seed, sampler, imageSize, inputs, chosen.SemanticTarget.ToString().ToLowerInvariant(),
            chosen.Sampling.GuidanceScale, chosen.Img2Img.Strength, chosen.Img2Img.Blend, JsonSerializer.SerializeToElement(result, RunManifest.JsonOptions),
            chosen.LowLevelPrior.ToString().ToLowerInvariant(), chosen.Img2Img.Start.ToString().ToLowerInvariant(), chosen.Img2Img.BestOf);
    }

    /// <summary>The first 12 hex digits of a SHA-256 (all of a shorter, hand-edited value).</summary>
    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;

    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, RunManifest.JsonOptions) + "\n");

    /// <summary>Reads a selection.json.</summary>
    /// <exception cref="InvalidSettingException">Naming <paramref name="setting"/> when the file cannot be read.</exception>
    public static SelectionFile Read(string path, string setting)
    {
        try
        {
            return JsonSerializer.Deserialize<SelectionFile>(File.ReadAllText(path), RunManifest.JsonOptions) ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new InvalidSettingException(setting, path, $"is not a readable {FileName} (decode --select writes one): {e.Message}");
        }
    }

    /// <summary>
    /// The settings with this choice applied (semantic target, low-level prior, guidance, strength, blend, start, best-of;
    /// the kind of validation split it was chosen on), after checking that it was made
    /// for the same route, seed, sampler, image size and inputs; <paramref name="setting"/> names the option in errors.
    /// </summary>
    public DecodingSettings Apply(DecodingSettings settings, string sampler, int imageSize, IReadOnlyDictionary<string, string> inputs, string path, string setting)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(inputs);
        void Same(object mine, object theirs, string what) => Check.That(Equals(mine, theirs), setting, path,
            string.Create(CultureInfo.InvariantCulture, $"was chosen with {what} {theirs}, this decode uses {mine}"));
        Same(settings.Route, Route, "route");
        Same(settings.Seed, Seed, "seed");
        Same(sampler, Sampler, "sampler");
        Same(imageSize, ImageSize, "image size");
        foreach (var (file, hash) in Inputs)
            Check.That(inputs.TryGetValue(file, out var mine) && mine == hash, setting, path,
                $"was chosen on another {file} (SHA-256 {Short(hash)}, this decode's {(mine is null ? "is not an input" : Short(mine))})");
        Check.That(Enum.TryParse<Routes.SemanticTarget>(SemanticTarget, ignoreCase: true, out var target) && !int.TryParse(SemanticTarget, out _),
            setting, path, $"holds an unknown semantic target '{SemanticTarget}' (one of {string.Join(", ", Enum.GetNames<Routes.SemanticTarget>().Select(n => n.ToLowerInvariant()))})");
        Check.That(Enum.TryParse<Routes.LowLevelPrior>(LowLevelPrior, ignoreCase: true, out var prior) && !int.TryParse(LowLevelPrior, out _),
            setting, path, $"holds an unknown low-level prior '{LowLevelPrior}' (one of {string.Join(", ", Enum.GetNames<Routes.LowLevelPrior>().Select(n => n.ToLowerInvariant()))})");
        Check.That(Enum.TryParse<Routes.Img2ImgStart>(Start, ignoreCase: true, out var start) && !int.TryParse(Start, out _),
            setting, path, $"holds an unknown img2img start '{Start}' (one of {string.Join(", ", Enum.GetNames<Routes.Img2ImgStart>().Select(n => n.ToLowerInvariant()))})");
        Check.That(BestOf >= 1, setting, path, $"holds best-of {BestOf}; it must be 1 or more candidates per item");
        Check.That(settings.Route != Routes.Img2ImgRoute.Name || Diffusion.Img2Img.StepsRun(settings.Sampling.Steps, Strength) >= 1, setting, path,
            string.Create(CultureInfo.InvariantCulture, $"chose strength {Strength}, which runs no denoising step at this decode's {settings.Sampling.Steps} steps; decode with at least {Diffusion.Img2Img.FewestSteps(Strength)} steps"));
        return settings with
        {
            SemanticTarget = target,
            LowLevelPrior = prior,
            Sampling = settings.Sampling with { GuidanceScale = Guidance },
            Img2Img = settings.Img2Img with { Strength = Strength, Blend = Blend, Start = start, BestOf = BestOf },   // ILVR stays as the decode sets it
            ValidationWholeCategories = ValidationRecord.FromSelection(Result)?.WholeCategories ?? false,              // the split it was chosen on
        };
    }
}
