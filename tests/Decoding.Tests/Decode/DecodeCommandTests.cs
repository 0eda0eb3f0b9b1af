using System.CommandLine;
using System.Text.Json;
using Decoding.Cli;
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
}
