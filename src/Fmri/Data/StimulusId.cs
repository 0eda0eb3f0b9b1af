using System.Globalization;

namespace Fmri.Data;

/// <summary>
/// Identity of a stimulus image, compared exactly as text, never as a raw float.
/// Generic Object Decoding (BData) stores an ImageNet image as WordNet synset number + image number * 1e-6:
/// image <c>n01518878_10042</c> is <c>1518878.010042</c>. <see cref="FromGodNumber"/> parses that encoding
/// into the synset and image integers, so two ids are equal only when both integers are equal.
/// Other data sets use their own text ids (e.g. <c>nsd_00123</c>, <c>image_17</c>).
/// </summary>
public readonly record struct StimulusId(string Value) : IComparable<StimulusId>
{
    /// <summary>Whole ids stored in single precision from this value on are refused (see <see cref="FromNumbers"/>).</summary>
    public const double SinglePrecisionIdLimit = 1_000_000;

    /// <summary>Largest image number the GOD float encoding can hold (six decimal digits).</summary>
    public const int MaxGodImageNumber = 999_999;

    /// <summary>Parses a GOD float id such as 1518878.010042 into "n01518878_10042".</summary>
    /// <exception cref="FormatException">The value is not finite, negative, or not of the form synset + image * 1e-6.</exception>
    public static StimulusId FromGodNumber(double value)
    {
        if (!double.IsFinite(value) || value < 0)
            throw new FormatException($"{value.ToString("R", CultureInfo.InvariantCulture)} is not a GOD stimulus id (synset + image * 1e-6)");
        double synset = Math.Floor(value);
        double image = (value - synset) * 1e6;
        double rounded = Math.Round(image);
        // A double near 1e8 has a spacing of 1.5e-8, i.e. 0.015 image units after * 1e6; image numbers are integers,
        // so a valid id lies within 0.05 of one (a tighter bound wrongly rejects synsets above ~2^24).
        if (Math.Abs(image - rounded) > 0.05 || synset > 99_999_999)
            throw new FormatException($"{value.ToString("R", CultureInfo.InvariantCulture)} is not a GOD stimulus id (synset + image * 1e-6)");
        return FromSynsetAndImage((long)synset, (int)rounded);
    }

    /// <summary>
    /// Ids stored as numbers (a BData <c>stimulus_id</c> column, an id variable of a MATLAB or NumPy file). When any
    /// value has a fractional part the column is in the GOD encoding and every value is parsed as synset + image *
    /// 1e-6 (a whole value is image 0 of its synset); when all are whole numbers they are plain ids and stay as given,
    /// as text without decimals ("1", "2", ..., "100").
    /// </summary>
    /// <param name="singlePrecision">The file stores the values in single (or half) precision. A float32 cannot hold GOD's
    /// encoding (at 1,518,878 its step is 0.125, so the image number is lost and may even round to a whole number or
    /// to the next synset), so such a column is refused when any value has a fraction or is 1,000,000 or more (where
    /// a rounded GOD id and a whole id look the same); small whole ids (1, 2, ..., 1200) are exact and read as usual.</param>
    /// <exception cref="FormatException">A value is not finite, or not a GOD id in a GOD-encoded column, or cannot be an exact id in single precision; the message names its position as <paramref name="item"/> N, counted from <paramref name="origin"/>.</exception>
    public static StimulusId[] FromNumbers(IReadOnlyList<double> values, string item = "value", int origin = 1, bool singlePrecision = false)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (singlePrecision)
        {
            for (int i = 0; i < values.Count; i++)
            {
                double v = values[i];
                if (double.IsFinite(v) && (v != Math.Floor(v) || Math.Abs(v) >= SinglePrecisionIdLimit))
                    throw new FormatException($"{item} {i + origin} is {v.ToString("R", CultureInfo.InvariantCulture)} in single precision (float32), which cannot hold "
                        + "GOD stimulus ids (synset + image * 1e-6 needs float64: at 1,518,878 a float32 steps by 0.125) nor tell whole ids from 1,000,000 on "
                        + "from GOD ids it rounded; store the ids as float64 or as text");
            }
        }
        bool godEncoded = values.Any(v => double.IsFinite(v) && v != Math.Floor(v));
        var ids = new StimulusId[values.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            double v = values[i];
            if (!double.IsFinite(v) || Math.Abs(v) > 1e15)
                throw new FormatException($"{item} {i + origin} is {v.ToString("R", CultureInfo.InvariantCulture)}, not a stimulus id");
            try
            {
                ids[i] = godEncoded ? FromGodNumber(v) : new StimulusId(((long)v).ToString(CultureInfo.InvariantCulture));
            }
            catch (FormatException e)
            {
                throw new FormatException($"{item} {i + origin}: {e.Message}", e);
            }
        }
        return ids;
    }

    /// <summary>True when the id is a plain non-negative integer ("17"), which a BData <c>stimulus_id</c> column can hold as a whole number.</summary>
    public bool TryGetPlainInteger(out long number)
    {
        number = 0;
        return Value is { Length: > 0 and <= 15 } v && v.All(char.IsAsciiDigit) && (v.Length == 1 || v[0] != '0')
            && long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }

    /// <summary>The id of image <paramref name="image"/> of WordNet synset <paramref name="synset"/>: "n{synset:D8}_{image}".</summary>
    public static StimulusId FromSynsetAndImage(long synset, int image)
    {
        if (synset < 0 || synset > 99_999_999) throw new ArgumentOutOfRangeException(nameof(synset), synset, "a WordNet synset number has at most 8 digits");
        if (image < 0 || image > MaxGodImageNumber) throw new ArgumentOutOfRangeException(nameof(image), image, "the GOD encoding holds image numbers 0..999999");
        return new StimulusId(string.Create(CultureInfo.InvariantCulture, $"n{synset:D8}_{image}"));
    }

    /// <summary>True when this id has the WordNet form "nSSSSSSSS_I" and so has a GOD float encoding.</summary>
    public bool TryGetSynsetAndImage(out long synset, out int image)
    {
        synset = 0;
        image = 0;
        var v = Value;
        if (v is null || v.Length < 11 || v[0] != 'n' || v[9] != '_') return false;
        return long.TryParse(v.AsSpan(1, 8), NumberStyles.None, CultureInfo.InvariantCulture, out synset)
            && int.TryParse(v.AsSpan(10), NumberStyles.None, CultureInfo.InvariantCulture, out image)
            && image <= MaxGodImageNumber;
    }

    /// <summary>The GOD float encoding (synset + image * 1e-6) of a WordNet-form id.</summary>
    public double ToGodNumber()
    {
        if (!TryGetSynsetAndImage(out long synset, out int image))
            throw new FormatException($"stimulus id '{Value}' has no GOD float encoding (expected nSSSSSSSS_I)");
        return synset + image * 1e-6;
    }

    public int CompareTo(StimulusId other) => string.CompareOrdinal(Value, other.Value);

    public override string ToString() => Value;
}
