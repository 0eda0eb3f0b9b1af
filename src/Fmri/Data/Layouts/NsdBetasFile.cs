using System.Text.RegularExpressions;
using Fmri.Core.IO;
using PureHDF;
using PureHDF.Selections;
using PureHDF.VOL.Native;

namespace Fmri.Data.Layouts;

/// <summary>
/// Natural Scenes Dataset single-trial betas, <c>betas_sessionNN.hdf5</c>: dataset <c>/betas</c>, int16, shape
/// trials x Z x Y x X in C order (MATLAB's X x Y x Z x 750), chunked (trials, 1, 1, 1) in the released files;
/// value / 300 = percent signal change. Because such a chunk holds one voxel's whole session, reading one trial
/// touches a chunk per voxel: the reader reads trial by trial, only the mask's voxels (runs of consecutive voxels
/// along X as one hyperslab selection), and keeps the chunks it visits in a cache bounded by the size of the kept
/// voxels of the session plus one trial volume, so every chunk is decoded once and memory does not grow with the
/// whole session. NSD's NIfTI form, <c>betas_sessionNN.nii.gz</c> (X x Y x Z x trials int16, same values), is read
/// in one pass volume after volume, keeping the mask's voxels of each.
/// </summary>
public static partial class NsdBetasFile
{
    /// <summary>Stored int16 units per 1 % signal change.</summary>
    public const float UnitsPerPercent = 300f;

    private const string BetasPath = "/betas";

    /// <summary>
    /// The run of each row. Every NSD session numbers its runs from the start again, and per-run z-scoring and
    /// detrending group samples by run number, so when several sessions are read together session s's run r becomes
    /// (s - 1) x stride + r, stride one more than the highest run number in the design: run 1 of session 2 is not run 1
    /// of session 1. One session keeps the design's run numbers.
    /// </summary>
    public static int[] RunNumbers(NsdDesign design, IReadOnlyList<int> rows, int sessionsRead)
    {
        ArgumentNullException.ThrowIfNull(design);
        ArgumentNullException.ThrowIfNull(rows);
        if (sessionsRead <= 1) return rows.Select(r => design.Runs[r]).ToArray();
        int stride = design.Runs.Max() + 1;
        return rows.Select(r => checked((design.Sessions[r] - 1) * stride + design.Runs[r])).ToArray();
    }

