namespace Fmri.Data.Simulation;

/// <summary>The names of the files `decoding simulate` writes into its output folder (the demo and the cluster study find them by these).</summary>
public static class SimulatedFiles
{
    /// <summary>The shared stimulus file.</summary>
    public const string Stimuli = "stimuli.h5";

    /// <summary>Subject k's name: sim-01, sim-02, ...</summary>
    public static string SubjectName(int index) => $"sim-{index:D2}";

    /// <summary>The BData file is named after the subject, as GOD's files are (Subject3.h5), so readers recover the subject from it.</summary>
    public static string BDataFileName(string subject) => $"{subject}.h5";

    /// <summary>The truth file of subject <paramref name="index"/>: truth.h5 for a one-subject run, truth-01.h5, truth-02.h5, ... otherwise.</summary>
    public static string TruthFileName(int index, int subjects) => subjects == 1 ? "truth.h5" : $"truth-{index:D2}.h5";

    /// <summary>The pretraining pool of subject <paramref name="index"/>: pretraining-pool.h5 for a one-subject run, pretraining-pool-01.h5, ... otherwise.</summary>
    public static string PretrainingPoolFileName(int index, int subjects) => subjects == 1 ? "pretraining-pool.h5" : $"pretraining-pool-{index:D2}.h5";
}
