using Fmri.Core;
using Fmri.Data.Import;

namespace Fmri.Tests.Data.Import;

/// <summary>Stimulus ids from the id variable of a MATLAB or NumPy export.</summary>
public class ImportedColumnsTests
{
    [Theory]
    [InlineData("<f4")]
    [InlineData("single")]
    public void Single_precision_god_ids_are_refused_naming_the_option_and_the_variable(string storedType)
    {
        // The values a float32 holds for 1518878.010042 and 1443537.000022: the image numbers are gone.
        var array = new NamedArray("stimulus_id", [2], [(float)1518878.010042, (float)1443537.000022], null, storedType);
        var e = Assert.Throws<InvalidSettingException>(() => ImportedColumns.Ids(array, "ids", 2));
        Assert.Contains("stimulus_id", e.Message);
        Assert.Contains("single precision", e.Message);
    }

    [Fact]
    public void Double_precision_god_ids_and_small_whole_single_precision_ids_are_read()
    {
        var god = new NamedArray("stimulus_id", [2], [1518878.010042, 1443537.000022], null, "<f8");
        Assert.Equal(["n01518878_10042", "n01443537_22"], ImportedColumns.Ids(god, "ids", 2).Select(i => i.Value));
        var plain = new NamedArray("stimulus_id", [3], [1, 2, 1200], null, "<f4");
        Assert.Equal(["1", "2", "1200"], ImportedColumns.Ids(plain, "ids", 3).Select(i => i.Value));
    }
}
