namespace Fmri.Data.Simulation;

/// <summary>
/// Places the voxels of an area on a 3-D grid (mm; x left-right, y posterior-anterior, z inferior-superior) and, for
/// a retinotopic area, derives each voxel's pRF centre from its place, like a retinotopic map:
/// <list type="bullet">
/// <item>each hemisphere holds half the voxels and maps the opposite visual hemifield (left hemisphere, x &lt; 0: right field);</item>
/// <item>along y (posterior to anterior) eccentricity grows log-uniformly from the minimum to the maximum
/// (fovea at the occipital pole; equal cortex per log-eccentricity step, as cortical magnification);</item>
/// <item>along z (inferior to superior) polar angle runs from the upper to the lower vertical meridian.</item>
/// </list>
/// Areas are slabs 3 voxels thick, stacked medial to lateral in the order configured (LOC most lateral), so no two
/// voxels share a grid point. Each slab has a little more room than voxels; the voxels take a random subset of it.
/// </summary>
public static class CortexLayout
{
    private const int SlabThickness = 3;

    /// <summary>Voxel positions (mm) and pRF centres (degrees; x right, y up) of a retinotopic area.</summary>
    public static (float[] Coordinates, double[] PrfX, double[] PrfY) PlaceRetinotopic(int voxelCount, int areaIndex, VisualCortexConfig config, Random random)
    {
        var coordinates = new float[voxelCount * 3];
        var prfX = new double[voxelCount];
        var prfY = new double[voxelCount];
        double logRange = Math.Log(config.MaxEccentricityDegrees / config.MinEccentricityDegrees);
        int v = 0;
        foreach (var (sign, count) in Hemispheres(voxelCount))
        {
            var cells = Slab(count, random, out int ny, out int nz);
            foreach (var (ix, iy, iz) in cells)
            {
                SetCoordinates(coordinates, v, sign, ix, iy, iz, nz, areaIndex, config.VoxelSizeMm);
                double u = ny > 1 ? (double)iy / (ny - 1) : 0.5;
                double w = nz > 1 ? (double)iz / (nz - 1) : 0.5;
                // Scatter of pRF centres between neighbouring voxels: ~3% of the log-eccentricity range, ~8 degrees of angle.
                double logEcc = Math.Clamp(u + 0.03 * random.NextGaussian(), 0, 1) * logRange;
                double eccentricity = config.MinEccentricityDegrees * Math.Exp(logEcc);
                double angle = Math.Clamp(90.0 - 180.0 * w + 8.0 * random.NextGaussian(), -90, 90) * Math.PI / 180;
                // Left hemisphere (sign -1) sees the right visual field (x > 0).
                prfX[v] = -sign * eccentricity * Math.Cos(angle);
                prfY[v] = eccentricity * Math.Sin(angle);
                v++;
            }
        }
        return (coordinates, prfX, prfY);
    }

    /// <summary>Voxel positions (mm) of a non-retinotopic area (LOC).</summary>
    public static float[] PlaceNonRetinotopic(int voxelCount, int areaIndex, VisualCortexConfig config, Random random)
    {
        var coordinates = new float[voxelCount * 3];
        int v = 0;
        foreach (var (sign, count) in Hemispheres(voxelCount))
        {
            foreach (var (ix, iy, iz) in Slab(count, random, out _, out int nz))
                SetCoordinates(coordinates, v++, sign, ix, iy, iz, nz, areaIndex, config.VoxelSizeMm);
        }
        return coordinates;
    }

    /// <summary>Left hemisphere (x &lt; 0) first with the larger half, then the right.</summary>
    private static IEnumerable<(int Sign, int Count)> Hemispheres(int voxelCount)
    {
        yield return (-1, (voxelCount + 1) / 2);
        yield return (1, voxelCount / 2);
    }

    /// <summary>A random subset of <paramref name="count"/> cells of a slab SlabThickness x ny x nz, sorted by (y, z, x).</summary>
    private static List<(int X, int Y, int Z)> Slab(int count, Random random, out int ny, out int nz)
    {
        ny = nz = Math.Max(1, (int)Math.Ceiling(Math.Sqrt(1.3 * count / SlabThickness)));
        var cells = new List<(int X, int Y, int Z)>(SlabThickness * ny * nz);
        for (int y = 0; y < ny; y++)
            for (int z = 0; z < nz; z++)
                for (int x = 0; x < SlabThickness; x++)
                    cells.Add((x, y, z));
        var array = cells.ToArray();
        random.Shuffle(array);
        return [.. array.Take(count).OrderBy(c => c.Y).ThenBy(c => c.Z).ThenBy(c => c.X)];
    }

    private static void SetCoordinates(float[] coordinates, int v, int sign, int ix, int iy, int iz, int nz, int areaIndex, double size)
    {
        // Slab k spans x = (1 + 4k .. 3 + 4k) voxels from the midline, so slabs never overlap; later areas sit a little more anterior.
        coordinates[3 * v] = (float)(sign * size * (1 + 4 * areaIndex + ix));
        coordinates[3 * v + 1] = (float)(size * (-34 + 2 * areaIndex + iy));
        coordinates[3 * v + 2] = (float)(size * (iz - nz / 2));
    }
}
