using System.Text.Json;
using Decoding.Cli;
using Decoding.DoubleConditioning;
using Decoding.LatentDiffusion;
using Decoding.Tests.Cli;
using Decoding.Tests.DoubleConditioning;
using Fmri.Data.Layouts;
using static TorchSharp.torch;

namespace Decoding.Tests.Editing;

/// <summary>Saved tiny models for the editing commands: an untrained label LDM and a DC-LDM of the same UNet shape.</summary>
public sealed class TinyEditingFolders : IDisposable
{
    private readonly TempFolder folder = new();

    public TinyEditingFolders()
    {
        var pipeline = PromptToPromptTests.TinyPipeline(8);
        var ldm = new LatentDiffusionModelFolder(LdmFolder);
        var names = pipeline.ClassNames;
        using var means = rand([names.Count, 1, 16, 16], generator: new Generator(4));
        var consistency = new ClassConsistencyResult(names, 1, names.Select(_ => 0.5).ToList(), 0.5, names.Select(_ => (IReadOnlyList<int>)new int[names.Count]).ToList());
        ldm.SaveStaticParts(pipeline.Tokenizer, means, consistency, pipeline.Sampler.FirstStage);
        ldm.Checkpoint.Save(pipeline.Model, pipeline.Model.Config);

        var (fmri, stimuli) = SyntheticBrainData.Create(voxels: 64, trainPerClass: 1, testPerClass: 1);
        CanonicalFile.Write(Data, fmri);
        stimuli.Write(Stimuli);
        var (model, firstStage) = TinyDcLdm.WithAutoencoder(voxels: 64, seed: 3);
        new DoubleConditionedLdmFolder(AdapterFolder).Save(model, firstStage);
    }

    public string LdmFolder => folder.Sub("ldm");
    public string AdapterFolder => folder.Sub("adapter");
    public string Data => Path.Combine(folder.Path, "pre.h5");
    public string Stimuli => Path.Combine(folder.Path, "stimuli.h5");
    public string Sub(string name) => folder.Sub(name);

    public void Dispose() => folder.Dispose();
}

public class EditCommandsTests(TinyEditingFolders folders) : IClassFixture<TinyEditingFolders>
{
    private static (int Exit, string Out, string Err) Run(params string[] args) => CliTestHarness.Run(args);

    private static void AssertOneLineError((int Exit, string Out, string Err) run, string expected)
    {
        Assert.Equal(CliErrors.BadInput, run.Exit);
        var lines = run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on standard error, got:\n{run.Err}");
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
    }

