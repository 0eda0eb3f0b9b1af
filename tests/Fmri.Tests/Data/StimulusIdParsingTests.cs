using Fmri.Data;

namespace Fmri.Tests.Data;

public class StimulusIdParsingTests
{
    [Theory]
    // The GOD encoding (data/README.md): image n01518878_10042 is 1518878.010042 = synset + image * 1e-6.
    [InlineData(1518878.010042, "n01518878_10042")]
    [InlineData(1518878.000007, "n01518878_7")]
    [InlineData(2086240.12, "n02086240_120000")]
    [InlineData(4554684.999999, "n04554684_999999")]
    [InlineData(1443537.0, "n01443537_0")]
    // Above 2^24 the double holds the sixth decimal only to ~1e-2 image units; these must still parse exactly.
    [InlineData(16777217.123457, "n16777217_123457")]
    [InlineData(99999999.999999, "n99999999_999999")]
    public void God_float_ids_parse_to_the_exact_WordNet_image_id(double encoded, string id)
    {
        Assert.Equal(id, StimulusId.FromGodNumber(encoded).Value);
        Assert.Equal(new StimulusId(id), StimulusId.FromGodNumber(encoded));
    }

    [Fact]
    public void Neighbouring_image_numbers_stay_distinct()
    {
        // 1e-6 apart: a float comparison with a loose tolerance would call these equal; parsing keeps them apart.
        Assert.NotEqual(StimulusId.FromGodNumber(1518878.010042), StimulusId.FromGodNumber(1518878.010043));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(-1.5)]
    [InlineData(1518878.0100425)]
    public void Values_that_are_not_god_ids_are_refused(double value)
        => Assert.Throws<FormatException>(() => StimulusId.FromGodNumber(value));
}
