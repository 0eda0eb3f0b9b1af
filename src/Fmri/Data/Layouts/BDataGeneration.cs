namespace Fmri.Data.Layouts;

/// <summary>Which names a BData file uses for its matrix and metadata group.</summary>
public enum BDataGeneration
{
    /// <summary>bdpy: <c>/dataset</c> and <c>/metadata/{key,description,value}</c>.</summary>
    Current,

    /// <summary>Older BrainDecoderToolbox2-era files: <c>/dataSet</c> and <c>/metaData/{key,description,value}</c>.</summary>
    Legacy,
}