    [Fact]
    public void Edit_writes_the_grid_images_measures_and_run_json()
    {
        string output = folders.Sub("edit");
        var run = Run("edit", "--model", folders.LdmFolder, "--prompt", "ankle boot", "--swap", "sneaker", "--reweight", "ankle=1", "ankle=0",
            "--plain", "--n", "2", "--steps", "3", "--seed", "5", "--threads", "1", "--out", output);
        Assert.True(run.Exit == 0, run.Err);
        Assert.True(File.Exists(Path.Combine(output, EditCommand.GridFile)));
        foreach (var file in new[] { "00-source.png", "01-edit1.png", "01-edit3.png", "00-plain1.png", "01-plain3.png" })
            Assert.True(File.Exists(Path.Combine(output, file)), $"edit did not write {file}");
        using var measures = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, EditCommand.MeasuresFile)));
        var columns = measures.RootElement.GetProperty("columns");
        Assert.Equal(7, columns.GetArrayLength());                                   // source, 3 edits, 3 plain
        Assert.Equal("ankle x1", columns[2].GetProperty("column").GetString());
        // Re-weighting by 1 changes nothing: its images are the source's, correlation 1.
        Assert.Equal(1.0, columns[2].GetProperty("pixel_correlation_with_source").GetDouble(), 6);
        Assert.True(measures.RootElement.GetProperty("attention_leverage").GetProperty("uniform_self_attention").GetDouble() >= 0);
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "run.json")));
        Assert.Equal("edit", manifest.RootElement.GetProperty("command").GetString());
        Assert.Equal(5, manifest.RootElement.GetProperty("seeds").GetProperty("sampling").GetInt64());
    }

    [Fact]
    public void A_rerun_with_fewer_edits_leaves_only_its_own_files()
    {
        string output = folders.Sub("edit-rerun");
        string[] Edit(params string[] extra) =>
            ["edit", "--model", folders.LdmFolder, "--prompt", "ankle boot", "--steps", "2", "--seed", "5", "--threads", "1", "--out", output, .. extra];
        var first = Run(Edit("--swap", "sneaker", "bag", "--plain", "--n", "2"));
        Assert.True(first.Exit == 0, first.Err);
        File.WriteAllText(Path.Combine(output, "notes.txt"), "the user's own file");
        var second = Run(Edit("--swap", "sneaker", "--n", "1"));
        Assert.True(second.Exit == 0, second.Err);
        // Only the second run's images remain beside the user's file: no '01-edit2.png' of another edit.
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "run.json")));
        var recorded = manifest.RootElement.GetProperty("outputs").EnumerateArray().Select(o => Path.GetFileName(o.GetString()!)).ToList();
        Assert.Equal(["00-edit1.png", "00-source.png", EditCommand.MeasuresFile, EditCommand.GridFile], recorded.Order(StringComparer.Ordinal));
        Assert.Equal(recorded.Append("notes.txt").Append("run.json").Order(StringComparer.Ordinal),
            Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("--n 1", "--swap: no edit given")]
    [InlineData("--refine sneaker", "refinement")]
    [InlineData("--swap triangle", "--swap 'triangle': unknown word(s) 'triangle'")]
    [InlineData("--refine triangle", "--refine 'triangle': unknown word(s) 'triangle'")]
    [InlineData("--reweight ankle=2=3", "--reweight 'ankle=2=3': must be WORD=FACTOR")]
    [InlineData("--reweight bag=2", "--reweight 'bag'")]
    [InlineData("--reweight ankle", "--reweight 'ankle'")]
    [InlineData("--swap sneaker --cross-steps 1.5", "--cross-steps 1.5")]
    [InlineData("--swap sneaker --sampler ddpm", "ddpm")]
    public void Bad_edit_arguments_are_one_line_errors_and_write_nothing(string arguments, string expected)
    {
        string output = folders.Sub("bad-edit");
        var run = Run(["edit", "--model", folders.LdmFolder, "--prompt", "ankle boot", "--steps", "2", "--threads", "1", "--out", output, .. arguments.Split(' ')]);
        AssertOneLineError(run, expected);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void An_output_path_that_is_a_file_is_refused_before_any_work()
    {
        string file = Path.Combine(folders.Sub("files"), "taken");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, "");
        AssertOneLineError(Run("edit", "--model", folders.LdmFolder, "--prompt", "sneaker", "--swap", "bag", "--threads", "1", "--out", file), "is an existing file");
        AssertOneLineError(Run("edit-decoded", "--model", folders.AdapterFolder, "--ldm", folders.LdmFolder, "--data", folders.Data, "--stimuli", folders.Stimuli,
            "--to", "bag", "--threads", "1", "--out", file), "is an existing file");
    }

    [Fact]
    public void Edit_decoded_writes_grid_and_measures_with_and_without_injection()
    {
        string output = folders.Sub("edit-decoded");
        var run = Run("edit-decoded", "--model", folders.AdapterFolder, "--ldm", folders.LdmFolder, "--data", folders.Data, "--stimuli", folders.Stimuli,
            "--to", "sneaker", "bag", "--items", "2", "--steps", "3", "--cross-steps", "0.5", "--threads", "1", "--out", output);
        Assert.True(run.Exit == 0, run.Err);
        Assert.True(File.Exists(Path.Combine(output, EditDecodedCommand.GridFile)));
        Assert.True(File.Exists(Path.Combine(output, "shape0_1-decoded.png")));
        Assert.True(File.Exists(Path.Combine(output, "shape0_1-bag-layout.png")));
        using var measures = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, EditDecodedCommand.MeasuresFile)));
        Assert.Equal(2, measures.RootElement.GetProperty("items").GetInt32());
        Assert.Equal(2, measures.RootElement.GetProperty("categories").GetArrayLength());
        Assert.Equal(0.5, measures.RootElement.GetProperty("schedule").GetProperty("cross_fraction").GetDouble());
    }

    [Theory]
    [InlineData("--to triangle", "--to 'triangle'")]
    [InlineData("--to ankle", "--to 'ankle'")]
    [InlineData("--to bag --self-steps 2", "--self-steps 2")]
    [InlineData("--to bag --items 0", "--items 0")]
    [InlineData("--to bag --split validation", "--split 'validation'")]
    public void Bad_edit_decoded_arguments_are_one_line_errors_and_write_nothing(string arguments, string expected)
    {
        string output = folders.Sub("bad-edit-decoded");
        var run = Run(["edit-decoded", "--model", folders.AdapterFolder, "--ldm", folders.LdmFolder, "--data", folders.Data, "--stimuli", folders.Stimuli,
            "--steps", "2", "--threads", "1", "--out", output, .. arguments.Split(' ')]);
        AssertOneLineError(run, expected);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Attention_writes_the_figure_and_maps_by_roi()
    {
        string output = folders.Sub("attention");
        var run = Run("attention", "--model", folders.AdapterFolder, "--data", folders.Data, "--stimuli", folders.Stimuli,
            "--items", "2", "--steps", "3", "--sampler", "ddim", "--threads", "1", "--out", output);
        Assert.True(run.Exit == 0, run.Err);
        Assert.True(File.Exists(Path.Combine(output, AttentionCommand.FigureFile)));
        // DDPM draws each step's noise too, from the item's generator.
        var ddpm = Run("attention", "--model", folders.AdapterFolder, "--data", folders.Data, "--stimuli", folders.Stimuli,
            "--items", "1", "--steps", "3", "--sampler", "ddpm", "--threads", "1", "--out", folders.Sub("attention-ddpm"));
        Assert.True(ddpm.Exit == 0, ddpm.Err);
        using var maps = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, AttentionCommand.MapsFile)));
        Assert.Equal("VC", maps.RootElement.GetProperty("rois")[0].GetString());          // none of the defaults: every ROI of the file
        var item = maps.RootElement.GetProperty("items")[0];
        Assert.Equal(1.0, item.GetProperty("maps")[0].EnumerateArray().Sum(v => v.GetDouble()), 4);
        // VC holds every voxel: all attention goes to it, in proportion to its size.
        Assert.Equal(1.0, item.GetProperty("attention_shares")[0].GetDouble(), 4);
        Assert.Equal(1.0, item.GetProperty("size_ratios")[0].GetDouble(), 4);
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "run.json")));
        Assert.Equal("attention", manifest.RootElement.GetProperty("command").GetString());
    }

    [Theory]
    [InlineData("--rois V1", "--rois V1: is not an ROI")]
    [InlineData("--items 0", "--items 0")]
    [InlineData("--sampler euler", "--sampler 'euler'")]
    [InlineData("--split validation", "--split 'validation'")]
    public void Bad_attention_arguments_are_one_line_errors_and_write_nothing(string arguments, string expected)
    {
        string output = folders.Sub("bad-attention");
        var run = Run(["attention", "--model", folders.AdapterFolder, "--data", folders.Data, "--stimuli", folders.Stimuli,
            "--steps", "2", "--threads", "1", "--out", output, .. arguments.Split(' ')]);
        AssertOneLineError(run, expected);
        Assert.False(Directory.Exists(output));
    }
}
