using Fmri.Core.IO;
using PureHDF;

namespace Decoding.Decode;

/// <summary>
/// <c>decoded.h5</c>: <c>/images</c> uint8 (N, K, H, W, C), <c>/stimulus_id</c> strings (N), <c>/category</c> int32 (N),
/// root attributes with the sampling settings and the model and data paths. Written atomically.
/// </summary>
public static class DecodedImagesFile
{
    public const string FileName = "decoded.h5";

    public static void Write(string path, byte[] images, int count, int samples, int height, int width, int channels,
        IReadOnlyList<string> stimulusIds, IReadOnlyList<int> categories, IReadOnlyDictionary<string, object> attributes)
    {
        if (images.LongLength != (long)count * samples * height * width * channels)
            throw new ArgumentException($"decoded images: {images.LongLength} bytes for ({count}, {samples}, {height}, {width}, {channels})");
        var file = new H5File
        {
            ["images"] = new H5Dataset(images, fileDims: [(ulong)count, (ulong)samples, (ulong)height, (ulong)width, (ulong)channels]),
            ["stimulus_id"] = stimulusIds.ToArray(),
            ["category"] = categories.ToArray(),
        };
        foreach (var (name, value) in attributes) file.Attributes[name] = value;
        AtomicFile.Write(path, tmp => file.Write(tmp));
    }
}