    /// <summary>
    /// Reads the mask's voxels of every trial of <paramref name="sessionFiles"/>, trial by trial, as percent signal
    /// change, the sessions one after another. Each file's session is <paramref name="sessions"/>' entry for it, else
    /// the number in its name (<c>betas_session03</c>, BIDS' <c>ses-03</c>); a file with neither is refused, since its
    /// session decides which of the design's trials (and so which images) it holds. <paramref name="progress"/> gets the
    /// fraction of trials read after each trial.
    /// </summary>
    /// <param name="sessions">The session of each file, in order (<c>--nsd-session</c>); null: from the file names.</param>
    public static FmriDataset Read(IReadOnlyList<string> sessionFiles, NsdMask mask, NsdDesign design, IProgress<double>? progress = null, bool hashSources = true,
        IReadOnlyList<int>? sessions = null)
    {
        ArgumentNullException.ThrowIfNull(sessionFiles);
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(design);
        if (sessionFiles.Count == 0) throw new ArgumentException("no NSD session files given", nameof(sessionFiles));
        if (sessions is not null && sessions.Count != sessionFiles.Count)
            throw new InvalidSettingException("nsd_session", string.Join(" ", sessions),
                $"gives {sessions.Count} session{(sessions.Count == 1 ? "" : "s")} for {sessionFiles.Count} betas file{(sessionFiles.Count == 1 ? "" : "s")}; give one per file, in the files' order");
        var designSessions = design.SessionNumbers();

        // First pass: check every file's shape against the mask and the design before allocating the output.
        var plan = new List<(string File, int Session, int[] Rows)>();
        for (int k = 0; k < sessionFiles.Count; k++)
        {
            string file = sessionFiles[k];
            int trials;
            if (NiftiHeader.IsNiftiName(file))
            {
                trials = CheckNifti(file, mask).Trials;
            }
            else
            {
                using var input = Hdf5Input.Open(file);
                trials = CheckBetas(input, mask).Trials;
            }
            int session = sessions?[k] ?? SessionOf(file) ?? throw new InvalidSettingException("nsd_session", null,
                $"is required: {file} has no session number in its name (betas_sessionNN or ses-NN), and the session decides which of the design's trials, and so which images, it holds");
            if (!designSessions.Contains(session))
                throw sessions is null
                    ? new InvalidSettingException("nsd_session", null,
                        $"is required: the name of {file} says session {session}, which the design does not list (sessions {designSessions.First()}-{designSessions.Last()})")
                    : new InvalidSettingException("nsd_session", session, $"is not a session of the design (sessions {designSessions.First()}-{designSessions.Last()})");
            if (plan.FirstOrDefault(p => p.Session == session) is { File: { } twice })
                throw new InvalidSettingException("nsd_session", session, $"is given twice: {twice} and {file} would both be read as session {session}");
            var rows = design.TrialsOf(session);
            if (rows.Length != trials)
                throw new DataFormatException(file, NiftiHeader.IsNiftiName(file) ? "dim[4]" : BetasPath, $"has {trials} trials but the design lists {rows.Length} for session {session}");
            plan.Add((file, session, rows));
        }

        int kept = mask.Count;
        int total = plan.Sum(p => p.Rows.Length);
        var voxels = new float[(long)total * kept];
        var runsAlongX = RunsAlongX(mask);
        var trialBuffer = new short[kept];
        int done = 0;
        foreach (var (file, _, rows) in plan)
        {
            if (NiftiHeader.IsNiftiName(file))
            {
                done = ReadNifti(file, mask, rows.Length, voxels, done, total, progress);
                continue;
            }
            using var input = Hdf5Input.Open(file);
            var betas = input.Dataset(BetasPath);
            long budget = (long)kept * rows.Length * sizeof(short) + mask.Shape.Count * sizeof(short);
            var access = new H5DatasetAccess(ChunkCache: new BoundedChunkCache(budget));
            for (int t = 0; t < rows.Length; t++)
            {
                var selection = KeptVoxelsOfTrial(t, runsAlongX, kept);
                input.Guard(BetasPath, () => { betas.Read<short>(access, trialBuffer.AsSpan(), selection, null, null); return true; });
                var row = voxels.AsSpan((int)((long)done * kept), kept);
                for (int v = 0; v < kept; v++) row[v] = trialBuffer[v] / UnitsPerPercent;
                done++;
                progress?.Report((double)done / total);
            }
        }

        var allRows = plan.SelectMany(p => p.Rows).ToArray();
        var dataset = new FmriDataset
        {
            Voxels = voxels,
            SampleCount = total,
            VoxelCount = kept,
            StimulusIds = allRows.Select(r => NsdDesign.StimulusOf(design.NsdIndices[r])).ToArray(),
            CategoryLabels = Enumerable.Repeat(-1, total).ToArray(),
            Runs = RunNumbers(design, allRows, plan.Count),
            Splits = allRows.Select(r => design.Shared1000[r] ? DataSplit.Test : DataSplit.Train).ToArray(),
            RepeatCounts = Enumerable.Repeat(1, total).ToArray(),
            Rois = new Dictionary<string, int[]> { [mask.Name] = Enumerable.Range(0, kept).ToArray() },
            VoxelCoordinates = mask.VoxelCoordinatesMm(),
            Subject = design.Subject,
            Provenance = new DatasetProvenance
            {
                SourceFile = string.Join(";", plan.Select(p => p.File)),
                SourceSha256 = hashSources ? string.Join(";", plan.Select(p => FileHash.Sha256(p.File))) : "",
                SourceLayout = "nsd",
                Steps =
                [
                    ProcessingStep.Of("nsd_sessions", ("sessions", string.Join(" ", plan.Select(p => p.Session)))),
                    ProcessingStep.Of("select_voxels", ("mask", mask.Name), ("voxels", kept)),
                    ProcessingStep.Of("betas_to_percent_signal_change", ("divisor", UnitsPerPercent)),
                ],
            },
        };
        dataset.Validate(plan[0].File);
        return dataset;
    }

    /// <summary>
    /// Writes an NSD-style session file: <c>/betas</c> int16, trials x Z x Y x X from row-major <paramref name="betas"/>,
    /// chunked (trials, 1, 1, 1) like the released files unless <paramref name="chunks"/> says otherwise. Atomic.
    /// </summary>
    public static void Write(string path, short[] betas, int trials, VolumeShape shape, uint[]? chunks = null)
    {
        ArgumentNullException.ThrowIfNull(betas);
        if (trials < 1 || shape.Count < 1) throw new ArgumentException($"{path}: an NSD session needs at least one trial and one voxel (got {trials} trials of {shape})");
        if (betas.LongLength != trials * shape.Count)
            throw new ArgumentException($"{path}: betas hold {betas.LongLength} values, expected {trials} trials x {shape} = {trials * shape.Count}", nameof(betas));
        chunks ??= [(uint)trials, 1, 1, 1];
        if (chunks.Length != 4 || chunks.Any(c => c == 0))
            throw new ArgumentException($"{path}: chunks must be 4 positive sizes (trials, Z, Y, X), got [{string.Join(", ", chunks)}]", nameof(chunks));
        var file = new H5File
        {
            ["betas"] = new H5Dataset(betas, fileDims: [(ulong)trials, (ulong)shape.Z, (ulong)shape.Y, (ulong)shape.X], chunks: chunks),
        };
        AtomicFile.Write(path, tmp => file.Write(tmp));
    }

