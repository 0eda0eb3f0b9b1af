using System.Buffers.Binary;
using Fmri.Data.Layouts;

namespace Fmri.Tests.Data;

/// <summary>NIfTI-1 details the fixtures do not cover: qform placement, big-endian files, 4-D volumes.</summary>
public class NiftiVolumeTests
{
    [Fact]
    public void Qform_places_voxels_with_pixdim_offset_and_qfac()
    {
        using var temp = new TempFolder();
        string file = temp.File("q.nii");
        // Identity rotation (quatern b = c = d = 0), voxel 2 x 3 x 4 mm, qfac = -1 flips k, origin (10, 20, 30).
        File.WriteAllBytes(file, Nifti(little: true, dims: [2, 2, 2], datatype: 16, qfac: -1, qformCode: 1, values: [0, 1, 2, 3, 4, 5, 6, 7]));
        var volume = NiftiVolume.Read(file);
        var m = volume.VoxelToMm;
        // NIfTI-1 method 2 (nifti1.h): [x y z] = R [i dx, j dy, qfac k dz] + qoffset; with R = I, voxel (1, 1, 1):
        double[] expected = [1 * 2 + 10, 1 * 3 + 20, -1 * 1 * 4 + 30];
        for (int row = 0; row < 3; row++) Assert.Equal(expected[row], m[row * 4] + m[row * 4 + 1] + m[row * 4 + 2] + m[row * 4 + 3], 6);
        Assert.Equal(new float[] { 0, 1, 2, 3, 4, 5, 6, 7 }, volume.Values);
    }

    [Fact]
    public void Big_endian_files_read_the_same_values()
    {
        using var temp = new TempFolder();
        string little = temp.File("le.nii"), big = temp.File("be.nii");
        float[] values = [0.5f, -1, 2, 0, 3, 0, 0, 7];
        File.WriteAllBytes(little, Nifti(true, [2, 2, 2], 16, 1, 0, values));
        File.WriteAllBytes(big, Nifti(false, [2, 2, 2], 16, 1, 0, values));
        Assert.Equal(NiftiVolume.Read(little).Values, NiftiVolume.Read(big).Values);
        Assert.Equal(values, NiftiVolume.Read(big).Values);
        Assert.Equal(new VolumeShape(2, 2, 2), NiftiVolume.Read(big).Shape3D);
    }

    [Fact]
    public void A_mask_must_be_three_dimensional()
    {
        using var temp = new TempFolder();
        string file = temp.File("4d.nii");
        File.WriteAllBytes(file, Nifti(true, [2, 1, 1, 3], 16, 1, 0, [1, 0, 1, 0, 1, 0]));
        var e = Assert.Throws<DataFormatException>(() => NsdMask.Read(file));
        Assert.Equal(file, e.File);
        Assert.Equal("dim", e.Field);
    }

    /// <summary>A single-file NIfTI-1: 348-byte header in nifti1.h field order, 4 extension bytes, float32 data.</summary>
    private static byte[] Nifti(bool little, int[] dims, short datatype, float qfac, short qformCode, float[] values)
    {
        var bytes = new byte[352 + values.Length * 4];
        var span = bytes.AsSpan();
        void I16(int at, short v) { if (little) BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(at), v); else BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(at), v); }
        void F32(int at, float v) { if (little) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(at), v); else BinaryPrimitives.WriteSingleBigEndian(bytes.AsSpan(at), v); }
        if (little) BinaryPrimitives.WriteInt32LittleEndian(span, 348); else BinaryPrimitives.WriteInt32BigEndian(span, 348);
        I16(40, (short)dims.Length);
        for (int d = 0; d < dims.Length; d++) I16(42 + 2 * d, (short)dims[d]);
        I16(70, datatype);
        I16(72, 32);
        float[] pixdim = [qfac, 2, 3, 4, 1, 1, 1, 1];
        for (int d = 0; d < 8; d++) F32(76 + 4 * d, pixdim[d]);
        F32(108, 352);
        F32(112, 1);
        I16(252, qformCode);
        I16(254, 0);
        F32(268, 10);
        F32(272, 20);
        F32(276, 30);
        "n+1\0"u8.CopyTo(span[344..]);
        for (int i = 0; i < values.Length; i++) F32(352 + 4 * i, values[i]);
        return bytes;
    }
}
