namespace Fmri.Core.Training;

/// <summary>One row of a <see cref="LossCurve"/>: the loss after an optimiser step, with optional extra columns.</summary>
/// <param name="Step">Optimiser step (global, across epochs).</param>
/// <param name="Epoch">Epoch the step belongs to.</param>
/// <param name="Loss">Training loss at that step.</param>
/// <param name="Extras">Values of the curve's extra columns, in their order (e.g. learning rate, gradient norm).</param>
public sealed record LossCurvePoint(long Step, int Epoch, double Loss, IReadOnlyList<double> Extras);
