using Fmri.Core;
using Fmri.Data.Layouts;
using Fmri.Tests.Data;

namespace Fmri.Tests.Core;

/// <summary>
/// Where a run may write: never into an input's folder or over another command's record, never to a file path that
/// names a folder; and what the models read holds finite voxels only.
/// </summary>
public class OutputPathRulesTests
{
    [Fact]
    public void An_output_folder_that_is_an_input_folder_or_holds_an_input_file_is_refused()
    {
        using var temp = new TempFolder();
        string model = Directory.CreateDirectory(temp.File("model")).FullName;
        string data = temp.File("data.h5");
        File.WriteAllText(data, "x");

        var same = Assert.Throws<InvalidSettingException>(() => Check.OutputApart(model + "/", "out", "generate", (model, "model")));
        Assert.Equal("out", same.Setting);
        Assert.Contains("is also {model}", same.Problem);

        var holds = Assert.Throws<InvalidSettingException>(() => Check.OutputApart(temp.Path, "out", "decode", (null, "ldm"), (data, "data")));
        Assert.Contains($"holds {{data}} ({data})", holds.Problem);

        // A sub-folder of the input's folder, and options not given, are fine.
        Check.OutputApart(temp.File("decoded"), "out", "decode", (data, "data"), (null, "model"));
    }

    [Fact]
    public void A_folder_recording_another_commands_run_is_refused_and_the_same_commands_is_not()
    {
        using var temp = new TempFolder();
        string vae = Directory.CreateDirectory(temp.File("vae")).FullName;
        File.WriteAllText(Path.Combine(vae, "run.json"), """{ "command": "train-vae", "arguments": [] }""");

        var e = Assert.Throws<InvalidSettingException>(() => Check.OutputApart(vae, "out", "pretrain-mbm"));
        Assert.Contains("holds the record of a 'train-vae' run (run.json)", e.Problem);
        Check.OutputApart(vae, "out", "train-vae");

        // Commands that write the same output may replace each other's record (decode and merge).
        string merged = Directory.CreateDirectory(temp.File("merged")).FullName;
        File.WriteAllText(Path.Combine(merged, "run.json"), """{ "command": "merge" }""");
        Check.OutputApart(merged, "out", ["decode", "merge"]);
        Assert.Throws<InvalidSettingException>(() => Check.OutputApart(merged, "out", "evaluate"));

        // A run.json this program did not write names no command: nothing to protect by name.
        string other = Directory.CreateDirectory(temp.File("other")).FullName;
        File.WriteAllText(Path.Combine(other, "run.json"), "[1, 2]");
        Check.OutputApart(other, "out", "decode");
    }

    [Fact]
    public void An_output_file_path_ending_in_a_separator_is_refused_before_anything_is_made()
    {
        using var temp = new TempFolder();
        string path = temp.File("new") + "/";
        var e = Assert.Throws<InvalidSettingException>(() => Check.OutputFile(path, "out"));
        Assert.Contains("ends in a folder separator", e.Problem);
        Assert.False(Directory.Exists(temp.File("new")));
    }

    [Fact]
    public void Files_the_models_read_must_hold_finite_voxels()
    {
        using var temp = new TempFolder();
        string good = temp.File("good.h5"), bad = temp.File("bad.h5");
        var data = CanonicalFileTests.Generated(4, 3);
        CanonicalFile.Write(good, data);
        Assert.Equal(data.Voxels, CanonicalFile.ReadFinite(good).Voxels);

        var voxels = (float[])data.Voxels.Clone();
        voxels[2 * 3 + 1] = float.NaN;
        CanonicalFile.Write(bad, data with { Voxels = voxels });
        var e = Assert.Throws<DataFormatException>(() => CanonicalFile.ReadFinite(bad));
        Assert.Equal(bad, e.File);
        Assert.Contains("(sample 2, voxel 1)", e.Problem);
        Assert.True(float.IsNaN(CanonicalFile.Read(bad).Voxels[7]));   // the plain reader keeps it for preprocessing to drop
    }
}
