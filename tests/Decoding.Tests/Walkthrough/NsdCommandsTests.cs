using Decoding.Tests.Cli;
using Fmri.Data.Layouts;
using Fmri.Data.Stimuli;

namespace Decoding.Tests.Walkthrough;

/// <summary>
/// NSD as it ships, through the commands: inspect a bare betas file (HDF5 or NIfTI), preprocess it with
/// nsd_expdesign.mat, write the stimulus file from imgBrick; bad input gives one line and exit 2. Fixtures written by
/// scipy, h5py and nibabel (tests/Fmri.Tests/Data/Import/Fixtures/make_nsd_fixtures.py).
/// </summary>
public class NsdCommandsTests
{
    private static readonly string Folder = Path.Combine(RepositoryPaths.Root, "tests", "Fmri.Tests", "Data", "Import", "Fixtures", "nsd");

    private static string PathOf(string name) => Path.Combine(Folder, name);

    private static void AssertBadInput((int Exit, string Out, string Err) result, string expected, params string[] notWritten)
    {
        Assert.True(result.Exit == 2, $"exit {result.Exit}: {result.Err}{result.Out}");
        string line = result.Err.TrimEnd('\n');
        Assert.DoesNotContain('\n', line);
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
        foreach (string path in notWritten) Assert.False(File.Exists(path), $"{path} was written despite the error");
    }

    [Theory]
    [InlineData("subj02/betas_session01.hdf5", "HDF5 chunks 750 x 1 x 1 x 1")]
    [InlineData("subj02/betas_session01.nii.gz", "NIfTI-1, gzip-compressed")]
    public void Inspect_describes_a_bare_betas_file_and_what_preprocessing_needs(string betas, string storage)
    {
        var (exit, output, err) = CliTestHarness.Run("inspect", PathOf(betas));
        Assert.True(exit == 0, err);
        Assert.Contains("trials            750", output);
        Assert.Contains("volume            5 x 4 x 3 voxels (X x Y x Z): 60 per trial", output);
        Assert.Contains("dtype             int16; value / 300 = percent signal change", output);
        Assert.Contains(storage, output);
        Assert.Contains("first trial       min 0 %, max 0.06 %", output);
        Assert.Contains("--mask", output);
        Assert.Contains("--design    nsd_expdesign.mat", output);
        Assert.Contains("subject     2 (from the path", output);
    }

