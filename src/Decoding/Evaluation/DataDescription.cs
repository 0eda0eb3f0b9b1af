namespace Decoding.Evaluation;

/// <summary>What the evaluated data are, as far as the inputs say.</summary>
/// <param name="Origin">"simulated", "real" or "unknown (no --data given)", read from the preprocessed file's provenance.</param>
/// <param name="Subject">Subject id from the preprocessed file, when given.</param>
/// <param name="Rois">ROI names of the preprocessed file, when given.</param>
/// <param name="ProvenanceSteps">Preprocessing steps recorded in the file.</param>
/// <param name="DecodedAttributes">Root attributes of each method's decoded.h5 (sampler, steps, seed, model, ...), by method name.</param>
/// <param name="Caveats">Comparability caveats, one sentence each.</param>
/// <param name="TestCategoriesUnseenInTraining">Categories of the test stimuli that no training trial shows (as in Generic
/// Object Decoding); 0 when they all occur in training, or without <c>--data</c>.</param>
public sealed record DataDescription(string Origin, string? Subject, IReadOnlyList<string> Rois, IReadOnlyList<string> ProvenanceSteps,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> DecodedAttributes, IReadOnlyList<string> Caveats,
    int TestCategoriesUnseenInTraining = 0);
