using System.CommandLine;
using System.Text.Json;
using Decoding.Cli;
using Decoding.Tests.Cli;
using Decoding.Decode;
using Decoding.DoubleConditioning;
using Decoding.Tests.DoubleConditioning;
using Fmri.Data.Layouts;
using PureHDF;
using Xunit;

namespace Decoding.Tests.Decode;

public sealed class DecodeCommandTests
{
    [Fact]
    public void Decode_writes_pngs_hdf5_grid_and_records_the_shuffle_control_and_rejects_bad_arguments()
    {
        using var folder = new TempFolder();
        var (fmri, stimuli) = SyntheticBrainData.Create(trainPerClass: 1, testPerClass: 1);
        string data = Path.Combine(folder.Path, "pre.h5"), images = Path.Combine(folder.Path, "stimuli.h5");
        CanonicalFile.Write(data, fmri);
        stimuli.Write(images);
        var (model, firstStage) = TinyDcLdm.PixelSpace(voxels: 64, seed: 3, imageSize: 8);
        string modelDir = Path.Combine(folder.Path, "model");
        new DoubleConditionedLdmFolder(modelDir).Save(model, firstStage);

        string output = Path.Combine(folder.Path, "decoded");
        var root = new RootCommand { DecodeCommand.Create() };
        string[] common = ["decode", "--route", "mindvis", "--model", modelDir, "--data", data, "--stimuli", images, "--threads", "1"];
        Assert.Equal(0, root.Parse([.. common, "--out", output, "--samples", "2", "--sampler", "ddim", "--steps", "3", "--shuffle-fmri"]).Invoke());

        using (var file = H5File.OpenRead(Path.Combine(output, DecodedImagesFile.FileName)))
        {
            var dataset = file.Dataset("images");
            Assert.Equal(new ulong[] { 4, 2, 8, 8, 1 }, dataset.Space.Dimensions);
            Assert.Equal(4, file.Dataset("stimulus_id").Read<string[]>().Length);
            Assert.Equal("ddim", file.Attribute("sampler").Read<string>());
            Assert.Equal("control", file.Attribute("kind").Read<string>());
            Assert.Equal("mindvis", file.Attribute("control_of").Read<string>());
            Assert.Equal(4, file.Dataset("fmri_order").Read<int[]>().Length);
        }
        Assert.True(File.Exists(Path.Combine(output, DecodingRun.GridFile)));
        Assert.True(File.Exists(Path.Combine(output, "shape0_1_1.png")));
        using (var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "run.json"))))
            Assert.True(run.RootElement.GetProperty("config").GetProperty("settings").GetProperty("shuffle_fmri").GetBoolean());

        Assert.Equal(2, root.Parse([.. common, "--out", output, "--sampler", "euler"]).Invoke());
        Assert.Equal(2, root.Parse([.. common, "--out", output, "--samples", "0"]).Invoke());
        Assert.Equal(2, root.Parse([.. common, "--out", output, "--split", "validation"]).Invoke());
        Assert.Equal(2, root.Parse(["decode", "--route", "mindvis", "--data", data, "--stimuli", images, "--out", output, "--threads", "1"]).Invoke());
        Assert.Equal(2, root.Parse(["decode", "--route", "img2img", "--data", data, "--stimuli", images, "--out", output, "--threads", "1"]).Invoke());
        Assert.Equal(2, root.Parse(["decode", "--route", "warp", "--data", data, "--stimuli", images, "--out", output, "--threads", "1"]).Invoke());
        Assert.Equal(2, root.Parse(["decode", "--route", "mindvis", "--model", Path.Combine(folder.Path, "nothing"), "--data", data, "--stimuli", images, "--out", output, "--threads", "1"]).Invoke());
    }

    [Fact]
    public void Ridge_maps_are_scored_for_the_repeats_the_decoded_samples_average_and_a_bad_count_is_one_line()
    {
        using var folder = new TempFolder();
        var (fmri, stimuli) = SyntheticBrainData.Create(trainPerClass: 6, testPerClass: 1, noise: 0.5);
        // The test samples are averages of 12 trials, as the file records.
        fmri = fmri with { RepeatCounts = fmri.Splits.Select(s => s == Fmri.Data.DataSplit.Test ? 12 : 1).ToArray() };
        string data = Path.Combine(folder.Path, "pre.h5"), images = Path.Combine(folder.Path, "stimuli.h5");
        CanonicalFile.Write(data, fmri);
        stimuli.Write(images);
        string[] common = ["decode", "--route", "ridge-pixels", "--data", data, "--stimuli", images, "--threads", "1"];

        string Description(string output)
        {
            using var file = H5File.OpenRead(Path.Combine(output, DecodedImagesFile.FileName));
            Assert.Equal(output.EndsWith("single", StringComparison.Ordinal) ? 1.0 : 12.0, file.Attribute("input_repeats").Read<double>());
            return file.Attribute("description").Read<string>();
        }

        var (exit, _, err) = CliTestHarness.Run([.. common, "--out", folder.Sub("averaged")]);
        Assert.True(exit == 0, err);
        Assert.Contains("scored for samples averaging 12 trials", Description(folder.Sub("averaged")));
        (exit, _, err) = CliTestHarness.Run([.. common, "--out", folder.Sub("single"), "--ridge-repeats", "1"]);
        Assert.True(exit == 0, err);
        Assert.DoesNotContain("averaging", Description(folder.Sub("single")));

        (exit, _, err) = CliTestHarness.Run([.. common, "--out", folder.Sub("bad"), "--ridge-repeats", "0.5"]);
        Assert.Equal(2, exit);
        Assert.Equal("error: --ridge-repeats 0.5: must be between 1 and 1000000", err.Trim());
        Assert.False(Directory.Exists(folder.Sub("bad")));
    }
}
