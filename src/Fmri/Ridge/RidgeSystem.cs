using Fmri.Core.Torch;
using static TorchSharp.torch;

namespace Fmri.Ridge;

/// <summary>
/// The normal equations of ridge regression for standardised features Xs (n x p) and centred targets Y (n x q), solved
/// for any number of lambdas from one eigendecomposition (libtorch's LAPACK, float64). Of the two equivalent systems
/// the smaller is used:
/// <list type="bullet">
/// <item>primal (p &lt;= n): G = Xs'Xs, R = Xs'Y, (G + lambda I) B = R gives the coefficients B (p x q);</item>
/// <item>dual (p &gt; n): G = Xs Xs', R = Y, (G + lambda I) A = R, with B = Xs'A (push-through identity).</item>
/// </list>
/// With G = U diag(s) U', the solution is U diag(1 / (s + lambda)) U'R: after the decomposition each lambda costs one
/// scaled product, which makes cross-validating many lambdas cheap.
/// </summary>
internal sealed class RidgeSystem : IDisposable
{
    private readonly Tensor xs;            // (n, p)
    private readonly Tensor eigenvalues;   // (order)
    private readonly Tensor eigenvectors;  // (order, order)
    private readonly Tensor projected;     // U'R (order, q)
    private readonly int n, p, q;

    public RidgeSystem(double[] xs, int n, int p, double[] y, int q)
    {
        this.n = n;
        this.p = p;
        this.q = q;
        IsDual = p > n;
        using var scope = NewDisposeScope();
        var x = tensor(xs, new long[] { n, p }, ScalarType.Float64);                       // (n, p)
        var targets = tensor(y, new long[] { n, q }, ScalarType.Float64);                  // (n, q)
        var gram = IsDual ? x.matmul(x.t()) : x.t().matmul(x);                             // (order, order)
        var rhs = IsDual ? targets : x.t().matmul(targets);                                // (order, q)
        var (values, vectors) = linalg.eigh(gram);
        this.xs = x.MoveToOuterDisposeScope();
        eigenvalues = values.MoveToOuterDisposeScope();
        eigenvectors = vectors.MoveToOuterDisposeScope();
        projected = vectors.t().matmul(rhs).MoveToOuterDisposeScope();
    }

    /// <summary>True when the n x n (dual) system is solved.</summary>
    public bool IsDual { get; }

    /// <summary>Order of the system that is solved: min(n, p).</summary>
    public int Order => IsDual ? n : p;

    /// <summary>The solution for <paramref name="lambda"/>: B (p x q) for the primal system, A (n x q) for the dual.</summary>
    public double[] Solve(double lambda)
    {
        RequirePositiveDefinite(lambda);
        using var scope = NewDisposeScope();
        return Solution(lambda).contiguous().data<double>().ToArray();
    }

    /// <summary>The coefficients B (p x q) of a solution.</summary>
    public double[] Coefficients(double[] solution)
    {
        if (!IsDual) return solution;
        using var scope = NewDisposeScope();
        return xs.t().matmul(tensor(solution, new long[] { n, q }, ScalarType.Float64)).contiguous().data<double>().ToArray();
    }

    /// <summary>
    /// Predictions (m x q) of centred targets for standardised held-out rows (m x p), for every lambda: from the rows
    /// (primal) or their inner products with the training rows (dual), times U diag(1 / (s + lambda)) U'R.
    /// </summary>
    public IReadOnlyList<double[]> PredictAll(double[] heldOut, int m, IReadOnlyList<double> lambdas)
    {
        foreach (double lambda in lambdas) RequirePositiveDefinite(lambda);
        using var scope = NewDisposeScope();
        var rows = tensor(heldOut, new long[] { m, p }, ScalarType.Float64);              // (m, p)
        var design = IsDual ? rows.matmul(xs.t()) : rows;                                  // (m, order)
        var rotated = design.matmul(eigenvectors);                                         // (m, order)
        var result = new List<double[]>(lambdas.Count);
        foreach (double lambda in lambdas)
        {
            var weights = ShiftedReciprocal(lambda);                                       // (order)
            result.Add((rotated * weights).matmul(projected).contiguous().data<double>().ToArray());   // (m, q)
        }
        return result;
    }

    /// <summary>
    /// Rejects a lambda for which G + lambda I is singular to working precision (lambda = 0 with collinear features): its
    /// smallest eigenvalue must exceed a tolerance relative to the largest.
    /// </summary>
    private void RequirePositiveDefinite(double lambda)
    {
        double smallest = eigenvalues[0].item<double>() + lambda;
        double largest = eigenvalues[-1].item<double>() + lambda;
        double tolerance = Math.Max(largest, 0) * Order * 1e-12;
        if (!(smallest > tolerance))
            throw new ArgumentException($"lambda: X'X + {lambda} I is not positive definite (smallest eigenvalue {smallest:G3}); use a larger lambda", nameof(lambda));
    }

    private Tensor Solution(double lambda) => eigenvectors.matmul(ShiftedReciprocal(lambda).unsqueeze(1) * projected);   // (order, q)

    /// <summary>
    /// 1 / (s + lambda) (order). The lambda, and the alpha 1 that <c>add</c> would otherwise make implicitly, go to
    /// libtorch as Scalars kept alive until the call returns: an implicit one can be finalized by a garbage collection
    /// that another thread's allocation starts during the native call, and libtorch then reads a freed Scalar
    /// ("Unknown scalar type"). See <see cref="ScalarArithmetic"/>.
    /// </summary>
    private Tensor ShiftedReciprocal(double lambda)
    {
        using var shifted = eigenvalues.Plus(lambda);
        return shifted.reciprocal();
    }

    public void Dispose()
    {
        xs.Dispose();
        eigenvalues.Dispose();
        eigenvectors.Dispose();
        projected.Dispose();
    }
}
