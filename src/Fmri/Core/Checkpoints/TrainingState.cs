using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace Fmri.Core.Checkpoints;

/// <summary>
/// What a training run needs, besides weights and optimiser moments, to continue exactly where it stopped:
/// the step and epoch counters, the run's seed, and the state of every random generator it draws from.
/// Stored in the checkpoint's manifest (<c>&lt;name&gt;.checkpoint.json</c>).
/// </summary>
public sealed record TrainingState
{
    /// <summary>Optimiser steps taken so far (the next step is number <c>Step</c>, counting from 0).</summary>
    [JsonPropertyName("step")] public long Step { get; init; }

    /// <summary>Epochs completed so far.</summary>
    [JsonPropertyName("epoch")] public int Epoch { get; init; }

    /// <summary>The seed the run started from (recorded so that a resumed run reports the same provenance).</summary>
    [JsonPropertyName("seed")] public long Seed { get; init; }

    /// <summary>State of each named torch generator (its <c>get_state()</c> bytes, base64).</summary>
    [JsonPropertyName("generator_states")]
    public IReadOnlyDictionary<string, string> GeneratorStates { get; init; } = new Dictionary<string, string>();

    /// <summary>Other numbers the loop needs to resume (best validation loss, last learning rate, ...).</summary>
    [JsonPropertyName("values")]
    public IReadOnlyDictionary<string, double> Values { get; init; } = new Dictionary<string, double>();

    /// <summary>Captures the current state of the given generators by name.</summary>
    public static TrainingState Capture(long step, int epoch, long seed, IReadOnlyDictionary<string, Generator> generators,
        IReadOnlyDictionary<string, double>? values = null)
    {
        ArgumentNullException.ThrowIfNull(generators);
        var states = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, generator) in generators)
        {
            using var state = generator.get_state();
            states[name] = Convert.ToBase64String(state.bytes);
        }
        return new TrainingState
        {
            Step = step,
            Epoch = epoch,
            Seed = seed,
            GeneratorStates = states,
            Values = values ?? new Dictionary<string, double>(),
        };
    }

    /// <summary>
    /// Puts each named generator back in the state it had when captured, so that its next draws are the ones the
    /// interrupted run would have made. Every generator passed must have a saved state.
    /// </summary>
    /// <param name="source">The checkpoint file named in errors.</param>
    public void RestoreGenerators(IReadOnlyDictionary<string, Generator> generators, string source)
    {
        ArgumentNullException.ThrowIfNull(generators);
        foreach (var (name, generator) in generators)
        {
            if (!GeneratorStates.TryGetValue(name, out var base64))
                throw new DataFormatException(source, $"generator_states.{name}",
                    $"no saved state for this generator (saved: {string.Join(", ", GeneratorStates.Keys)})");
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(base64);
            }
            catch (FormatException)
            {
                throw new DataFormatException(source, $"generator_states.{name}", "is not valid base64");
            }
            using var current = generator.get_state();
            if (bytes.Length != current.bytes.Length)
                throw new DataFormatException(source, $"generator_states.{name}",
                    $"saved state is {bytes.Length} bytes but this generator's state is {current.bytes.Length} bytes (different device or generator kind)");
            using var state = tensor(bytes, ScalarType.Byte);
            generator.set_state(state);
        }
    }
}