    /// <summary>What a bare betas file holds, without a mask or a design: for <c>decoding inspect</c>.</summary>
    /// <param name="Trials">Trials in the session.</param>
    /// <param name="Grid">The volume as a C-order (Z, Y, X) shape: HDF5 /betas is trials x Z x Y x X, NIfTI is X x Y x Z x trials.</param>
    /// <param name="DataType">The stored type (int16 in the released files).</param>
    /// <param name="Storage">How the values are stored: the HDF5 chunk shape, contiguous, or NIfTI (gzip) volume after volume.</param>
    /// <param name="FirstTrial">Minimum, maximum and mean of the first trial's volume in percent signal change (stored / 300), zeros outside the brain included.</param>
    public sealed record Description(int Trials, VolumeShape Grid, string DataType, string Storage, (double Min, double Max, double Mean) FirstTrial);

    /// <summary>Describes one session file (HDF5 <c>/betas</c> or NIfTI-1 4-D), reading only its first trial.</summary>
    public static Description Describe(string path)
    {
        short[] first;
        VolumeShape grid;
        int trials;
        string storage;
        if (NiftiHeader.IsNiftiName(path))
        {
            (trials, grid) = CheckNifti(path, mask: null);
            var (header, stream) = NiftiHeader.OpenStream(path);
            using (stream)
            {
                first = new short[grid.Count];
                ReadNiftiVolume(stream, header, path, 0, first);
            }
            storage = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
                ? "NIfTI-1, gzip-compressed: read volume after volume in one pass"
                : "NIfTI-1: read volume after volume in one pass";
        }
        else
        {
            using var input = Hdf5Input.Open(path);
            (trials, grid) = CheckBetas(input, mask: null);
            var dataset = input.Dataset(BetasPath);
            var layout = input.Guard(BetasPath, () => dataset.Layout);
            storage = layout.Class == H5DataLayoutClass.Chunked
                ? $"HDF5 chunks {string.Join(" x ", layout.Chunks)}" + (layout.Chunks[0] > 1 ? " (a chunk holds one voxel's trials: reading goes trial by trial through a bounded chunk cache)" : "")
                : "HDF5, contiguous";
            first = new short[grid.Count];
            var slab = new HyperslabSelection(4, [0, 0, 0, 0], [1, (ulong)grid.Z, (ulong)grid.Y, (ulong)grid.X]);
            input.Guard(BetasPath, () => { dataset.Read<short>(first.AsSpan(), slab, null, null); return true; });
        }
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0;
        foreach (short v in first)
        {
            double p = v / UnitsPerPercent;
            min = Math.Min(min, p);
            max = Math.Max(max, p);
            sum += p;
        }
        return new Description(trials, grid, "int16", storage, (min, max, sum / first.Length));
    }

    /// <summary>
    /// Checks a NIfTI-1 session file is 4-D int16 (X x Y x Z x trials, as NSD ships <c>betas_sessionNN.nii.gz</c>) on the
    /// mask's grid; returns (trials, grid as Z x Y x X). X is fastest on disk, so a volume's file order is the C order
    /// of the (Z, Y, X) grid the mask indexes.
    /// </summary>
    private static (int Trials, VolumeShape Grid) CheckNifti(string path, NsdMask? mask)
    {
        var (header, stream) = NiftiHeader.OpenStream(path);
        stream.Dispose();
        var dims = header.Dimensions;
        if (dims.Length != 4)
            throw new DataFormatException(path, "dim", $"is {string.Join(" x ", dims)}; NSD betas are 4-D, X x Y x Z x trials");
        if (header.DataTypeCode != 4 || header.Scaling is not null)
            throw new DataFormatException(path, "datatype", $"is {header.DataTypeName}{(header.Scaling is null ? "" : " with scl_slope/scl_inter")}, expected unscaled int16 (percent signal change x 300) as NSD ships its betas");
        var grid = new VolumeShape(dims[2], dims[1], dims[0]);
        if (mask is not null && grid != mask.Shape)
            throw new DataFormatException(path, "dim", $"volume is {grid} (Z x Y x X) but the mask '{mask.Name}' is {mask.Shape}");
        return (dims[3], grid);
    }

