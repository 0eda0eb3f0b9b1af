using System.Text.RegularExpressions;

namespace Fmri.Data.Preprocessing;

/// <summary>What ROI selection kept.</summary>
/// <param name="Dataset">The data set restricted to the selected voxels, other ROI masks re-indexed.</param>
/// <param name="Regions">The dataset's ROI names the expression resolved to, in expression order (empty for "all").</param>
/// <param name="VoxelsPerRegion">Voxel count of each selected region (regions may overlap).</param>
/// <param name="VoxelsBefore">Voxel count of the input.</param>
/// <param name="VoxelsSelected">Size of the union of the selected regions.</param>
public sealed record RoiSelectionResult(
    FmriDataset Dataset,
    IReadOnlyList<string> Regions,
    IReadOnlyDictionary<string, int> VoxelsPerRegion,
    int VoxelsBefore,
    int VoxelsSelected,
    ProcessingStep Step);

/// <summary>
/// Step 1: keep the voxels of a region of interest, or of a union of regions. The expression is region names
/// joined by '+' or '|' ("V1+V2+V3"); each name may use BData's spelling ("ROI_V1", "ROI_V1 = 1"). "all" keeps
/// every voxel. Names match the data set's ROI names exactly, then with or without the "ROI_" prefix, then
/// ignoring case.
/// </summary>
public static partial class RoiSelection
{
    /// <summary>Expression that keeps every voxel.</summary>
    public const string AllVoxels = "all";

    /// <summary>Splits an expression into the region names it mentions, as written, without "= 1".</summary>
    /// <exception cref="ArgumentException">A term is empty or selects with a value other than 1.</exception>
    public static IReadOnlyList<string> ParseExpression(string expression)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(expression);
        var names = new List<string>();
        foreach (string raw in expression.Split('+', '|'))
        {
            string term = raw.Trim();
            var equals = SelectorTerm().Match(term);
            if (equals.Success)
            {
                if (equals.Groups["value"].Value.Trim() is not ("1" or "1.0"))
                    throw new ArgumentException($"ROI expression '{expression}': '{term}' selects with a value other than 1; only '<ROI> = 1' selections are supported", nameof(expression));
                term = equals.Groups["name"].Value.Trim();
            }
            if (term.Length == 0)
                throw new ArgumentException($"ROI expression '{expression}' has an empty region name", nameof(expression));
            if (!names.Contains(term)) names.Add(term);
        }
        return names;
    }

    /// <summary>
    /// Keeps the voxels selected by <paramref name="expression"/>.
    /// </summary>
    /// <exception cref="DataFormatException">A region is not in the data set (field "roi/&lt;name&gt;", listing the available ROIs).</exception>
    public static RoiSelectionResult Apply(FmriDataset dataset, string expression, string file)
    {
        var terms = ParseExpression(expression);
        if (terms.Count == 1 && string.Equals(terms[0], AllVoxels, StringComparison.OrdinalIgnoreCase) && Resolve(dataset, terms[0]) is null)
        {
            return new RoiSelectionResult(
                dataset, [], new Dictionary<string, int>(), dataset.VoxelCount, dataset.VoxelCount,
                ProcessingStep.Of("roi_selection", ("expression", expression), ("regions", AllVoxels), ("voxels_before", dataset.VoxelCount), ("voxels_kept", dataset.VoxelCount)));
        }

        var regions = new List<string>();
        foreach (string term in terms)
        {
            string region = Resolve(dataset, term)
                ?? throw new DataFormatException(file, $"roi/{term}",
                    $"no such ROI; available: {(dataset.Rois.Count == 0 ? "(none)" : string.Join(", ", dataset.Rois.Keys.Order(StringComparer.Ordinal)))}");
            if (!regions.Contains(region)) regions.Add(region);
        }

        var selected = new bool[dataset.VoxelCount];
        var perRegion = new Dictionary<string, int>();
        foreach (string region in regions)
        {
            int[] mask = dataset.Rois[region];
            foreach (int c in mask)
            {
                if (c < 0 || c >= dataset.VoxelCount)
                    throw new DataFormatException(file, $"roi/{region}", $"has voxel index {c} outside 0..{dataset.VoxelCount - 1}");
                selected[c] = true;
            }
            perRegion[region] = mask.Length;
        }
        int[] columns = Enumerable.Range(0, dataset.VoxelCount).Where(c => selected[c]).ToArray();
        if (columns.Length == 0)
            throw new DataFormatException(file, $"roi/{regions[0]}", "selects no voxels");

        var step = ProcessingStep.Of("roi_selection",
            ("expression", expression),
            ("regions", string.Join("+", regions)),
            ("voxels_per_region", string.Join(", ", regions.Select(r => $"{r}:{perRegion[r]}"))),
            ("voxels_before", dataset.VoxelCount),
            ("voxels_kept", columns.Length));
        return new RoiSelectionResult(DatasetSlicing.SelectVoxels(dataset, columns), regions, perRegion, dataset.VoxelCount, columns.Length, step);
    }

    /// <summary>The data set's ROI name a term refers to, or null.</summary>
    private static string? Resolve(FmriDataset dataset, string term)
    {
        const string prefix = "ROI_";
        string bare = term.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? term[prefix.Length..] : term;
        string[] candidates = [term, bare, prefix + bare];
        foreach (string candidate in candidates)
            if (dataset.Rois.ContainsKey(candidate)) return candidate;
        foreach (string candidate in candidates)
        {
            var matches = dataset.Rois.Keys.Where(k => string.Equals(k, candidate, StringComparison.OrdinalIgnoreCase)).ToList();
            if (matches.Count == 1) return matches[0];
        }
        return null;
    }

    [GeneratedRegex(@"^(?<name>[^=]*)=(?<value>.*)$")]
    private static partial Regex SelectorTerm();
}
