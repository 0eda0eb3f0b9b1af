using Fmri.Core.Checkpoints;
using Fmri.Core.IO;
using Fmri.Tests.Core.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.Tests.Core.Checkpoints;

public class ModuleWeightsTests
{
    private static Tensor Input() => randn(new long[] { 5, 4 }, generator: new Generator(7));

    /// <summary>A net whose BatchNorm running statistics moved away from their initial (0, 1) by one training pass.</summary>
    private static TinyNet TrainedNet(int seed, bool withHead = false)
    {
        var net = new TinyNet(new Generator((ulong)seed), withHead: withHead);
        net.train();
        using (no_grad()) net.forward(Input()).Dispose();
        net.eval();
        return net;
    }

    [Fact]
    public void Loads_a_matching_module_exactly_including_buffers()
    {
        using var folder = new TempFolder();
        string path = folder.File("net.safetensors");
        using var saved = TrainedNet(seed: 1);
        ModuleWeights.Save(saved, path, new Dictionary<string, string> { ["epoch"] = "2" });

        using var loaded = new TinyNet(new Generator(2));
        loaded.eval();
        using var x = Input();
        Assert.NotEqual(saved.forward(x).data<float>().ToArray(), loaded.forward(x).data<float>().ToArray());

        var metadata = ModuleWeights.LoadStrict(loaded, path);
        Assert.Equal("2", metadata["epoch"]);
        Assert.Equal("pt", metadata["format"]);
        Assert.Equal(saved.forward(x).data<float>().ToArray(), loaded.forward(x).data<float>().ToArray());
        var savedState = saved.state_dict();
        foreach (var (key, value) in loaded.state_dict())
            Assert.Equal(savedState[key].contiguous().bytes.ToArray(), value.contiguous().bytes.ToArray());
        // A buffer, not a parameter: BatchNorm's running mean moved during the training pass and was restored.
        Assert.NotEqual(0f, loaded.state_dict()["bn.running_mean"].abs().sum().item<float>());
    }

    [Fact]
    public void Missing_keys_are_listed_as_missing()
    {
        using var folder = new TempFolder();
        string path = folder.File("net.safetensors");
        using var small = TrainedNet(seed: 1);
        ModuleWeights.Save(small, path);
        using var bigger = new TinyNet(new Generator(3), withHead: true);

        var e = Assert.Throws<DataFormatException>(() => ModuleWeights.LoadStrict(bigger, path));
        Assert.Equal("state dict", e.Field);
        Assert.Contains("2 missing key(s) (in the module, not in the file): head.weight, head.bias", e.Message);
        Assert.DoesNotContain("unexpected", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Unexpected_keys_are_listed_as_unexpected()
    {
        using var folder = new TempFolder();
        string path = folder.File("net.safetensors");
        using var bigger = TrainedNet(seed: 1, withHead: true);
        ModuleWeights.Save(bigger, path);
        using var small = new TinyNet(new Generator(3));
        using var before = small.forward(Input());

        var e = Assert.Throws<DataFormatException>(() => ModuleWeights.LoadStrict(small, path));
        // File order: the writer sorts names, so head.bias comes before head.weight.
        Assert.Contains("2 unexpected key(s) (in the file, not in the module): head.bias, head.weight", e.Message);
        Assert.DoesNotContain("missing", e.Message);
        // Nothing was copied: the refused load left the module as it was.
        Assert.Equal(before.data<float>().ToArray(), small.forward(Input()).data<float>().ToArray());
    }

    [Fact]
    public void Long_key_lists_are_cut_after_ten_with_a_count()
    {
        using var folder = new TempFolder();
        string path = folder.File("empty.safetensors");
        SafetensorsFile.Write(path, new Dictionary<string, Tensor>());
        // fc1 (2) + bn (weight, bias, running_mean, running_var, num_batches_tracked) + norm (2) + fc2 (2) + head (2) = 13 keys.
        using var net = new TinyNet(new Generator(1), withHead: true);
        Assert.Equal(13, net.state_dict().Count);

        var e = Assert.Throws<DataFormatException>(() => ModuleWeights.LoadStrict(net, path));
        Assert.Contains("13 missing key(s)", e.Message);
        Assert.EndsWith(", ... and 3 more", e.Message); // 13 keys, 10 listed
        Assert.Equal(11, e.Message.Split(": ").Last().Split(", ").Length); // ten names, then "... and 3 more"
    }

    [Fact]
    public void Shape_mismatch_names_the_key_and_both_shapes()
    {
        using var folder = new TempFolder();
        string path = folder.File("net.safetensors");
        using var wide = new TinyNet(new Generator(1), width: 8);
        var state = wide.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        state["fc2.weight"] = zeros(3, 6); // the module's fc2.weight is (3, 8)
        SafetensorsFile.Write(path, state);

        var e = Assert.Throws<DataFormatException>(() => ModuleWeights.LoadStrict(wide, path));
        Assert.Equal("tensor 'fc2.weight'", e.Field);
        Assert.Contains("fc2.weight: file [3, 6], module [3, 8]", e.Message);
    }

    [Fact]
    public void Half_precision_file_is_converted_into_a_float_module()
    {
        using var folder = new TempFolder();
        string path = folder.File("half.safetensors");
        using var source = TrainedNet(seed: 1);
        var half = source.state_dict().ToDictionary(kv => kv.Key,
            kv => kv.Value.is_floating_point() ? kv.Value.detach().to(ScalarType.Float16) : kv.Value);
        SafetensorsFile.Write(path, half);

        using var target = new TinyNet(new Generator(5));
        ModuleWeights.LoadStrict(target, path);
        var loaded = target.state_dict();
        Assert.Equal(ScalarType.Float32, loaded["fc1.weight"].dtype);
        // The float values are exactly the half values widened.
        Assert.Equal(half["fc1.weight"].to(ScalarType.Float32).data<float>().ToArray(), loaded["fc1.weight"].data<float>().ToArray());
    }

    [Fact]
    public void Narrowing_dtype_is_refused()
    {
        using var folder = new TempFolder();
        string path = folder.File("double.safetensors");
        using var net = new TinyNet(new Generator(1));
        var asDouble = net.state_dict().ToDictionary(kv => kv.Key,
            kv => kv.Value.is_floating_point() ? kv.Value.detach().to(ScalarType.Float64) : kv.Value);
        SafetensorsFile.Write(path, asDouble);

        var e = Assert.Throws<DataFormatException>(() => ModuleWeights.LoadStrict(net, path));
        Assert.Equal("tensor dtypes", e.Field);
        Assert.Contains("fc1.weight: file Float64, module Float32", e.Message);
    }

    [Fact]
    public void Prefix_selects_one_part_of_a_larger_file()
    {
        using var folder = new TempFolder();
        string path = folder.File("whole.safetensors");
        using var part = TrainedNet(seed: 1);
        var whole = part.state_dict().ToDictionary(kv => "encoder." + kv.Key, kv => kv.Value);
        whole["decoder.weight"] = zeros(2, 2);
        SafetensorsFile.Write(path, whole);

        using var target = new TinyNet(new Generator(9));
        target.eval();
        ModuleWeights.LoadStrict(target, path, prefix: "encoder.");
        using var x = Input();
        Assert.Equal(part.forward(x).data<float>().ToArray(), target.forward(x).data<float>().ToArray());
    }
}