    /// <summary>
    /// Streams the volumes of a NIfTI session into rows <paramref name="done"/>.. of <paramref name="voxels"/>, keeping
    /// the mask's voxels; memory holds one volume. Returns the rows filled so far.
    /// </summary>
    private static int ReadNifti(string path, NsdMask mask, int trials, float[] voxels, int done, int total, IProgress<double>? progress)
    {
        var (header, stream) = NiftiHeader.OpenStream(path);
        using var _ = stream;
        int kept = mask.Count;
        var volume = new short[mask.Shape.Count];
        for (int t = 0; t < trials; t++)
        {
            ReadNiftiVolume(stream, header, path, t, volume);
            var row = voxels.AsSpan((int)((long)done * kept), kept);
            for (int v = 0; v < kept; v++) row[v] = volume[mask.VoxelIndices[v]] / UnitsPerPercent;
            done++;
            progress?.Report((double)done / total);
        }
        return done;
    }

    /// <summary>Reads the next int16 volume of a NIfTI stream (trial <paramref name="trial"/>, for the message when the file ends early).</summary>
    private static void ReadNiftiVolume(Stream stream, NiftiHeader header, string path, int trial, short[] volume)
    {
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(volume.AsSpan());
        int got = NiftiHeader.ReadFully(stream, bytes, path);
        if (got < bytes.Length)
            throw new DataFormatException(path, "data", $"is truncated: it ends in trial {trial + 1} of {header.Dimensions[3]}");
        if (header.LittleEndian != BitConverter.IsLittleEndian)
            for (int i = 0; i < volume.Length; i++) volume[i] = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(volume[i]);
    }

    /// <summary>Checks <c>/betas</c> is int16, rank 4, on the mask's grid (when given); returns (trials, grid).</summary>
    private static (int Trials, VolumeShape Grid) CheckBetas(Hdf5Input input, NsdMask? mask)
    {
        var dims = input.Shape(BetasPath, 4);
        var type = input.Dataset(BetasPath).Type;
        if (type.Class != H5DataTypeClass.FixedPoint || type.Size != 2 || !type.FixedPoint.IsSigned)
            throw input.Error(BetasPath, $"has dtype {Hdf5Input.DescribeType(type)}, expected int16 (percent signal change x 300)");
        var grid = new VolumeShape(checked((int)dims[1]), checked((int)dims[2]), checked((int)dims[3]));
        if (mask is not null && grid != mask.Shape)
            throw input.Error(BetasPath, $"volume is {grid} (Z x Y x X) but the mask '{mask.Name}' is {mask.Shape}");
        return (checked((int)dims[0]), grid);
    }

    /// <summary>The mask's voxels grouped into runs of consecutive X within one (z, y) row: (z, y, x0, length).</summary>
    private static (ulong Z, ulong Y, ulong X, ulong Length)[] RunsAlongX(NsdMask mask)
    {
        var runs = new List<(ulong, ulong, ulong, ulong)>();
        var indices = mask.VoxelIndices;
        int start = 0;
        for (int i = 1; i <= indices.Length; i++)
        {
            bool continues = i < indices.Length && indices[i] == indices[i - 1] + 1 && indices[i] % mask.Shape.X != 0;
            if (continues) continue;
            var (x, y, z) = mask.Shape.CoordinatesOf(indices[start]);
            runs.Add(((ulong)z, (ulong)y, (ulong)x, (ulong)(i - start)));
            start = i;
        }
        return runs.ToArray();
    }

    /// <summary>The kept voxels of trial <paramref name="trial"/> as a selection in the trials x Z x Y x X space.</summary>
    private static DelegateSelection KeptVoxelsOfTrial(int trial, (ulong Z, ulong Y, ulong X, ulong Length)[] runs, int kept)
        => new((ulong)kept, _ => runs.Select(r => new Step([(ulong)trial, r.Z, r.Y, r.X], r.Length)));

    /// <summary>The session number a betas file's name carries (<c>betas_session03</c>, <c>ses-03</c>), or null.</summary>
    public static int? SessionOf(string file)
    {
        var match = SessionPattern().Match(Path.GetFileName(file));
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex(@"(?:session[-_]?|(?<![a-z])ses-)(\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex SessionPattern();
}
