using Decoding.Decode;
using Decoding.Tests.Cli;
using PureHDF;

namespace Decoding.Tests.Decode.Routes;

/// <summary>
/// <c>decode --route img2img --ilvr-block N</c> on the route tests' data (tiny LDM, 4x4 latent): the option reaches the
/// sampler (other images than without it, recorded in decoded.h5), and blocks that do not divide the latent, or a
/// sampler ILVR cannot follow, are one-line errors naming the flag.
/// </summary>
public sealed class IlvrDecodeTests
{
    [Fact]
    public void The_block_option_changes_the_images_is_recorded_and_bad_values_are_refused()
    {
        var data = RouteTestData.Instance;
        using var folder = new TempFolder();
        string[] common = ["decode", "--route", "img2img", "--ldm", data.LdmFolder, "--data", data.DataFile, "--stimuli", data.StimuliFile,
            "--samples", "1", "--steps", "4", "--strength", "0.75", "--seed", "5", "--threads", "1"];
        string plain = folder.Sub("plain"), ilvr = folder.Sub("ilvr");
        Assert.Equal(0, CliTestHarness.Run([.. common, "--out", plain]).Exit);
        Assert.Equal(0, CliTestHarness.Run([.. common, "--ilvr-block", "2", "--out", ilvr]).Exit);

        byte[] Images(string dir, out int block)
        {
            using var file = H5File.OpenRead(Path.Combine(dir, DecodedImagesFile.FileName));
            block = file.Attribute("ilvr_block").Read<int>();
            return file.Dataset("images").Read<byte[]>();
        }
        var without = Images(plain, out int off);
        var with = Images(ilvr, out int two);
        Assert.Equal((0, 2), (off, two));
        Assert.NotEqual(without, with);

        var (exit, _, err) = CliTestHarness.Run([.. common, "--ilvr-block", "3", "--out", folder.Sub("three")]);
        Assert.Equal(2, exit);
        Assert.Contains("--ilvr-block 3: must divide the latent's height and width (4 x 4)", err);
        (exit, _, err) = CliTestHarness.Run([.. common, "--ilvr-block", "2", "--sampler", "plms", "--out", folder.Sub("plms")]);
        Assert.Equal(2, exit);
        Assert.Contains("--ilvr-block 2: needs a sampler that takes one step per timestep (--sampler ddim or ddpm)", err);
        Assert.Single(err.Trim().Split('\n'));
    }
}
