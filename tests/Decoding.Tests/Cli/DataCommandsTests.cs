using System.Text.Json;
using Decoding.Cli;
using Fmri.Data;
using Fmri.Data.Layouts;
using Fmri.Data.Stimuli;

namespace Decoding.Tests.Cli;

/// <summary>The data-layer commands run from the command line on the committed fixtures and on simulated data.</summary>
public class DataCommandsTests
{
    [Fact]
    public void Help_works_for_the_program_and_every_command()
    {
        var (exit, output, _) = CliTestHarness.Run("--help");
        Assert.Equal(0, exit);
        foreach (var name in new[] { "simulate", "preprocess", "inspect", "benchmark" }) Assert.Contains(name, output);
        foreach (var name in new[] { "simulate", "preprocess", "inspect", "benchmark" })
        {
            var (e, o, _) = CliTestHarness.Run(name, "--help");
            Assert.Equal(0, e);
            Assert.Contains("Usage", o);
        }
    }

    [Fact]
    public void Benchmark_read_times_the_project_reader_against_h5py_on_an_old_gzip_file_and_a_new_one()
    {
        using var folder = new TempFolder();
        foreach (string storage in new[] { "gzip", "contiguous" })
        {
            string file = Path.Combine(folder.Path, storage + ".h5");
            var (made, _, makeError) = CliTestHarness.Run("benchmark", "make-file", file, "--samples", "70", "--voxels", "30", "--storage", storage);
            Assert.True(made == 0, makeError);
            var (exit, output, err) = CliTestHarness.Run("benchmark", "read", file, "--repeats", "1");
            Assert.True(exit == 0, err);
            Assert.Contains(storage == "gzip" ? "chunks 64 x 30" : "contiguous", output);
            Assert.Matches(@"read: whole data set, fresh memory\s+1\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+h5py, same fields, fresh memory", output);
            Assert.Matches(@"read: whole data set, repeated\s+1\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+h5py, same fields", output);
            Assert.Contains("load average", output);
        }
        // Bad inputs are refused before anything is measured or printed: one line on standard error, nothing on standard out.
        string junk = Path.Combine(folder.Path, "junk.h5");
        File.WriteAllText(junk, "not an HDF5 file");
        foreach (var arguments in new[]
        {
            new[] { "benchmark", "read", junk },
            ["benchmark", "all", "--file", junk, "--repeats", "1"],
        })
        {
            var (exit, output, err) = CliTestHarness.Run(arguments);
            Assert.Equal(2, exit);
            Assert.Equal($"error: {junk}: file: is not an HDF5 file (no HDF5 signature)", err.Trim());
            Assert.Equal("", output.Trim());
        }
        var library = CliTestHarness.Run("benchmark", "sample-step", "--python-library-path", Path.Combine(folder.Path, "no-such-folder"), "--repeats", "1");
        Assert.Equal(2, library.Exit);
        Assert.StartsWith($"error: --python-library-path {Path.Combine(folder.Path, "no-such-folder")}: folder not found", library.Err.Trim());
        Assert.Equal("", library.Out.Trim());
    }

    [Theory]
    [InlineData("bdata_current.h5")]
    [InlineData("bdata_legacy.h5")]
    [InlineData("canonical.h5")]
    public void Inspect_describes_each_fixture_layout(string fixture)
    {
        var (exit, output, err) = CliTestHarness.Run("inspect", CliTestHarness.Fixture(fixture));
        Assert.True(exit == 0, err);
        Assert.Contains("layout", output);
        Assert.Contains("Samples per split", output);
    }

    [Fact]
    public void Inspect_lists_a_NumPy_export_s_arrays_and_names_the_command_that_reads_it()
    {
        string npz = Path.Combine(RepositoryPaths.Root, "tests/Fmri.Tests/Data/Import/Fixtures/arrays.npz");
        var (exit, output, err) = CliTestHarness.Run("inspect", npz);
        Assert.True(exit == 0, err);
        Assert.Contains("NumPy .npz: not an fMRI layout read directly; 'decoding import' makes the project's fMRI file of it", output);
        Assert.Contains("NumPy .npz variables", output);
    }

