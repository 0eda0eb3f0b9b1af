using Fmri.Core;
using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Fmri.Tests.Core.Torch;

public class TorchDeviceTests
{
    [Fact]
    public void The_setting_defaults_to_the_cpu_and_rejects_unknown_or_unavailable_devices()
    {
        try
        {
            Assert.True(TorchDevice.IsHost(TorchDevice.Use(null)));
            Assert.Equal("cpu", TorchDevice.Name(TorchDevice.Use("cpu")));
            Assert.Equal("cpu", TorchDevice.Name(TorchDevice.Current));
            var unknown = Assert.Throws<InvalidSettingException>(() => TorchDevice.Use("tpu"));
            Assert.Equal("device", unknown.Setting);
            if (!cuda.is_available())
            {
                var cudaError = Assert.Throws<InvalidSettingException>(() => TorchDevice.Use("cuda"));
                Assert.Contains("-p:TorchBackend=cuda", cudaError.Message);
                Assert.Equal("cpu", TorchDevice.Name(TorchDevice.Current)); // a refused device leaves the setting alone
            }
            Assert.Equal(["cpu", "cuda"], TorchDevice.Names);
        }
        finally
        {
            TorchDevice.Use("cpu");
        }
    }

    [Fact]
    public void Tensors_moved_to_the_setting_land_on_its_device_and_read_back_from_the_host()
    {
        TorchDevice.Use("cpu");
        using var x = ones(3);
        using var placed = TorchDevice.ToCurrent(x);
        Assert.Equal(TorchDevice.Current.type, placed.device.type);
        using var back = placed.to(TorchDevice.Host);
        Assert.True(TorchDevice.IsHost(back.device));
    }

    [Fact]
    public void Host_arrays_copy_values_and_leave_the_tensor_usable()
    {
        using var x = arange(6, dtype: ScalarType.Float32).reshape(2, 3);
        using var transposed = x.t();
        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], TorchDevice.HostArray<float>(transposed));
        Assert.Equal(15f, x.sum().item<float>()); // the tensor read from is still alive
        Assert.Equal(5f, transposed[2, 1].item<float>());
    }

    [Fact]
    public void The_recorded_settings_name_the_device_and_the_thread_choice()
    {
        TorchSetup.ApplyThreads(1);
        TorchSetup.ApplyDevice("cpu");
        Assert.NotNull(TorchSetup.Current);
        Assert.Equal("cpu", TorchSetup.Current!.Device);
        Assert.Equal(1, TorchSetup.Current.Threads.Threads);
        Assert.True(TorchSetup.Current.Threads.Explicit);
        var manifest = new Fmri.Core.Runs.RunManifest { Command = "test" };
        string json = System.Text.Json.JsonSerializer.Serialize(manifest, Fmri.Core.Runs.RunManifest.JsonOptions);
        Assert.Contains("\"torch\"", json);
        Assert.Contains("\"device\": \"cpu\"", json);
    }
}
