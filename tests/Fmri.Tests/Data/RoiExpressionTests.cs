using Fmri.Data.Layouts;

namespace Fmri.Tests.Data;

public class RoiExpressionTests
{
    [Theory]
    [InlineData("VC", new[] { "VC" })]
    [InlineData("ROI_VC", new[] { "VC" })]
    [InlineData("ROI_VC = 1", new[] { "VC" })]
    [InlineData("ROI_VC == 1", new[] { "VC" })]
    [InlineData("V1+V2+V3", new[] { "V1", "V2", "V3" })]
    [InlineData(" ROI_V1 = 1 | ROI_V2 = 1 ", new[] { "V1", "V2" })]
    [InlineData("V1+V1", new[] { "V1" })]
    public void Parses_single_rois_and_unions(string text, string[] names)
        => Assert.Equal(names, RoiExpression.Parse(text).Names);

    [Theory]
    [InlineData("")]
    [InlineData("V1+")]
    [InlineData("ROI_VC = 0")]
    [InlineData("ROI_V1 = 1 & ROI_V2 = 1")]
    public void Refuses_what_is_not_a_union_of_rois(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => RoiExpression.Parse(text));
        Assert.Contains(text.Trim().Length == 0 ? "empty" : text, e.Message);
    }

    [Fact]
    public void Unknown_roi_names_the_file_the_roi_and_lists_those_present()
    {
        var e = Assert.Throws<DataFormatException>(() => RoiExpression.Parse("V1+LOC").Resolve(["V1", "VC"], "sub.h5"));
        Assert.Equal("sub.h5", e.File);
        Assert.Equal("ROI_LOC", e.Field);
        Assert.Contains("V1, VC", e.Message);
    }
}
