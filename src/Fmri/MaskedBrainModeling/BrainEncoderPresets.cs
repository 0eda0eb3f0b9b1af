namespace Fmri.MaskedBrainModeling;

/// <summary>The masked brain autoencoder sizes the commands offer: tiny (tests), small (CPU demonstration), paper (MinD-Vis).</summary>
public static class BrainEncoderPresets
{
    public static IReadOnlyList<string> Names { get; } = ["tiny", "small", "paper"];

    /// <summary>The architecture called <paramref name="name"/> for <paramref name="numVoxels"/> voxels (a multiple of the patch size).</summary>
    public static MaskedBrainAutoencoderConfig FromName(string name, int numVoxels) => name switch
    {
        "tiny" => MaskedBrainAutoencoderConfig.Tiny(numVoxels),
        "small" => MaskedBrainAutoencoderConfig.Small(numVoxels),
        "paper" => MaskedBrainAutoencoderConfig.Paper(numVoxels),
        _ => throw new InvalidSettingException("preset", $"'{name}'", $"is unknown; choose one of {string.Join(", ", Names)}"),
    };
}
