using System.Globalization;
using System.Text;
using Fmri.Core.IO;

namespace Fmri.Core.Training;

/// <summary>
/// Records the training loss per step and writes it as CSV (<c>step,epoch,loss,&lt;extra columns&gt;</c>),
/// atomically, numbers in invariant culture with round-trip precision. A resumed run reads the curve back and drops
/// the rows after the checkpoint's step before it continues.
/// </summary>
public sealed class LossCurve
{
    private static readonly string[] FixedColumns = ["step", "epoch", "loss"];
    private readonly List<LossCurvePoint> points = [];

    /// <param name="extraColumns">Names of further columns (e.g. "lr", "grad_norm"): letters, digits and underscores.</param>
    public LossCurve(IReadOnlyList<string>? extraColumns = null)
    {
        ExtraColumns = extraColumns?.ToArray() ?? [];
        foreach (var name in ExtraColumns)
        {
            if (string.IsNullOrEmpty(name) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                throw new ArgumentException($"loss curve: column name '{name}' must be letters, digits and underscores");
            if (FixedColumns.Contains(name))
                throw new ArgumentException($"loss curve: column name '{name}' is one of the fixed columns (step, epoch, loss)");
        }
        if (ExtraColumns.Distinct(StringComparer.Ordinal).Count() != ExtraColumns.Count)
            throw new ArgumentException($"loss curve: column names repeat: {string.Join(", ", ExtraColumns)}");
    }

    public IReadOnlyList<string> ExtraColumns { get; }

    public IReadOnlyList<LossCurvePoint> Points => points;

    /// <summary>Appends a row; <paramref name="extras"/> gives one value per extra column.</summary>
    public void Add(long step, int epoch, double loss, params double[] extras)
    {
        if (extras.Length != ExtraColumns.Count)
            throw new ArgumentException($"loss curve: {extras.Length} extra value(s) given for {ExtraColumns.Count} extra column(s) ({string.Join(", ", ExtraColumns)})");
        if (points.Count > 0 && step <= points[^1].Step)
            throw new ArgumentException($"loss curve: step {step} does not follow the last recorded step {points[^1].Step}");
        points.Add(new LossCurvePoint(step, epoch, loss, extras.ToArray()));
    }

    /// <summary>Mean loss over the recorded steps of <paramref name="epoch"/> (0-based); NaN when none is recorded.</summary>
    public double MeanLoss(int epoch)
    {
        var losses = points.Where(p => p.Epoch == epoch).Select(p => p.Loss).ToList();
        return losses.Count == 0 ? double.NaN : losses.Average();
    }

    /// <summary>Removes the rows after <paramref name="step"/> (resuming from a checkpoint saved at that step).</summary>
    public void DropAfter(long step) => points.RemoveAll(p => p.Step > step);

    /// <summary>Writes the curve as CSV, atomically.</summary>
    public void Save(string path)
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', FixedColumns.Concat(ExtraColumns)).Append('\n');
        foreach (var p in points)
        {
            csv.Append(p.Step.ToString(CultureInfo.InvariantCulture)).Append(',')
               .Append(p.Epoch.ToString(CultureInfo.InvariantCulture)).Append(',')
               .Append(Number(p.Loss));
            foreach (double extra in p.Extras) csv.Append(',').Append(Number(extra));
            csv.Append('\n');
        }
        AtomicFile.WriteAllText(path, csv.ToString());
    }

    /// <summary>Reads a curve written by <see cref="Save"/>; errors name the file, line and column.</summary>
    public static LossCurve Read(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new DataFormatException(path, "line 1", "file is empty; expected the header step,epoch,loss,...");
        var header = lines[0].Split(',');
        if (header.Length < 3 || !header.Take(3).SequenceEqual(FixedColumns))
            throw new DataFormatException(path, "line 1", $"header '{lines[0]}' does not start with step,epoch,loss");
        var curve = new LossCurve(header.Skip(3).ToArray());
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var cells = lines[i].Split(',');
            if (cells.Length != header.Length)
                throw new DataFormatException(path, $"line {i + 1}", $"has {cells.Length} values for {header.Length} columns");
            if (!long.TryParse(cells[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long step))
                throw new DataFormatException(path, $"line {i + 1} step", $"'{cells[0]}' is not an integer");
            if (!int.TryParse(cells[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int epoch))
                throw new DataFormatException(path, $"line {i + 1} epoch", $"'{cells[1]}' is not an integer");
            var values = new double[cells.Length - 2];
            for (int c = 2; c < cells.Length; c++)
            {
                if (!double.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out values[c - 2]))
                    throw new DataFormatException(path, $"line {i + 1} {header[c]}", $"'{cells[c]}' is not a number");
            }
            try
            {
                curve.Add(step, epoch, values[0], values[1..]);
            }
            catch (ArgumentException e)
            {
                throw new DataFormatException(path, $"line {i + 1}", e.Message);
            }
        }
        return curve;
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
