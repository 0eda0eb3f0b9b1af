using Fmri.Core.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Decoding.Personalization;

/// <summary>
/// A category decoder shared across subjects in MindEye2's way: each subject has its own linear layer from its voxels
/// (any count) into the shared width H, and one <see cref="SharedTrunk"/> serves all of them:
/// <code>
///   logits_s(x) = Trunk(W_s x + b_s)        W_s: (H, V_s), the subject part;  Trunk: the shared part
/// </code>
/// A new subject is added by giving it a layer (<see cref="AddSubject"/>) and training that layer alone.
/// </summary>
public sealed class MultiSubjectDecoder : IDisposable
{
    private readonly Dictionary<string, Linear> subjects = new(StringComparer.Ordinal);

    /// <param name="trunk">The shared part; moved to the current device.</param>
    public MultiSubjectDecoder(SharedTrunk trunk)
    {
        Trunk = trunk ?? throw new ArgumentNullException(nameof(trunk));
        trunk.to(TorchDevice.Current);
    }

    public SharedTrunk Trunk { get; }

    /// <summary>The subject layers, by subject name.</summary>
    public IReadOnlyDictionary<string, Linear> Subjects => subjects;

    /// <summary>Gives <paramref name="name"/> a layer from its <paramref name="voxels"/> into the shared width, initial weights from <paramref name="generator"/>.</summary>
    public Linear AddSubject(string name, int voxels, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (subjects.ContainsKey(name)) throw new InvalidSettingException("subject", name, "already has a layer");
        if (voxels < 1) throw new InvalidSettingException("voxels", voxels, "must be >= 1");
        var layer = Linear(voxels, Trunk.Width);
        LinearInit.Uniform(layer, generator);
        layer.to(TorchDevice.Current);
        subjects.Add(name, layer);
        return layer;
    }

    /// <summary>Removes <paramref name="name"/>'s layer (and frees it); the trunk and the other subjects are untouched.</summary>
    public void RemoveSubject(string name)
    {
        if (!subjects.Remove(name, out var layer)) throw new InvalidSettingException("subject", name, "has no layer");
        layer.Dispose();
    }

    /// <summary>Category logits of subject <paramref name="subject"/>'s rows (B, V_s).</summary>
    public Tensor Logits(string subject, Tensor voxels)
    {
        using var scope = NewDisposeScope();
        return Trunk.forward(subjects[subject].forward(voxels)).MoveToOuterDisposeScope();
    }

    /// <summary>Top-1 category accuracy on the subject's test samples.</summary>
    public double TestAccuracy(SubjectTrials trials)
    {
        ArgumentNullException.ThrowIfNull(trials);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var x = tensor(trials.TestVoxels, [trials.TestCount, trials.VoxelCount]).to(TorchDevice.Current);
        var predicted = TorchDevice.HostArray<long>(Logits(trials.Name, x).argmax(-1));
        return predicted.Where((p, i) => p == trials.TestLabels[i]).Count() / (double)trials.TestCount;
    }

    /// <summary>Copies of the trunk's and every subject layer's parameters (to undo a training run with <see cref="Restore"/>).</summary>
    public IReadOnlyDictionary<string, Tensor> CloneState()
    {
        using var noGrad = no_grad();
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, p) in Trunk.named_parameters()) state[$"trunk/{name}"] = p.detach().clone();
        foreach (var (subject, layer) in subjects)
            foreach (var (name, p) in layer.named_parameters()) state[$"{subject}/{name}"] = p.detach().clone();
        foreach (var t in state.Values) t.DetachFromDisposeScope();
        return state;
    }

    /// <summary>Writes a <see cref="CloneState"/> back into the trunk and the subject layers it holds (which must still exist) and frees it.</summary>
    public void Restore(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        using var noGrad = no_grad();
        var targets = Trunk.named_parameters().Select(p => ($"trunk/{p.name}", p.parameter))
            .Concat(subjects.SelectMany(s => s.Value.named_parameters().Select(p => ($"{s.Key}/{p.name}", p.parameter))))
            .Where(t => state.ContainsKey(t.Item1)).ToList();
        if (targets.Count != state.Count) throw new ArgumentException("multi-subject decoder: the saved state names parameters this model does not have");
        foreach (var (name, parameter) in targets) parameter.copy_(state[name]);
        foreach (var t in state.Values) t.Dispose();
    }

    /// <summary>Every value of the shared trunk's parameters and buffers, by name, as raw bytes (for bit-for-bit comparison).</summary>
    public IReadOnlyDictionary<string, byte[]> SharedSnapshot() => Snapshot(Trunk);

    /// <summary>The trunk's and every subject layer's values but <paramref name="except"/>'s, by "trunk/name" and "subject/name", as raw bytes.</summary>
    public IReadOnlyDictionary<string, byte[]> Snapshot(string? except = null)
    {
        var all = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (name, bytes) in Snapshot(Trunk)) all[$"trunk/{name}"] = bytes;
        foreach (var (subject, layer) in subjects.Where(s => s.Key != except))
            foreach (var (name, bytes) in Snapshot(layer)) all[$"{subject}/{name}"] = bytes;
        return all;
    }

    /// <summary>Every value of a module's parameters and buffers, by name, as raw bytes.</summary>
    public static IReadOnlyDictionary<string, byte[]> Snapshot(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        return module.state_dict().ToDictionary(p => p.Key, p => TorchDevice.HostArray<float>(p.Value.contiguous())
            .SelectMany(BitConverter.GetBytes).ToArray(), StringComparer.Ordinal);
    }

    /// <summary>True when two snapshots hold the same names with the same bytes.</summary>
    public static bool SameBits(IReadOnlyDictionary<string, byte[]> a, IReadOnlyDictionary<string, byte[]> b)
        => a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var other) && p.Value.AsSpan().SequenceEqual(other));

    public void Dispose()
    {
        foreach (var layer in subjects.Values) layer.Dispose();
        Trunk.Dispose();
    }
}
