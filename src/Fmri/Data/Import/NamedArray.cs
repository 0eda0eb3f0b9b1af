using System.Globalization;

namespace Fmri.Data.Import;

/// <summary>
/// One variable of a MATLAB or NumPy file: a name, a shape in the logical order of its axes (MATLAB's rows x columns x
/// ..., NumPy's shape), and its values in row-major (C) order of that shape, as numbers or as text. MATLAB stores
/// arrays column-major; the readers reorder them, so element (i, j) of a MATLAB matrix is <c>Numbers[i * columns + j]</c>
/// here whatever file it came from.
/// </summary>
public sealed class NamedArray
{
    public NamedArray(string name, int[] shape, double[]? numbers, string[]? texts, string storedType)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if ((numbers is null) == (texts is null)) throw new ArgumentException("an array holds either numbers or texts");
        long count = shape.Aggregate(1L, (a, d) => a * d);
        long held = numbers?.LongLength ?? texts!.LongLength;
        if (held != count) throw new ArgumentException($"{name}: {held} values for shape {FormatShape(shape)}");
        Name = name;
        Shape = shape;
        Numbers = numbers;
        Texts = texts;
        StoredType = storedType;
    }

    /// <summary>Variable name in the file (a struct field of a MATLAB file is <c>struct.field</c>).</summary>
    public string Name { get; }

    /// <summary>Axis lengths, first axis first (MATLAB: rows, columns, ...; NumPy: its shape).</summary>
    public int[] Shape { get; }

    /// <summary>Numeric values, row-major; null for text.</summary>
    public double[]? Numbers { get; }

    /// <summary>Text values (MATLAB char rows and cells of char, NumPy unicode and byte strings), row-major; null for numbers.</summary>
    public string[]? Texts { get; }

    /// <summary>The type as the file stores it (MATLAB class such as <c>double</c> or <c>uint8</c>, NumPy dtype such as <c>&lt;f4</c>).</summary>
    public string StoredType { get; }

    public bool IsText => Texts is not null;

    /// <summary>Floating point with less than double precision: MATLAB <c>single</c>, NumPy float32 or float16 (<c>&lt;f4</c>, <c>&lt;f2</c>).</summary>
    public bool IsSinglePrecision => StoredType is "single" or "float32" or "float16" or "half"
        || (StoredType.Length == 3 && StoredType[0] is '<' or '>' or '=' or '|' && StoredType[1..] is "f4" or "f2");

    public long Count => Numbers?.LongLength ?? Texts!.LongLength;

    /// <summary>The shape without axes of length 1 (a 1 x 90 MATLAB row vector is a vector of 90).</summary>
    public int[] SqueezedShape => Count == 1 ? [1] : Shape.Where(d => d != 1).ToArray();

    /// <summary>"name (90 x 3092 double)".</summary>
    public string Describe() => $"{Name} ({FormatShape(Shape)} {StoredType})";

    public static string FormatShape(IReadOnlyList<int> shape) => shape.Count == 0 ? "scalar" : string.Join(" x ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
}
