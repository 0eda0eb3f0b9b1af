namespace Fmri.Ridge;

/// <summary>
/// The normal equations of ridge regression for standardised features Xs (n x p) and centred targets Y (n x q),
/// factored by Cholesky for any number of lambdas. Solves the smaller of two equivalent systems:
/// <list type="bullet">
/// <item>primal (p &lt;= n): (Xs'Xs + lambda I) B = Xs'Y, giving the coefficients B (p x q);</item>
/// <item>dual (p &gt; n): (Xs Xs' + lambda I) A = Y, with B = Xs'A (push-through identity).</item>
/// </list>
/// </summary>
internal sealed class RidgeSystem
{
    private readonly double[] xs;
    private readonly int n, p, q;
    private readonly double[] gram;
    private readonly double[] rightHandSide;

    public RidgeSystem(double[] xs, int n, int p, double[] y, int q)
    {
        this.xs = xs;
        this.n = n;
        this.p = p;
        this.q = q;
        IsDual = p > n;
        if (IsDual)
        {
            gram = DenseKernels.MultiplyByTranspose(xs, n, p, xs, n, symmetric: true); // (n, n) = Xs Xs'
            rightHandSide = y;
        }
        else
        {
            var xt = DenseKernels.Transpose(xs, n, p); // (p, n)
            gram = DenseKernels.MultiplyByTranspose(xt, p, n, xt, p, symmetric: true); // (p, p) = Xs'Xs
            rightHandSide = DenseKernels.Multiply(xt, p, n, y, q); // (p, q) = Xs'Y
        }
    }

    /// <summary>True when the n x n (dual) system is solved.</summary>
    public bool IsDual { get; }

    /// <summary>Order of the system that is factored: min(n, p).</summary>
    public int Order => IsDual ? n : p;

    /// <summary>The solution for <paramref name="lambda"/>: B (p x q) for the primal system, A (n x q) for the dual.</summary>
    public double[] Solve(double lambda)
    {
        var factor = DenseKernels.CholeskyFactor(gram, Order, lambda);
        var solution = (double[])rightHandSide.Clone();
        DenseKernels.CholeskySolveInPlace(factor, Order, solution, q);
        return solution;
    }

    /// <summary>The coefficients B (p x q) of a solution.</summary>
    public double[] Coefficients(double[] solution)
        => IsDual ? DenseKernels.Multiply(DenseKernels.Transpose(xs, n, p), p, n, solution, q) : solution;

    /// <summary>
    /// The design that multiplies a solution to predict standardised rows <paramref name="heldOut"/> (m x p):
    /// the rows themselves (primal), or their inner products with the training rows, (m x n) (dual).
    /// </summary>
    public double[] PredictionDesign(double[] heldOut, int m)
        => IsDual ? DenseKernels.MultiplyByTranspose(heldOut, m, p, xs, n) : heldOut;

    /// <summary>Predictions (m x q) of centred targets from a <see cref="PredictionDesign"/> and a solution.</summary>
    public double[] Predict(double[] design, int m, double[] solution) => DenseKernels.Multiply(design, m, Order, solution, q);
}
