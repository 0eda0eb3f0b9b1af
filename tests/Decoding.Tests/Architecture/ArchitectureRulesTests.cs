using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Decoding.Tests.Architecture;

/// <summary>The architecture rules that matter, as tests (README, Layout).</summary>
public class ArchitectureRulesTests
{
    [Fact]
    public void Fmri_library_does_not_depend_on_the_decoding_side()
    {
        var references = typeof(Fmri.Core.DataFormatException).Assembly.GetReferencedAssemblies().Select(a => a.Name);
        Assert.DoesNotContain("decoding", references);
        var csproj = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "src/Fmri/Fmri.csproj"));
        Assert.DoesNotContain("Decoding.csproj", csproj);
    }

    [Fact]
    public void Library_code_draws_no_unseeded_or_global_randomness()
    {
        // Library code takes a generator argument; only the command-line entry point (Cli/) may seed.
        var unseeded = new Regex(@"new\s+(System\.)?Random\s*\(\s*\)|Random\.Shared|Guid\.NewGuid\(\)\.GetHashCode|\b(torch\.)?random\.manual_seed\s*\(|torch\.manual_seed\s*\(");
        var offenders = Offenders(unseeded, path => !path.Contains("/src/Decoding/Cli/"));
        Assert.True(offenders.Count == 0, "global or unseeded random draws in library code:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void Backward_passes_go_through_the_oneDNN_workaround()
    {
        // libtorch 2.10's oneDNN convolution backward reads uninitialised memory (Fmri.Core.Torch.TorchBackends): every
        // trainer calls TorchBackends.Backward, which is the only place allowed to call Tensor.backward().
        var direct = new Regex(@"\.backward\(\s*\)");
        var offenders = Offenders(direct, path => !path.EndsWith("/src/Fmri/Core/Torch/TorchBackends.cs"));
        Assert.True(offenders.Count == 0, "direct backward() calls (use TorchBackends.Backward):\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void Convolutions_in_trained_models_go_through_the_channel_padding()
    {
        // oneDNN's backward pass is safe on a host with the defect only when a convolution into fewer than 16 output
        // channels runs padded (Fmri.Core.Torch.OneDnnChannelPadding): the models call OneDnnChannelPadding.Conv2d,
        // never a Conv2d field's forward directly.
        var direct = new Regex(@"\b(?!conv_norm)conv\w*\.forward\(|\b\w+_conv\.forward\(");
        Assert.Matches(direct, "h = conv_out.forward(x);");
        Assert.Matches(direct, "z = post_quant_conv.forward(x);");
        Assert.DoesNotMatch(direct, "conv_norm_out.forward(h)");
        var offenders = Offenders(direct, path => !path.Contains("/src/Fmri/Core/Torch/"));
        Assert.True(offenders.Count == 0, "convolutions run without the channel padding (use OneDnnChannelPadding.Conv2d):\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void Every_tensor_placement_goes_through_the_one_device_setting()
    {
        // Fmri.Core.Torch.TorchDevice is the only file that names a device: models and their tensors go to
        // TorchDevice.Current (--device), generator draws and read-backs to TorchDevice.Host. Anything else (torch.CPU,
        // .cpu(), .cuda(), a device constructed from a name or a type, a device name in quotes) hard-codes a placement.
        var device = new Regex(@"""(cuda|cpu)(:\d+)?""|DeviceType\.(CUDA|CPU)\b|\bCPU\b|\bCUDA\b|\.cpu\(\)|\.cuda\(\)|new\s+Device\s*\(|torch\.device\s*\(|\bdevice\s*\(\s*""");
        var offenders = Offenders(device, path => !path.EndsWith("/src/Fmri/Core/Torch/TorchDevice.cs"));
        Assert.True(offenders.Count == 0, "device placements outside Fmri.Core.Torch.TorchDevice:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void The_device_rule_catches_what_it_is_meant_to()
    {
        var device = new Regex(@"""(cuda|cpu)(:\d+)?""|DeviceType\.(CUDA|CPU)\b|\bCPU\b|\bCUDA\b|\.cpu\(\)|\.cuda\(\)|new\s+Device\s*\(|torch\.device\s*\(|\bdevice\s*\(\s*""");
        foreach (var line in new[] { "x.cpu()", "randn(s, device: CPU)", "x.to(CUDA)", "new Device(DeviceType.CUDA)", "torch.device(\"cuda:0\")", "if (d.type == DeviceType.CPU)", "var d = \"cpu\";" })
            Assert.Matches(device, line);
        foreach (var line in new[] { "x.to(TorchDevice.Current)", "randn(s, device: TorchDevice.Host)", "TorchDevice.IsHost(d)", "Device? device = null" })
            Assert.DoesNotMatch(device, line);
    }

    [Fact]
    public void Package_versions_are_central_and_pinned()
    {
        var props = XDocument.Load(Path.Combine(RepositoryPaths.Root, "Directory.Packages.props"));
        var versions = props.Descendants("PackageVersion").Select(e => (Name: (string?)e.Attribute("Include"), Version: (string?)e.Attribute("Version"))).ToList();
        Assert.NotEmpty(versions);
        foreach (var (name, version) in versions)
            Assert.Matches(@"^\d+\.\d+\.\d+([.-][0-9A-Za-z.-]+)?$", version ?? "");
        foreach (var csproj in Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "src"), "*.csproj", SearchOption.AllDirectories)
                     .Concat(Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "tests"), "*.csproj", SearchOption.AllDirectories)))
        {
            var refs = XDocument.Load(csproj).Descendants("PackageReference");
            Assert.All(refs, r => Assert.Null(r.Attribute("Version")));
        }
    }

    [Fact]
    public void Library_code_has_no_stubs()
    {
        var stub = new Regex(@"NotImplementedException|\bTODO\b|\bFIXME\b");
        var offenders = Offenders(stub, _ => true);
        Assert.True(offenders.Count == 0, "unfinished code:\n" + string.Join("\n", offenders));
    }

    private static List<string> Offenders(Regex pattern, Func<string, bool> applies)
    {
        var offenders = new List<string>();
        foreach (var file in RepositoryPaths.SourceFiles("src"))
        {
            string path = file.Replace('\\', '/');
            if (!applies(path)) continue;
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i].TrimStart();
                if (line.StartsWith("//") || line.StartsWith("///") || line.StartsWith("*")) continue;
                if (pattern.IsMatch(lines[i])) offenders.Add($"{Path.GetRelativePath(RepositoryPaths.Root, file)}:{i + 1}: {line}");
            }
        }
        return offenders;
    }
}
