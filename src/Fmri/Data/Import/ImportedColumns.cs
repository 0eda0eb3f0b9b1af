using System.Globalization;

namespace Fmri.Data.Import;

/// <summary>
/// The rules the fMRI and stimulus importers share, so that both read the same file into the same ids and labels:
/// <list type="bullet">
/// <item>vectors: a variable with one axis longer than 1 (MATLAB's 1 x N and N x 1 are both vectors);</item>
/// <item>stimulus ids from an id variable: text as given; numbers by <see cref="StimulusId.FromNumbers"/> (plain whole
/// numbers stay as given, GOD floats are parsed); without one, the 1-based position: training items 1..T, then test
/// items T+1..T+S (one matrix with a split variable: its row number);</item>
/// <item>category labels: the distinct values of the label variables, training and test together, sorted (numerically
/// when every value is a number, else by ordinal text order); a label is its value's index, its name the value as text
/// (a whole number without decimals), unless a names variable gives the names in that order.</item>
/// </list>
/// </summary>
public static class ImportedColumns
{
    /// <summary>The values of a vector variable as numbers or texts; <paramref name="option"/> names the flag for errors.</summary>
    public static (double[]? Numbers, string[]? Texts) Vector(NamedArray array, string option, int? expectedLength = null)
    {
        var squeezed = array.SqueezedShape;
        if (squeezed.Length > 1)
            throw new InvalidSettingException(option, $"'{array.Name}'", $"is {NamedArray.FormatShape(array.Shape)}; expected a vector (one value per item)");
        if (expectedLength is int n && array.Count != n)
            throw new InvalidSettingException(option, $"'{array.Name}'", $"has {array.Count} values for {n} items");
        return (array.Numbers, array.Texts);
    }

    /// <summary>Stimulus ids from an id variable (see the class summary).</summary>
    public static StimulusId[] Ids(NamedArray array, string option, int expectedLength)
    {
        var (numbers, texts) = Vector(array, option, expectedLength);
        if (texts is not null)
        {
            if (texts.Any(string.IsNullOrWhiteSpace))
                throw new InvalidSettingException(option, $"'{array.Name}'", "has an empty stimulus id");
            return Array.ConvertAll(texts, t => new StimulusId(t.Trim()));
        }
        try
        {
            return StimulusId.FromNumbers(numbers!, singlePrecision: array.IsSinglePrecision);
        }
        catch (FormatException e)
        {
            throw new InvalidSettingException(option, $"'{array.Name}'", e.Message, e);
        }
    }

    /// <summary>Ids 1..count, then count+1.. for the following part: <paramref name="offset"/> items come before.</summary>
    public static StimulusId[] PositionalIds(int count, int offset) =>
        Enumerable.Range(offset + 1, count).Select(i => new StimulusId(i.ToString(CultureInfo.InvariantCulture))).ToArray();

    /// <summary>
    /// Category labels and names for the label vectors of all parts (null parts: no labels, -1). Returns one label
    /// array per part, in order, and the names.
    /// </summary>
    public static (int[][] Labels, string[] Names) Categories(IReadOnlyList<(NamedArray? Array, int Count, string Option)> parts, NamedArray? names, string namesOption)
    {
        var values = new List<string?[]>();
        bool anyLabels = false;
        foreach (var (array, count, option) in parts)
        {
            if (array is null) { values.Add(new string?[count]); continue; }
            anyLabels = true;
            var (numbers, texts) = Vector(array, option, count);
            values.Add(texts is not null
                ? texts.Select(t => string.IsNullOrWhiteSpace(t) ? null : t.Trim()).ToArray()
                : numbers!.Select(v => double.IsNaN(v) ? null : NumberText(v)).ToArray());
        }
        if (!anyLabels) return (values.Select(v => Enumerable.Repeat(-1, v.Length).ToArray()).ToArray(), []);
        var distinct = values.SelectMany(v => v).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        bool numeric = distinct.All(t => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        var ordered = numeric
            ? distinct.OrderBy(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray()
            : distinct.Order(StringComparer.Ordinal).ToArray();
        var indexOf = ordered.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i, StringComparer.Ordinal);
        string[] categoryNames = ordered;
        if (names is not null)
        {
            var (_, nameTexts) = Vector(names, namesOption);
            if (nameTexts is null) throw new InvalidSettingException(namesOption, $"'{names.Name}'", "holds numbers; category names must be text");
            if (nameTexts.Length != ordered.Length)
                throw new InvalidSettingException(namesOption, $"'{names.Name}'", $"has {nameTexts.Length} names for {ordered.Length} distinct labels ({string.Join(", ", ordered.Take(10))})");
            categoryNames = nameTexts.Select(t => t.Trim()).ToArray();
        }
        return (values.Select(v => v.Select(t => t is null ? -1 : indexOf[t]).ToArray()).ToArray(), categoryNames);
    }

    /// <summary>A number as a label or id text: whole numbers without decimals ("2"), others in round-trip form.</summary>
    public static string NumberText(double v) => v == Math.Floor(v) && Math.Abs(v) < 1e15
        ? ((long)v).ToString(CultureInfo.InvariantCulture)
        : v.ToString("R", CultureInfo.InvariantCulture);
}