    [Fact]
    public void Preprocess_with_nsd_expdesign_then_stimuli_import_from_imgBrick_reads_that_sessions_images()
    {
        using var temp = new TempFolder();
        string pre = temp.Sub("pre.h5"), stimuli = temp.Sub("stimuli.h5");
        var (exit, _, err) = CliTestHarness.Run("preprocess", PathOf("subj02/betas_session01.nii.gz"), "--mask", PathOf("mask.h5"),
            "--design", PathOf("nsd_expdesign.mat"), "--roi", "all", "-o", pre);
        Assert.True(exit == 0, err);
        var data = CanonicalFile.Read(pre);
        Assert.Equal("subj02", data.Subject);
        var expectedIds = NsdExpDesign.Read(PathOf("nsd_expdesign.mat"), 2).NsdIndices.Take(750).Select(NsdDesign.StimulusOf).Distinct().Order().ToArray();
        Assert.Equal(expectedIds, data.StimulusIds.Distinct().Order().ToArray());

        (exit, _, err) = CliTestHarness.Run("stimuli", "import", PathOf("nsd_stimuli.hdf5"), "--data", pre, "--image-size", "16", "-o", stimuli);
        Assert.True(exit == 0, err);
        var set = StimulusImageFile.Read(stimuli);
        Assert.Equal(expectedIds, set.StimulusIds.Order().ToArray());
        Assert.Equal((16, 16, 3), (set.Height, set.Width, set.Channels));
        // Padding centres the 10 x 12 image: row 3, column 2 of the 16 x 16 is pixel (0, 0) of the brick's image.
        int index = int.Parse(set.StimulusIds[0].Value["nsd_".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal((7 * (index - 1)) % 256, set.Pixels[(3 * 16 + 2) * 3]);
        // The run records the brick by the bytes it read (the SHA-256 of those images), not by hashing all of it.
        using var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(temp.Sub("stimuli.run.json")));
        var hashes = manifest.RootElement.GetProperty("input_sha256").EnumerateObject().ToList();
        Assert.Contains(hashes, h => h.Name == $"{PathOf("nsd_stimuli.hdf5")} (the {expectedIds.Length} images read, in stimulus order)" && h.Value.GetString()!.Length == 64);
        Assert.Contains(hashes, h => h.Name == pre);
    }

    [Fact]
    public void Bad_nsd_input_gives_one_line_and_exit_2()
    {
        using var temp = new TempFolder();
        string outPath = temp.Sub("out.h5");
        AssertBadInput(CliTestHarness.Run("stimuli", "import", PathOf("nsd_stimuli.hdf5"), "-o", outPath), "--data: is required with", outPath);
        // The message counts the brick's own images (make_nsd_fixtures.py writes 120), not NSD's 73,000.
        AssertBadInput(CliTestHarness.Run("stimuli", "import", PathOf("nsd_stimuli.hdf5"), "-o", outPath), "the brick holds 120 images", outPath);
        // An HDF5 file without /imgBrick (here NSD's mask, whose only member is /mask) is named as such, not as "neither a
        // MAT-file nor NumPy".
        AssertBadInput(CliTestHarness.Run("stimuli", "import", PathOf("mask.h5"), "--data", PathOf("subj02/betas_session01.hdf5"), "-o", outPath),
            "mask.h5: /imgBrick: is missing: an HDF5 source is read as NSD's nsd_stimuli.hdf5 (/imgBrick, images x 425 x 425 x 3 uint8); this file holds /mask", outPath);
        AssertBadInput(CliTestHarness.Run("stimuli", "import", PathOf("nsd_stimuli.hdf5"), "--data", PathOf("subj02/betas_session01.hdf5"), "-o", outPath),
            "is an NSD betas file; give the file 'decoding preprocess' wrote", outPath);

        // No subjNN folder in the path: the subject must be given.
        string betas = temp.Sub("betas_session01.nii.gz");
        File.Copy(PathOf("subj02/betas_session01.nii.gz"), betas);
        AssertBadInput(CliTestHarness.Run("preprocess", betas, "--mask", PathOf("mask.h5"), "--design", PathOf("nsd_expdesign.mat"), "--roi", "all", "-o", outPath),
            "--nsd-subject: is required with NSD's nsd_expdesign.mat", outPath);
        AssertBadInput(CliTestHarness.Run("preprocess", betas, "--mask", PathOf("mask.h5"), "--design", PathOf("nsd_expdesign.mat"), "--nsd-subject", "9", "--roi", "all", "-o", outPath),
            "--nsd-subject 9: must be an NSD subject number 1..8", outPath);
        var (exit, _, err) = CliTestHarness.Run("preprocess", betas, "--mask", PathOf("mask.h5"), "--design", PathOf("nsd_expdesign.mat"), "--nsd-subject", "2", "--roi", "all", "-o", outPath);
        Assert.True(exit == 0, err);

        // A 3-D mask where 4-D betas belong; a betas file without its design.
        AssertBadInput(CliTestHarness.Run("inspect", CliTestHarness.Fixture("nsdgeneral.nii.gz")), "NSD betas are 4-D, X x Y x Z x trials");
        AssertBadInput(CliTestHarness.Run("preprocess", PathOf("subj02/betas_session01.hdf5"), "--mask", PathOf("mask.h5"), "-o", temp.Sub("x.h5")),
            "--design: is required for the NSD betas file", temp.Sub("x.h5"));
    }
}
