using Decoding.Decode;
using Decoding.Decode.Routes;
using Decoding.Tests.Decode.Routes;
using static TorchSharp.torch;

namespace Decoding.Tests.Decode;

/// <summary>
/// The items' true categories reach only routes that declare they use them, and their stimulus ids (which name the
/// category in GOD's and image folders' ids) only routes that do not decode fMRI: a decoder from fMRI cannot read the
/// answer it is scored against, whatever its code does with the batch.
/// </summary>
public sealed class TrueLabelAccessTests
{
    /// <summary>Records every batch it is given and returns grey images.</summary>
    private sealed class ProbeRoute(bool usesTrueLabel) : IDecodingRoute
    {
        public List<DecodeBatch> Seen { get; } = [];

        public DecodedMethod Method { get; } = new("probe", usesTrueLabel ? DecodedMethod.Reference : DecodedMethod.Route, "probe",
            UsesFmri: !usesTrueLabel, UsesTrueLabel: usesTrueLabel, ControlOf: null, "records its batches");

        public bool Stochastic => false;

        public Tensor Decode(DecodeBatch batch, int samples)
        {
            Seen.Add(batch);
            return full(new long[] { batch.Count, samples, 1, SyntheticBrainData.Size, SyntheticBrainData.Size }, 0.5f);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ADecodingRunHandsTheTrueCategoriesAndIdsOnlyToReferences(bool usesTrueLabel)
    {
        var data = RouteTestData.Instance;
        var (train, test) = data.Pairs();
        var route = new ProbeRoute(usesTrueLabel);
        string output = Path.Combine(data.Folder, $"probe-{Guid.NewGuid():N}");
        using (DecodingRun.Run(route, test, new DecodingSettings { Route = LowLevelRoute.Name }, output, new Dictionary<string, object>())) { }
        Assert.NotEmpty(route.Seen);
        Assert.Equal(test.Count, route.Seen.Sum(b => b.Count));
        var realIds = test.StimulusIds.Select(id => id.Value).ToArray();
        var seenIds = route.Seen.SelectMany(b => b.StimulusIds).ToArray();
        if (usesTrueLabel)
        {
            // A reference without fMRI: the categories and the real ids.
            Assert.Equal(test.Categories, route.Seen.SelectMany(b => b.TrueCategories!));
            Assert.Equal(realIds, seenIds);
        }
        else
        {
            // A route from fMRI: no categories, and keys that name neither the stimulus nor (through it) its category.
            Assert.All(route.Seen, b => Assert.Null(b.TrueCategories));
            Assert.Equal(DecodeBatch.OpaqueKeys(test.Count), seenIds);
            Assert.Empty(seenIds.Intersect(realIds));
        }
        train.Images.Dispose();
        test.Images.Dispose();
    }

    [Fact]
    public void AReferenceAskingForCategoriesTheBatchDoesNotCarryIsRefused()
    {
        var batch = new DecodeBatch([0f, 1f], 1, ["a", "b"], null, []);
        var error = Assert.Throws<InvalidOperationException>(() => batch.RequireTrueCategories("class-mean"));
        Assert.Contains("class-mean", error.Message);
        Assert.Equal([3, 4], new DecodeBatch([0f, 1f], 1, ["a", "b"], [3, 4], []).Slice(0, 2).TrueCategories!);
        Assert.Null(batch.Slice(1, 1).TrueCategories);
    }
}
