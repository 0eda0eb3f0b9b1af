using System.Globalization;
using Fmri.Data.Import;

namespace Fmri.Data.Layouts;

/// <summary>
/// The design as NSD ships it, <c>nsd_expdesign.mat</c> (MATLAB v5), read with the project's MAT-file reader:
/// <list type="bullet">
/// <item><c>masterordering</c> (1 x 30,000): for trial t of the 40-session experiment (750 trials per session), the
/// 1-based index of the image among the subject's 10,000;</item>
/// <item><c>subjectim</c> (8 x 10,000): for subject s, the 1-based NSD index (of 73,000) of each of those images;</item>
/// <item><c>sharedix</c> (1 x 1,000): the NSD indices of the shared 1,000 images, the test split.</item>
/// </list>
/// Trial t (0-based) is session t / 750 + 1 and shows image <c>subjectim[s, masterordering[t]]</c>. The file holds no
/// run numbers: each session's 750 trials are split into 12 runs of alternately 63 and 62 trials (63 + 62 + ... = 750),
/// as the NSD data manual gives them (63 stimulus trials in odd runs, 62 in even).
/// </summary>
public static class NsdExpDesign
{
    public const int TrialsPerSession = 750;

    /// <summary>Runs of one session, in order: 63, 62, 63, 62, ... (12 runs).</summary>
    private static readonly int[] RunLengths = [63, 62, 63, 62, 63, 62, 63, 62, 63, 62, 63, 62];

    /// <param name="subject">NSD subject, 1-8.</param>
    public static NsdDesign Read(string path, int subject)
    {
        if (subject is < 1 or > 8) throw new InvalidSettingException("nsd_subject", subject, "must be an NSD subject number 1..8");
        var file = ArrayFile.Read(path);
        double[] Numbers(string name)
        {
            if (!file.Has(name)) throw new DataFormatException(path, name, $"is missing: not NSD's nsd_expdesign.mat (masterordering, subjectim, sharedix); it holds {file.Listing()}");
            var array = file.Get(name, name);
            return array.Numbers ?? throw new DataFormatException(path, name, "holds text, expected numbers");
        }
        var order = Numbers("masterordering");
        var subjectImages = file.Get("subjectim", "subjectim");
        var images = Numbers("subjectim");
        var shared = Numbers("sharedix").Select(v => (int)v).ToHashSet();
        if (subjectImages.Shape.Length != 2 || subjectImages.Shape[0] < subject)
            throw new DataFormatException(path, "subjectim", $"is {NamedArray.FormatShape(subjectImages.Shape)}; expected subjects x images with a row for subject {subject}");
        int perSubject = subjectImages.Shape[1];
        int trials = order.Length - order.Length % TrialsPerSession;
        var sessions = new int[trials];
        var runs = new int[trials];
        var nsdIndices = new int[trials];
        var isShared = new bool[trials];
        for (int t = 0; t < trials; t++)
        {
            int k = (int)order[t];
            if (k < 1 || k > perSubject) throw new DataFormatException(path, "masterordering", $"trial {t + 1} names image {k}, outside 1..{perSubject}");
            int nsd = (int)images[(subject - 1) * perSubject + (k - 1)];
            sessions[t] = t / TrialsPerSession + 1;
            runs[t] = RunOf(t % TrialsPerSession);
            nsdIndices[t] = nsd;
            isShared[t] = shared.Contains(nsd);
        }
        var design = new NsdDesign
        {
            Sessions = sessions,
            Runs = runs,
            NsdIndices = nsdIndices,
            Shared1000 = isShared,
            Subject = string.Create(CultureInfo.InvariantCulture, $"subj{subject:D2}"),
        };
        design.Validate(path);
        return design;
    }

    private static int RunOf(int trialInSession)
    {
        for (int r = 0, start = 0; r < RunLengths.Length; start += RunLengths[r], r++)
            if (trialInSession < start + RunLengths[r]) return r + 1;
        return RunLengths.Length;
    }

    /// <summary>
    /// The subject number in a path such as <c>.../subj01/func1pt8mm/betas_session01.hdf5</c>, or null: the folder
    /// nearest the file whose whole name is NSD's <c>subjNN</c> (so <c>/scratch/subj08_rerun/ppdata/subj03/...</c> is subject 3).
    /// </summary>
    public static int? SubjectFromPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var folders = path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = folders.Length - 2; i >= 0; i--)
        {
            var match = System.Text.RegularExpressions.Regex.Match(folders[i], @"^subj0?(\d)$");
            if (match.Success) return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        return null;
    }
}
