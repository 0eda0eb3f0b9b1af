using Fmri.Data;
using Fmri.Ridge;
using static TorchSharp.torch;

namespace Fmri.Tests.Data;

public class StimulusPairsTests
{
    private static StimulusPairs Pairs(params string[] ids)
    {
        using var images = zeros(ids.Length, 1, 2, 2, ScalarType.Byte);
        return new StimulusPairs(new float[ids.Length], 1, images.clone(), ids.Select(i => new StimulusId(i)).ToArray(),
            new int[ids.Length], Enumerable.Range(0, ids.Length).ToArray());
    }

    [Fact]
    public void Repeats_of_one_stimulus_share_a_group_and_land_in_one_fold()
    {
        var pairs = Pairs("a", "b", "a", "c", "b", "d", "e", "a");
        var groups = pairs.StimulusGroups();
        Assert.Equal([0, 1, 0, 2, 1, 3, 4, 0], groups);
        var folds = RidgeCrossValidation.AssignFolds(pairs.Count, 3, new Random(5), groups);
        Assert.Equal(folds[0], folds[2]);
        Assert.Equal(folds[0], folds[7]);
        Assert.Equal(folds[1], folds[4]);
    }

    [Fact]
    public void With_every_stimulus_shown_once_the_groups_give_the_ungrouped_folds()
    {
        // So fitting with stimulus groups changes nothing for designs without training repeats (GOD, the demo).
        var pairs = Pairs([.. Enumerable.Range(0, 40).Select(i => $"s{i}")]);
        Assert.Equal(RidgeCrossValidation.AssignFolds(40, 5, new Random(9)),
            RidgeCrossValidation.AssignFolds(40, 5, new Random(9), pairs.StimulusGroups()));
    }
}
