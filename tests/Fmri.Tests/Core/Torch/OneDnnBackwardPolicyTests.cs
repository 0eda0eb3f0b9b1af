using Fmri.Core;
using Fmri.Core.Torch;

namespace Fmri.Tests.Core.Torch;

public class OneDnnBackwardPolicyTests
{
    private const string Cpuinfo = "processor\t: 0\nmodel name\t: Test CPU 9000\nflags\t\t: fpu sse2 avx2 avx512f\n\nprocessor\t: 1\nmodel name\t: Test CPU 9000\nflags\t\t: fpu sse2 avx2 avx512f\n";

    private static readonly HostIdentity Host = HostIdentity.FromCpuinfo(Cpuinfo, "libtorch 2.10.0");

    /// <summary>A self-test result: <paramref name="nonFinite"/> non-finite passes of the padded form (as training runs
    /// the convolution) at 2 threads, <paramref name="rawNonFinite"/> of the convolution as it is.</summary>
    private static OneDnnSelfTestResult Result(int nonFinite, int rawNonFinite = 0)
    {
        var testCase = new OneDnnSelfTestCase(16, 32, 4, 4);
        return new(
            [new OneDnnSelfTestCount(testCase, 1, 600, 0), new OneDnnSelfTestCount(testCase, 1, 600, 0, Padded: true),
             new OneDnnSelfTestCount(testCase, 2, 600, rawNonFinite), new OneDnnSelfTestCount(testCase, 2, 600, nonFinite, Padded: true)],
            1.5);
    }

    [Fact]
    public void The_key_follows_the_cpu_model_its_flags_and_the_libtorch_build_but_not_the_flag_order()
    {
        Assert.Equal("Test CPU 9000", Host.CpuModel);
        Assert.Equal(Host, HostIdentity.FromCpuinfo(Cpuinfo.Replace("fpu sse2 avx2 avx512f", "avx512f fpu avx2 sse2"), "libtorch 2.10.0"));
        Assert.Equal(Host.Key, HostIdentity.FromCpuinfo(Cpuinfo, "libtorch 2.10.0").Key);
        Assert.Equal(16, Host.Key.Length);
        Assert.NotEqual(Host.Key, HostIdentity.FromCpuinfo(Cpuinfo.Replace(" avx512f", ""), "libtorch 2.10.0").Key);
        Assert.NotEqual(Host.Key, HostIdentity.FromCpuinfo(Cpuinfo.Replace("9000", "9001"), "libtorch 2.10.0").Key);
        Assert.NotEqual(Host.Key, HostIdentity.FromCpuinfo(Cpuinfo, "libtorch 2.11.0").Key);
        Assert.Equal("unknown", HostIdentity.FromCpuinfo("", "x").CpuModel);
    }

    [Fact]
    public void Auto_runs_the_self_test_once_then_reads_the_cache()
    {
        using var folder = new TempFolder();
        int runs = 0;
        var first = OneDnnBackwardPolicy.Decide(OneDnnBackwardMode.Auto, Host, folder.Path, () => { runs++; return Result(0); });
        Assert.True(first.Enabled);
        Assert.False(first.FromCache);
        Assert.Equal(1, runs);
        Assert.True(File.Exists(OneDnnBackwardPolicy.CacheFile(folder.Path, Host)));
        Assert.Contains(Host.Key, first.CacheFile);

        var second = OneDnnBackwardPolicy.Decide(OneDnnBackwardMode.Auto, Host, folder.Path, () => { runs++; return Result(0); });
        Assert.True(second.Enabled);
        Assert.True(second.FromCache);
        Assert.Equal(1, runs);
        Assert.Equal(2400, second.SelfTest!.Passes);
        Assert.Contains("cached self-test", second.Reason);
    }

    [Fact]
    public void A_single_non_finite_pass_keeps_oneDNN_out_of_the_backward_pass_and_is_cached_too()
    {
        using var folder = new TempFolder();
        var decision = OneDnnBackwardPolicy.Decide(OneDnnBackwardMode.Auto, Host, folder.Path, () => Result(1));
        Assert.False(decision.Enabled);
        Assert.Contains("as training runs them: 1 of 1200", decision.Reason);
        var cached = OneDnnBackwardPolicy.Decide(OneDnnBackwardMode.Auto, Host, folder.Path, () => throw new InvalidOperationException("must not run"));
        Assert.False(cached.Enabled);
        Assert.True(cached.FromCache);
    }

