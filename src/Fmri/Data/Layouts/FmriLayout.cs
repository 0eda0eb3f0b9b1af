namespace Fmri.Data.Layouts;

/// <summary>The fMRI file layouts the project reads (see data/README.md).</summary>
public enum FmriLayout
{
    /// <summary>Kamitani lab BrainDecoderToolbox2 / bdpy BData (<c>/dataset</c> + <c>/metadata</c>, or <c>/dataSet</c> + <c>/metaData</c>).</summary>
    BData,

    /// <summary>Natural Scenes Dataset betas session file (<c>/betas</c>, int16 trials x Z x Y x X).</summary>
    Nsd,

    /// <summary>The project's own layout (root attribute <c>layout</c> = "fmri-decoding/canonical").</summary>
    Canonical,
}