    [Fact]
    public void Inspect_on_a_bare_betas_file_says_which_session_it_holds_or_that_it_needs_nsd_session()
    {
        using var temp = new TempFolder();
        var (exit, output, err) = CliTestHarness.Run("inspect", CliTestHarness.Fixture("betas_session01.hdf5"));
        Assert.True(exit == 0, err);
        Assert.Contains("session     1 (from the name; --nsd-session overrides)", output);
        string unnamed = temp.Sub("sub03_run2_betas.hdf5");
        File.Copy(CliTestHarness.Fixture("betas_session01.hdf5"), unnamed);
        (exit, output, err) = CliTestHarness.Run("inspect", unnamed);
        Assert.True(exit == 0, err);
        Assert.Contains("--nsd-session N   the session (no betas_sessionNN or ses-NN in the name)", output);
        Assert.Contains("--design nsd_expdesign.mat --nsd-session N --roi all", output);
    }

    [Fact]
    public void Inspect_reads_the_nsd_fixture_with_its_mask_and_design()
    {
        var (exit, output, err) = CliTestHarness.Run("inspect", CliTestHarness.Fixture("betas_session01.hdf5"),
            "--mask", CliTestHarness.Fixture("nsdgeneral.nii.gz"), "--design", CliTestHarness.Fixture("nsd_design.json"));
        Assert.True(exit == 0, err);
        Assert.Contains("nsd", output);
    }

    [Fact]
    public void Preprocess_reads_an_NSD_subject_s_sessions_as_one_data_set_so_repeats_from_different_sessions_meet()
    {
        using var temp = new TempFolder();
        string output = temp.Sub("nsd.h5");
        string[] sessions = [CliTestHarness.Fixture("betas_session01.hdf5"), CliTestHarness.Fixture("betas_session02.hdf5")];
        var (exit, stdout, err) = CliTestHarness.Run(["preprocess", .. sessions, "--mask", CliTestHarness.Fixture("nsdgeneral.nii.gz"),
            "--design", CliTestHarness.Fixture("nsd_design.json"), "--roi", "all", "--patch-size", "1", "-o", output]);
        Assert.True(exit == 0, err);
        Assert.Contains($"Preprocessed {sessions[0]}, {sessions[1]}", stdout);
        var data = CanonicalFile.Read(output);
        // The fixture's design shows the shared image 829 once in each session: one test sample of 2 presentations.
        int test = Assert.Single(Enumerable.Range(0, data.SampleCount), i => data.Splits[i] == DataSplit.Test);
        Assert.Equal("nsd_00829", data.StimulusIds[test].Value);
        Assert.Equal(2, data.RepeatCounts[test]);
        Assert.Equal(8, data.SampleCount - 1);
        Assert.Contains("nsd_sessions(sessions=1 2)", data.Provenance.Steps.Select(s => s.ToString()));
        string record = File.ReadAllText(Path.ChangeExtension(output, ".run.json"));
        foreach (var session in sessions) Assert.Contains(JsonEncodedText.Encode(session).ToString(), record);

        // Several files of another layout are refused with one line naming the file.
        (exit, _, err) = CliTestHarness.Run("preprocess", CliTestHarness.Fixture("bdata_current.h5"), CliTestHarness.Fixture("canonical.h5"), "-o", temp.Sub("x.h5"));
        Assert.Equal(CliErrors.BadInput, exit);
        Assert.StartsWith($"error: input {CliTestHarness.Fixture("bdata_current.h5")}: is a BData file; several inputs are read together only as NSD betas sessions", err);
        Assert.False(File.Exists(temp.Sub("x.h5")));
    }