    /// <summary>The host has the defect (the convolution as it is gives NaN) but the padded form training runs is clean:
    /// oneDNN serves backward passes, and the reason shows both counts.</summary>
    [Fact]
    public void The_decision_rests_on_the_padded_form_training_runs_and_the_reason_shows_the_raw_defect_too()
    {
        using var folder = new TempFolder();
        var decision = OneDnnBackwardPolicy.Decide(OneDnnBackwardMode.Auto, Host, folder.Path, () => Result(0, rawNonFinite: 13));
        Assert.True(decision.Enabled);
        Assert.Contains("convolutions as they are: 13 of 1200 backward passes non-finite (1 thread: 0/600; 2 threads: 13/600)", decision.Reason);
        Assert.Contains("output channels padded to 16, as training runs them: 0 of 1200", decision.Reason);
        // A result without padded counts (nothing tested in the form training runs) never enables oneDNN.
        var rawOnly = new OneDnnSelfTestResult([new OneDnnSelfTestCount(new OneDnnSelfTestCase(16, 32, 4, 4), 1, 600, 0)], 1);
        Assert.False(rawOnly.SafeAsTrained);
    }

    [Fact]
    public void Another_host_or_a_damaged_cache_file_runs_the_self_test_again()
    {
        using var folder = new TempFolder();
        OneDnnBackwardPolicy.Decide(OneDnnBackwardMode.Auto, Host, folder.Path, () => Result(0));
        var other = HostIdentity.FromCpuinfo(Cpuinfo, "libtorch 2.11.0");
        int runs = 0;
        OneDnnBackwardPolicy.Decide(OneDnnBackwardMode.Auto, other, folder.Path, () => { runs++; return Result(0); });
        Assert.Equal(1, runs);
        // A file of this host's name holding another host's entry (or garbage) is not trusted.
        File.Copy(OneDnnBackwardPolicy.CacheFile(folder.Path, other), OneDnnBackwardPolicy.CacheFile(folder.Path, Host), overwrite: true);
        OneDnnBackwardPolicy.Decide(OneDnnBackwardMode.Auto, Host, folder.Path, () => { runs++; return Result(0); });
        Assert.Equal(2, runs);
        File.WriteAllText(OneDnnBackwardPolicy.CacheFile(folder.Path, Host), "{ not json");
        var decision = OneDnnBackwardPolicy.Decide(OneDnnBackwardMode.Auto, Host, folder.Path, () => { runs++; return Result(0); });
        Assert.Equal(3, runs);
        Assert.True(decision.Enabled);
    }

    [Fact]
    public void Forced_modes_decide_without_a_self_test_and_without_touching_the_cache()
    {
        using var folder = new TempFolder();
        Func<OneDnnSelfTestResult> mustNotRun = () => throw new InvalidOperationException("must not run");
        var on = OneDnnBackwardPolicy.Decide(OneDnnBackwardMode.On, Host, folder.Path, mustNotRun);
        var off = OneDnnBackwardPolicy.Decide(OneDnnBackwardMode.Off, Host, folder.Path, mustNotRun);
        Assert.True(on.Enabled);
        Assert.False(off.Enabled);
        Assert.Equal("on", on.Mode);
        Assert.Equal("off", off.Mode);
        Assert.Null(on.SelfTest);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));
    }

    [Fact]
    public void The_option_wins_over_the_environment_variable_and_bad_values_are_setting_errors()
    {
        Assert.Equal(OneDnnBackwardMode.Auto, OneDnnBackwardPolicy.ParseMode(null, null));
        Assert.Equal(OneDnnBackwardMode.Off, OneDnnBackwardPolicy.ParseMode(null, "off"));
        Assert.Equal(OneDnnBackwardMode.On, OneDnnBackwardPolicy.ParseMode(null, " ON "));
        Assert.Equal(OneDnnBackwardMode.On, OneDnnBackwardPolicy.ParseMode("on", "off"));
        var env = Assert.Throws<InvalidSettingException>(() => OneDnnBackwardPolicy.ParseMode(null, "maybe"));
        Assert.Equal(OneDnnBackwardPolicy.EnvironmentVariable, env.Setting);
        var option = Assert.Throws<InvalidSettingException>(() => OneDnnBackwardPolicy.ParseMode("maybe", null));
        Assert.Equal("onednn_backward", option.Setting);
    }

    [Fact]
    public void The_cache_folder_follows_XDG_CACHE_HOME()
    {
        string? before = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        try
        {
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", "/tmp/xdg-test");
            Assert.Equal("/tmp/xdg-test/decoding", OneDnnBackwardPolicy.DefaultCacheFolder());
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", null);
            Assert.EndsWith("/.cache/decoding", OneDnnBackwardPolicy.DefaultCacheFolder());
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", before);
        }
    }
}
