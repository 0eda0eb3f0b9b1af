namespace Fmri.Data;

/// <summary>Which part of the experiment a sample belongs to. Values follow BData's <c>DataType</c> codes.</summary>
public enum DataSplit
{
    /// <summary>Training perception (DataType 1).</summary>
    Train = 1,

    /// <summary>Test perception (DataType 2).</summary>
    Test = 2,

    /// <summary>Test imagery (DataType 3).</summary>
    TestImagery = 3,
}
