using System.Runtime.InteropServices;

namespace Fmri.Core.Torch;

/// <summary>
/// libtorch's use of oneDNN (MKL-DNN) for CPU convolutions, which TorchSharp does not expose (Python:
/// <c>torch.backends.mkldnn.enabled</c>), and <see cref="Backward(TorchSharp.torch.Tensor)"/>, the backward pass every
/// trainer runs. The switch calls the exported <c>at::globalContext()</c> and <c>at::Context::setUserEnabledMkldnn(bool)</c>
/// of libtorch_cpu.so (C++ member functions take <c>this</c> as their first argument in the x86-64 System V ABI).
/// <para>
/// Why: with libtorch 2.10 (oneDNN 3.7.1) on some hosts, oneDNN's backward pass of a 3x3 convolution into few output
/// channels (32 -> 4, a UNet's conv_out) reads memory it never wrote: after a NaN-filled buffer of the same size is
/// freed, some backward passes return NaN input gradients for finite inputs, so latent diffusion training diverges at
/// a random step. Other hosts never show it. libtorch's native convolution has no such defect but makes a training step
/// slower. So oneDNN stays on for forward passes, and whether it also serves the backward pass is
/// <see cref="BackwardUsesOneDnn"/>: off unless <see cref="OneDnnBackwardPolicy"/> decided otherwise for this host (a
/// self-test of the defect, cached per CPU and libtorch, or the user's explicit choice). The defect needs a partly
/// filled block of 16 output channels, so when oneDNN serves backward passes the models run such convolutions with
/// zero filters added up to the block (<see cref="OneDnnChannelPadding"/>), and the self-test decides on that form.
/// </para>
/// </summary>
public static class TorchBackends
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GlobalContext();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetFlag(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool value);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.U1)]
    private delegate bool GetFlag(IntPtr context);

    private static readonly Lazy<(GlobalContext Context, SetFlag Set, GetFlag Get)> Functions = new(Resolve);

    /// <summary>Whether libtorch may use oneDNN for CPU convolutions (libtorch's default: yes).</summary>
    public static bool MkldnnEnabled
    {
        get => Functions.Value.Get(Functions.Value.Context());
        set => Functions.Value.Set(Functions.Value.Context(), value);
    }

    private static readonly Lock Gate = new();
    private static int nativeBackwardPasses;
    private static bool settingBeforeBackward = true;

    /// <summary>
    /// Whether <see cref="Backward(TorchSharp.torch.Tensor)"/> leaves oneDNN on (when it is on for forward passes).
    /// False by default: the native backward pass is the one known to be safe on every host. Set once per process
    /// from <see cref="OneDnnBackwardPolicy"/>'s decision.
    /// </summary>
    public static bool BackwardUsesOneDnn { get; set; }

    /// <summary><c>loss.backward()</c> with oneDNN as <see cref="BackwardUsesOneDnn"/> says (see the class remarks).</summary>
    public static void Backward(TorchSharp.torch.Tensor loss) => Backward(loss, BackwardUsesOneDnn);

    /// <summary>
    /// <c>loss.backward()</c>; with <paramref name="oneDnn"/> false, oneDNN convolutions are switched off while gradients
    /// are computed. Safe to call from several threads at once: oneDNN stays off until the last concurrent native
    /// backward pass has finished, then returns to its setting. With <paramref name="oneDnn"/> true the setting is left
    /// as it is (a concurrent native pass may still switch it off meanwhile, which only costs time).
    /// </summary>
    public static void Backward(TorchSharp.torch.Tensor loss, bool oneDnn)
    {
        ArgumentNullException.ThrowIfNull(loss);
        if (oneDnn)
        {
            loss.backward();
            return;
        }
        lock (Gate)
        {
            if (nativeBackwardPasses++ == 0)
            {
                settingBeforeBackward = MkldnnEnabled;
                MkldnnEnabled = false;
            }
        }
        try
        {
            loss.backward();
        }
        finally
        {
            lock (Gate)
            {
                if (--nativeBackwardPasses == 0) MkldnnEnabled = settingBeforeBackward;
            }
        }
    }

    private static (GlobalContext, SetFlag, GetFlag) Resolve()
    {
        _ = TorchSharp.torch.get_num_threads(); // loads libtorch if not yet loaded
        if (!NativeLibrary.TryLoad("libtorch_cpu.so", typeof(TorchSharp.torch).Assembly, DllImportSearchPath.AssemblyDirectory, out var library)
            && !NativeLibrary.TryLoad(Path.Combine(AppContext.BaseDirectory, "libtorch_cpu.so"), out library))
            throw new DllNotFoundException("libtorch_cpu.so: not found next to TorchSharp or the application");
        T Export<T>(string name) where T : Delegate
            => Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(library, name));
        return (Export<GlobalContext>("_ZN2at13globalContextEv"),
                Export<SetFlag>("_ZN2at7Context20setUserEnabledMkldnnEb"),
                Export<GetFlag>("_ZNK2at7Context17userEnabledMkldnnEv"));
    }
}
