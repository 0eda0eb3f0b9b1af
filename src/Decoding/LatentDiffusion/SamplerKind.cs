using Decoding.Diffusion;

namespace Decoding.LatentDiffusion;

/// <summary>The reverse-process samplers a pipeline can run.</summary>
public enum SamplerKind
{
    /// <summary>Ancestral DDPM sampling (Ho et al. 2020, Algorithm 2).</summary>
    Ddpm,

    /// <summary>DDIM (Song et al. 2021), deterministic at η = 0.</summary>
    Ddim,

    /// <summary>Pseudo linear multistep (Liu et al. 2022), the sampler of LDM and MinD-Vis.</summary>
    Plms,
}

/// <summary>Names and construction of the samplers.</summary>
public static class Samplers
{
    /// <summary>The names the command line accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["ddpm", "ddim", "plms"];

    /// <summary>"ddpm" | "ddim" | "plms" (any case).</summary>
    public static SamplerKind Parse(string name) => name.ToLowerInvariant() switch
    {
        "ddpm" => SamplerKind.Ddpm,
        "ddim" => SamplerKind.Ddim,
        "plms" => SamplerKind.Plms,
        _ => throw new InvalidSettingException("sampler", $"'{name}'", $"is unknown; choose one of {string.Join(", ", Names)}"),
    };

    /// <summary>A fresh scheduler of the given kind over the model's noise schedule.</summary>
    public static DiffusionScheduler Create(SamplerKind kind, SchedulerConfig config) => kind switch
    {
        SamplerKind.Ddpm => new DdpmScheduler(config),
        SamplerKind.Ddim => new DdimScheduler(config),
        SamplerKind.Plms => new PlmsScheduler(config),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown sampler"),
    };
}
