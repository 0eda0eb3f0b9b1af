using TorchSharp;
using static TorchSharp.torch;

namespace Fmri.Core.Torch;

/// <summary>
/// Tensor arithmetic whose TorchSharp <see cref="Scalar"/>s stay alive until libtorch returns.
/// <para>
/// TorchSharp 0.107 turns a C# number operand (<c>x * 0.5</c>, <c>1 - x</c>, <c>x.clamp(0, 1)</c>) into a Scalar that it
/// never disposes, and <c>x + y</c> / <c>x.add(y)</c> / <c>x.add_(y)</c> pass an alpha of 1 made the same way. Such a
/// temporary has a finalizer and no reference once its handle has been passed to the native call, so a garbage
/// collection during the call can free it while libtorch reads it ("Unknown scalar type", or a wrong value).
/// </para>
/// <para>
/// Each method makes the same libtorch call with a Scalar of the same C# type as the operator it replaces, so results
/// are bit-identical: <c>x * c</c> and <c>c * x</c> are <c>x.mul(c)</c>, <c>x / c</c> is <c>x.div(c)</c>, <c>x + c</c>
/// is <c>x.add(c, 1)</c>, <c>x - c</c> is <c>x.sub(c)</c>, <c>c - x</c> is <c>(-x).add(c, 1)</c>.
/// </para>
/// </summary>
public static class ScalarArithmetic
{
    /// <summary>The alpha 1 of additions: a static field keeps it reachable, so it is never finalized.</summary>
    public static readonly Scalar One = 1.ToScalar();

    /// <summary><paramref name="x"/> + <paramref name="y"/>.</summary>
    public static Tensor Plus(this Tensor x, Tensor y) => x.add(y, One);

    /// <summary><paramref name="x"/> += <paramref name="y"/> in place; returns <paramref name="x"/>.</summary>
    public static Tensor PlusInPlace(this Tensor x, Tensor y) => x.add_(y, One);

    /// <summary><paramref name="x"/> + <paramref name="c"/>.</summary>
    public static Tensor Plus(this Tensor x, double c) => With(c.ToScalar(), s => x.add(s, One));

    /// <summary><paramref name="x"/> − <paramref name="c"/>.</summary>
    public static Tensor Minus(this Tensor x, double c) => With(c.ToScalar(), x.sub);

    /// <summary><paramref name="c"/> − <paramref name="x"/>, computed as TorchSharp's operator does: (−x) + c.</summary>
    public static Tensor SubtractedFrom(this Tensor x, int c)
    {
        using var negated = x.negative();
        return With(c.ToScalar(), s => negated.add(s, One));
    }

    /// <summary><paramref name="x"/> · <paramref name="c"/> (also <paramref name="c"/> · <paramref name="x"/>).</summary>
    public static Tensor Times(this Tensor x, double c) => With(c.ToScalar(), x.mul);

    /// <summary><paramref name="x"/> · <paramref name="c"/> with a float32 Scalar.</summary>
    public static Tensor Times(this Tensor x, float c) => With(c.ToScalar(), x.mul);

    /// <summary><paramref name="x"/> · <paramref name="c"/> with an integer Scalar.</summary>
    public static Tensor Times(this Tensor x, int c) => With(c.ToScalar(), x.mul);

    /// <summary><paramref name="x"/> / <paramref name="c"/>.</summary>
    public static Tensor DividedBy(this Tensor x, double c) => With(c.ToScalar(), s => x.div(s));

    /// <summary><paramref name="x"/> / <paramref name="c"/> with a float32 Scalar.</summary>
    public static Tensor DividedBy(this Tensor x, float c) => With(c.ToScalar(), s => x.div(s));

    /// <summary><paramref name="x"/> / <paramref name="c"/> with an integer Scalar.</summary>
    public static Tensor DividedBy(this Tensor x, int c) => With(c.ToScalar(), s => x.div(s));

    /// <summary><paramref name="x"/> clamped to [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Tensor Clamped(this Tensor x, double min, double max) => With(min.ToScalar(), max.ToScalar(), x.clamp);

    /// <summary><paramref name="x"/> clamped to [<paramref name="min"/>, <paramref name="max"/>] with integer Scalars.</summary>
    public static Tensor Clamped(this Tensor x, int min, int max) => With(min.ToScalar(), max.ToScalar(), x.clamp);

    /// <summary><paramref name="x"/> raised to the integer power <paramref name="exponent"/>.</summary>
    public static Tensor Pow(this Tensor x, int exponent) => With(exponent.ToScalar(), x.pow);

    /// <summary>
    /// torch.arange(<paramref name="start"/>, <paramref name="stop"/>) with step 1, all integer Scalars, as TorchSharp's
    /// arange(start, stop) and arange(stop) make them.
    /// </summary>
    public static Tensor Arange(int start, int stop, ScalarType dtype, Device device) =>
        With(start.ToScalar(), stop.ToScalar(), (first, end) => arange(first, end, One, dtype, device));

    /// <summary>A tensor of <paramref name="size"/> filled with <paramref name="value"/> (torch.full with an int64 Scalar).</summary>
    public static Tensor Full(long[] size, long value, ScalarType dtype, Device device) =>
        With(value.ToScalar(), s => full(size, s, dtype, device));

    /// <summary>Runs <paramref name="call"/> with <paramref name="scalar"/> and disposes it after the call returns.</summary>
    private static Tensor With(Scalar scalar, Func<Scalar, Tensor> call)
    {
        using (scalar) return call(scalar);
    }

    /// <summary>Runs <paramref name="call"/> with two Scalars and disposes both after the call returns.</summary>
    private static Tensor With(Scalar first, Scalar second, Func<Scalar, Scalar, Tensor> call)
    {
        using (first)
        using (second)
            return call(first, second);
    }
}