    [Fact]
    public void Preprocess_takes_the_session_of_an_unnamed_betas_file_from_nsd_session_and_refuses_it_without()
    {
        using var temp = new TempFolder();
        string unnamed = temp.Sub("sub01_betas.hdf5");
        File.Copy(CliTestHarness.Fixture("betas_session02.hdf5"), unnamed);
        string[] common = ["--mask", CliTestHarness.Fixture("nsdgeneral.nii.gz"), "--design", CliTestHarness.Fixture("nsd_design.json"), "--roi", "all", "--patch-size", "1"];
        var (exit, _, err) = CliTestHarness.Run(["preprocess", unnamed, .. common, "-o", temp.Sub("none.h5")]);
        Assert.Equal(CliErrors.BadInput, exit);
        Assert.StartsWith($"error: --nsd-session: is required: {unnamed} has no session number in its name", err);
        Assert.False(File.Exists(temp.Sub("none.h5")));

        (exit, _, err) = CliTestHarness.Run(["preprocess", unnamed, "--nsd-session", "2", .. common, "-o", temp.Sub("given.h5")]);
        Assert.True(exit == 0, err);
        (exit, _, err) = CliTestHarness.Run(["preprocess", CliTestHarness.Fixture("betas_session02.hdf5"), .. common, "-o", temp.Sub("named.h5")]);
        Assert.True(exit == 0, err);
        var given = CanonicalFile.Read(temp.Sub("given.h5"));
        var named = CanonicalFile.Read(temp.Sub("named.h5"));
        Assert.Equal(named.StimulusIds, given.StimulusIds);
        Assert.Equal(named.Voxels, given.Voxels);
    }

    [Fact]
    public void Preprocess_writes_a_canonical_file_with_summary_and_manifest_from_a_bdata_fixture()
    {
        string dir = Directory.CreateTempSubdirectory("pre").FullName;
        string output = Path.Combine(dir, "pre.h5");
        string input = CliTestHarness.Fixture("bdata_current.h5");
        byte[] before = File.ReadAllBytes(input);
        var (exit, stdout, err) = CliTestHarness.Run("preprocess", input, "-o", output, "--roi", "all", "--patch-size", "4");
        Assert.True(exit == 0, err);
        Assert.Equal(before, File.ReadAllBytes(input)); // the input is never touched
        var data = CanonicalFile.Read(output);
        Assert.Equal(0, data.VoxelCount % 4);
        Assert.Contains(data.Provenance.Steps, s => s.Name == "zscore");
        Assert.True(File.Exists(Path.Combine(dir, "pre.summary.txt")));
        Assert.Contains("\"input_sha256\"", File.ReadAllText(Path.Combine(dir, "pre.run.json")));
        Assert.Contains("Leakage check", stdout);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp")); // nothing half-written left behind
    }

    [Fact]
    public void Bad_input_prints_one_line_naming_the_file_and_exits_2()
    {
        string dir = Directory.CreateTempSubdirectory("bad").FullName;
        string missing = Path.Combine(dir, "nope.h5");
        var (exit, _, err) = CliTestHarness.Run("inspect", missing);
        Assert.Equal(2, exit);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("nope.h5", err);

        string notHdf5 = Path.Combine(dir, "text.h5");
        File.WriteAllText(notHdf5, "hello");
        (exit, _, err) = CliTestHarness.Run("preprocess", notHdf5, "-o", Path.Combine(dir, "out.h5"));
        Assert.Equal(2, exit);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("text.h5", err);
        Assert.False(File.Exists(Path.Combine(dir, "out.h5")));
    }

    /// <summary>preprocess writes pre.h5, pre.summary.txt and pre.run.json: a folder where one of the side files goes is
    /// found before any work, as one line naming the option, and nothing is written (it used to write pre.h5 and the
    /// summary, then fail on the record with a stack trace).</summary>
    [Fact]
    public void A_folder_in_the_way_of_a_side_file_is_refused_before_anything_is_written()
    {
        string dir = Directory.CreateTempSubdirectory("side").FullName;
        Directory.CreateDirectory(Path.Combine(dir, "pre.run.json"));
        var (exit, _, err) = CliTestHarness.Run("preprocess", CliTestHarness.Fixture("bdata_current.h5"), "-o", Path.Combine(dir, "pre.h5"), "--roi", "all");
        Assert.Equal(2, exit);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("--out", err);
        Assert.Contains("pre.run.json", err);
        Assert.Equal([Path.Combine(dir, "pre.run.json")], Directory.GetFileSystemEntries(dir));
    }

