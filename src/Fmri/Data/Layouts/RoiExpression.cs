
namespace Fmri.Data.Layouts;

/// <summary>
/// Which regions of interest to keep, written as BData tools write it: one ROI (<c>VC</c>, <c>ROI_VC</c>,
/// <c>ROI_VC = 1</c>) or a union of ROIs joined by <c>+</c> or <c>|</c> (<c>V1+V2+V3</c>,
/// <c>ROI_V1 = 1 | ROI_V2 = 1</c>). Names are kept without the <c>ROI_</c> prefix.
/// </summary>
public sealed record RoiExpression
{
    private const string Prefix = "ROI_";

    private RoiExpression(string text, IReadOnlyList<string> names)
    {
        Text = text;
        Names = names;
    }

    /// <summary>The expression as the user wrote it.</summary>
    public string Text { get; }

    /// <summary>ROI names in the union, without the <c>ROI_</c> prefix, in the order written, without repeats.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Parses an expression; <see cref="ArgumentException"/> naming the bad term when it is not a union of ROI names.</summary>
    public static RoiExpression Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var names = new List<string>();
        foreach (string raw in text.Split(['+', '|']))
        {
            string term = raw.Trim();
            int equals = term.IndexOf('=');
            if (equals >= 0)
            {
                string value = term[(equals + 1)..].Trim().TrimStart('=').Trim();
                if (value is not ("1" or "1.0"))
                    throw new ArgumentException($"ROI expression '{text}': term '{term}' selects value {value}; only '= 1' (the voxels of the ROI) is supported");
                term = term[..equals].Trim();
            }
            if (term.StartsWith(Prefix, StringComparison.Ordinal)) term = term[Prefix.Length..];
            if (term.Length == 0)
                throw new ArgumentException($"ROI expression '{text}' has an empty term; write e.g. 'VC', 'ROI_VC = 1' or 'V1+V2+V3'");
            if (term.Any(c => char.IsWhiteSpace(c) || c is '(' or ')' or '&' or '@' or '/'))
                throw new ArgumentException($"ROI expression '{text}': '{term}' is not an ROI name; only unions ('+' or '|') of ROI names are supported");
            if (!names.Contains(term, StringComparer.Ordinal)) names.Add(term);
        }
        return new RoiExpression(text, names);
    }

    /// <summary>
    /// Resolves each name against the ROIs a file has: exact match first, else a unique case-insensitive match.
    /// Throws <see cref="DataFormatException"/> naming the file and the missing ROI, listing the ROIs present.
    /// </summary>
    public IReadOnlyList<string> Resolve(IEnumerable<string> available, string file)
    {
        var present = available.ToList();
        var resolved = new List<string>();
        foreach (string name in Names)
        {
            string? match = present.FirstOrDefault(p => string.Equals(p, name, StringComparison.Ordinal));
            if (match is null)
            {
                var folded = present.Where(p => string.Equals(p, name, StringComparison.OrdinalIgnoreCase)).ToList();
                if (folded.Count == 1) match = folded[0];
            }
            if (match is null)
            {
                string list = present.Count == 0 ? "the file defines no ROIs" : $"ROIs present: {string.Join(", ", present)}";
                throw new DataFormatException(file, $"ROI_{name}", $"is not in the file; {list}");
            }
            if (!resolved.Contains(match)) resolved.Add(match);
        }
        return resolved;
    }

    public override string ToString() => string.Join("+", Names);
}