    /// <summary>A full disk reaches the command wrapped (PureHDF's writer throws a TargetInvocationException around the
    /// IOException): the one-line handler finds it inside wrappers and aggregates, and nothing else.</summary>
    [Fact]
    public void An_io_failure_is_found_inside_the_exceptions_that_wrap_it()
    {
        var full = new IOException("No space left on device");
        Assert.Same(full, Decoding.Cli.CliErrors.InputOutputFailure(new System.Reflection.TargetInvocationException(full)));
        Assert.Same(full, Decoding.Cli.CliErrors.InputOutputFailure(new AggregateException(new InvalidOperationException("other"), new InvalidOperationException("wrap", full))));
        Assert.Null(Decoding.Cli.CliErrors.InputOutputFailure(new System.Reflection.TargetInvocationException(new InvalidOperationException("a bug"))));
    }

    [Fact]
    public void Preprocess_refuses_to_overwrite_its_input()
    {
        string dir = Directory.CreateTempSubdirectory("same").FullName;
        string copy = Path.Combine(dir, "in.h5");
        File.Copy(CliTestHarness.Fixture("canonical.h5"), copy);
        byte[] before = File.ReadAllBytes(copy);
        var (exit, _, err) = CliTestHarness.Run("preprocess", copy, "-o", copy, "--roi", "all");
        Assert.Equal(2, exit);
        Assert.Contains("overwrite", err);
        Assert.Equal(before, File.ReadAllBytes(copy));
    }

    [Fact]
    public void Simulate_then_preprocess_then_inspect_on_a_small_simulated_subject()
    {
        string dir = Directory.CreateTempSubdirectory("sim").FullName;
        var (exit, _, err) = CliTestHarness.Run("simulate", "--out", dir, "--train-per-category", "4", "--test-per-category", "1",
            "--test-repeats", "3", "--train-runs", "2", "--seed", "5");
        Assert.True(exit == 0, err);
        string bdata = Path.Combine(dir, "sim-01.h5");
        Assert.True(File.Exists(Path.Combine(dir, "stimuli.h5")) && File.Exists(Path.Combine(dir, "truth.h5")));
        // Every stimulus comes from the experiment pool (t10k images 0-4,999), never from the images the classifier,
        // VAE and LDM learn from (the train half, or t10k 5,000-9,999 when only the shipped copy exists).
        var stimuli = StimulusImageFile.Read(Path.Combine(dir, "stimuli.h5"));
        Assert.Equal(50, stimuli.Count);
        Assert.All(stimuli.StimulusIds, id => Assert.True(id.TryGetSynsetAndImage(out _, out int image) && image < FashionMnist.ExperimentPoolSize, id.Value));
        string pre = Path.Combine(dir, "pre.h5");
        (exit, _, err) = CliTestHarness.Run("preprocess", bdata, "-o", pre);
        Assert.True(exit == 0, err);
        var data = CanonicalFile.Read(pre);
        // 10 categories: 40 training samples, 10 test stimuli averaged over 3 repeats each; VC padded to a multiple of 16.
        Assert.Equal(40, data.IndicesOf(DataSplit.Train).Length);
        Assert.Equal(10, data.IndicesOf(DataSplit.Test).Length);
        Assert.All(data.IndicesOf(DataSplit.Test), i => Assert.Equal(3, data.RepeatCounts[i]));
        Assert.Equal(0, data.VoxelCount % 16);
        Assert.Equal("sim-01", data.Subject);
        (exit, var report, err) = CliTestHarness.Run("inspect", pre);
        Assert.True(exit == 0, err);
        Assert.Contains("sim-01", report);
    }
}

public class CommandLineParsingTests
{
    [Fact]
    public void A_malformed_command_line_prints_one_line_and_exits_2()
    {
        var (exit, _, err) = CliTestHarness.Run("simulate", "--out", "/tmp/x", "--seed", "abc");
        Assert.Equal(2, exit);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("abc", err);
    }
}
