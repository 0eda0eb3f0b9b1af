#!/usr/bin/python3
"""Writes the small fMRI fixture files the reader tests load, with the reference HDF5 library (h5py).

Run with Debian's Python (it has h5py; `python3` on PATH may not):

    /usr/bin/python3 tests/Fmri.Tests/Data/Fixtures/make_fixtures.py

Deterministic: fixed seeds, no timestamps, so re-running it rewrites the same data. It also writes
expected.json: the values the tests compare the C# readers against, derived here from the arrays the
script wrote (stimulus ids from the integer synset and image numbers, never by parsing the stored floats).

Layouts (data/README.md):
  bdata_current.h5       bdpy BData: /dataset + /metadata/{key,description,value}, /header, /vmap
  bdata_legacy.h5        older BData: /dataSet + /metaData/..., stimulus ids in `Label`
  bdata_image_index.h5   BData with `image_index` stimulus labels and no `Run` key
  betas_session01.hdf5,  NSD-style betas: /betas int16, trials x Z x Y x X, chunks (trials, 1, 1, 1)
  betas_session02.hdf5
  nsdgeneral.nii.gz      NIfTI-1 mask (int16, -1 outside brain / 0 / 1 like NSD's nsdgeneral), sform set
  nsd_mask_scaled.nii    NIfTI-1 mask, uint8 raw values with scl_slope = -1, scl_inter = 1 (value = 1 - raw)
  nsd_mask.h5            the project's HDF5 mask: /mask uint8 Z x Y x X
  nsd_design.json        the project's NSD design (JSON); nsd_design.h5 the same in HDF5
  canonical.h5           the project's canonical layout, written by h5py
"""

import gzip
import json
import os
import struct

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = {}


def path(name):
    return os.path.join(HERE, name)


def god_number(synset, image):
    """GOD encoding of ImageNet image n{synset:08d}_{image}: synset + image * 1e-6."""
    return synset + image * 1e-6


def god_id(synset, image):
    return f"n{synset:08d}_{image}"


def fixed(strings):
    """Fixed-length byte strings (numpy |S), as bdpy/h5py store BData keys."""
    return np.array([s.encode("ascii") for s in strings])


# --------------------------------------------------------------------------------------------------
# BData, current generation.
# Columns (deliberately interleaved, so voxel columns are not one block):
#   0 DataType | 1 Run | 2-6 voxels 0-4 | 7 Block | 8-12 voxels 5-9 | 13 stimulus_id | 14 category_index
# --------------------------------------------------------------------------------------------------
def make_bdata_current():
    rng = np.random.default_rng(20240601)
    samples, voxel_count = 12, 10
    voxel_columns = [2, 3, 4, 5, 6, 8, 9, 10, 11, 12]
    columns = 15
    data_type = [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3]
    run = [1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 5]
    block = [1, 2, 3, 1, 2, 3, 1, 2, 1, 2, 1, 2]
    # (synset, image) per sample; test images repeat (each shown twice), imagery uses test images too.
    images = [(1518878, 10042), (1518878, 7), (1639765, 48), (1639765, 1001), (2086240, 9620), (2086240, 120000),
              (1443537, 16637), (1443537, 16637), (1858441, 11077), (1858441, 11077), (1443537, 16637), (1858441, 11077)]
    # category_index per sample (1-based, names in /vmap/category_index).
    category_names = {1.0: "brambling", 2.0: "tree frog", 3.0: "Japanese spaniel", 4.0: "goldfish", 5.0: "eagle"}
    synset_category = {1518878: 1.0, 1639765: 2.0, 2086240: 3.0, 1443537: 4.0, 1858441: 5.0}

    voxels = rng.standard_normal((samples, voxel_count))
    voxels[3, 5] = np.nan  # one missing value, counted by inspect

    matrix = np.full((samples, columns), np.nan)
    matrix[:, voxel_columns] = voxels
    matrix[:, 0] = data_type
    matrix[:, 1] = run
    matrix[:, 7] = block
    matrix[:, 13] = [god_number(s, i) for s, i in images]
    matrix[:, 14] = [synset_category[s] for s, _ in images]

    rois = {  # ROI name -> voxel indices (0..9)
        "V1": [0, 1, 2],
        "V2": [2, 3, 4],
        "V4": [7],
        "FFA": [],          # present as a key but selects no voxel
        "VC": [0, 1, 2, 3, 4, 5, 6, 7, 8],
    }
    xyz = rng.integers(-60, 60, size=(voxel_count, 3)).astype(float) * 3.0

    keys, descriptions, values = [], [], []

    def add(key, description, row):
        keys.append(key)
        descriptions.append(description)
        values.append(row)

    def selector(column_list):
        row = np.full(columns, np.nan)
        row[column_list] = 1.0
        return row

    row = np.full(columns, np.nan); row[voxel_columns] = 1.0
    add("VoxelData", "1 = Voxel data", row)
    for name, members in rois.items():
        row = np.full(columns, np.nan)
        row[voxel_columns] = 0.0
        row[[voxel_columns[m] for m in members]] = 1.0
        add(f"ROI_{name}", f"1 = ROI {name}", row)
    for axis, name in enumerate(["voxel_x", "voxel_y", "voxel_z"]):
        row = np.full(columns, np.nan)
        row[voxel_columns] = xyz[:, axis]
        add(name, f"Voxel {name[-1]} coordinate (mm)", row)
    add("DataType", "1 = Data type", selector([0]))
    add("Run", "1 = Run number", selector([1]))
    add("Block", "1 = Block number", selector([7]))
    add("stimulus_id", "1 = Stimulus ID", selector([13]))
    add("category_index", "1 = Category index", selector([14]))

    with h5py.File(path("bdata_current.h5"), "w") as f:
        f.create_dataset("dataset", data=matrix)
        f.create_dataset("metadata/key", data=fixed(keys))
        f.create_dataset("metadata/description", data=fixed(descriptions))
        f.create_dataset("metadata/value", data=np.array(values))
        f.create_dataset("header/ctime", data="2024-06-01 12:00:00")
        f.create_dataset("header/callstack", data=np.array([b"make_fixtures.py:1"]))
        for value, name in category_names.items():
            # bdpy names vmap entries str(float) and stores Python str values (variable-length strings).
            f.create_dataset(f"vmap/category_index/{value}", data=name)

    ordered = sorted(category_names)
    kept_v1v2 = sorted(set(rois["V1"]) | set(rois["V2"]))
    EXPECTED["bdata_current"] = {
        "samples": samples,
        "voxels": voxel_count,
        "first_row": [float(v) for v in voxels[0]],
        "last_row": [float(v) for v in voxels[-1]],
        "nan_count": int(np.isnan(voxels).sum()),
        "rois": {k: v for k, v in rois.items() if v},
        "stimulus_ids": [god_id(s, i) for s, i in images],
        "splits": data_type,
        "runs": run,
        "category_labels": [ordered.index(synset_category[s]) for s, _ in images],
        "category_names": [category_names[v] for v in ordered],
        "xyz_voxel0": [float(v) for v in xyz[0]],
        "xyz_voxel9": [float(v) for v in xyz[9]],
        "roi_v1v2": {
            "voxels": kept_v1v2,
            "first_row": [float(voxels[0, v]) for v in kept_v1v2],
            "rois": {"V1": [0, 1, 2], "V2": [2, 3, 4], "VC": [0, 1, 2, 3, 4]},
        },
    }


# --------------------------------------------------------------------------------------------------
# BData, legacy generation: /dataSet + /metaData, stimulus ids in `Label`, no coordinates, no categories.
# --------------------------------------------------------------------------------------------------
def make_bdata_legacy():
    rng = np.random.default_rng(7)
    samples, voxel_count = 6, 5
    columns = voxel_count + 3  # voxels 0-4, then DataType, Run, Label
    images = [(2139199, 10398), (2139199, 10398), (1443537, 22563), (3954731, 753), (3954731, 753), (1443537, 22563)]
    data_type = [1, 1, 1, 2, 2, 2]
    run = [1, 1, 2, 3, 3, 3]
    voxels = rng.standard_normal((samples, voxel_count))
    matrix = np.empty((samples, columns))
    matrix[:, :voxel_count] = voxels
    matrix[:, 5] = data_type
    matrix[:, 6] = run
    matrix[:, 7] = [god_number(s, i) for s, i in images]

    def row(ones, zeros=()):
        r = np.full(columns, np.nan)
        r[list(zeros)] = 0.0
        r[list(ones)] = 1.0
        return r

    keys = ["VoxelData", "ROI_V1", "ROI_VC", "DataType", "Run", "Label"]
    descriptions = ["1 = Voxel data", "1 = V1", "1 = VC", "1 = Data type", "1 = Run", "1 = Label"]
    values = [row(range(5)), row([0, 1], range(5)), row(range(4), range(5)), row([5]), row([6]), row([7])]
    with h5py.File(path("bdata_legacy.h5"), "w") as f:
        f.create_dataset("dataSet", data=matrix)
        f.create_dataset("metaData/key", data=fixed(keys))
        f.create_dataset("metaData/description", data=fixed(descriptions))
        f.create_dataset("metaData/value", data=np.array(values))

    EXPECTED["bdata_legacy"] = {
        "samples": samples,
        "voxels": voxel_count,
        "first_row": [float(v) for v in voxels[0]],
        "rois": {"V1": [0, 1], "VC": [0, 1, 2, 3]},
        "stimulus_ids": [god_id(s, i) for s, i in images],
        "splits": data_type,
        "runs": run,
    }


# --------------------------------------------------------------------------------------------------
# BData with image_index labels and no Run key.
# --------------------------------------------------------------------------------------------------
def make_bdata_image_index():
    rng = np.random.default_rng(11)
    samples, voxel_count = 4, 3
    image_index = [1, 2, 2, 40]
    matrix = np.empty((samples, voxel_count + 2))
    matrix[:, :voxel_count] = rng.standard_normal((samples, voxel_count))
    matrix[:, 3] = [1, 1, 2, 2]
    matrix[:, 4] = image_index
    nan = np.nan
    values = [[1, 1, 1, nan, nan], [nan, nan, nan, 1, nan], [nan, nan, nan, nan, 1]]
    with h5py.File(path("bdata_image_index.h5"), "w") as f:
        f.create_dataset("dataset", data=matrix)
        f.create_dataset("metadata/key", data=fixed(["VoxelData", "DataType", "image_index"]))
        f.create_dataset("metadata/description", data=fixed(["1 = Voxel data", "1 = Data type", "1 = Image index"]))
        f.create_dataset("metadata/value", data=np.array(values))
    EXPECTED["bdata_image_index"] = {
        "stimulus_ids": [f"image_{n}" for n in image_index],
        "splits": [1, 1, 2, 2],
        "runs": [0, 0, 0, 0],
        "first_row": [float(v) for v in matrix[0, :voxel_count]],
    }


# --------------------------------------------------------------------------------------------------
# NSD: two sessions of betas, masks (NIfTI gz, scaled NIfTI, HDF5), design (JSON, HDF5).
# --------------------------------------------------------------------------------------------------
Z, Y, X = 3, 4, 5
TRIALS = 5
AFFINE = [[1.8, 0.0, 0.0, -10.0], [0.0, 1.8, 0.0, -20.0], [0.0, 0.0, 1.8, -5.0]]


def nifti_bytes(volume_xyz, datatype, bitpix, raw_bytes, slope=1.0, inter=0.0):
    """A NIfTI-1 single file: the 348-byte header (nifti1.h field order), 4 zero extension bytes, the data."""
    nx, ny, nz = volume_xyz.shape
    dim = (3, nx, ny, nz, 1, 1, 1, 1)
    pixdim = (1.0, 1.8, 1.8, 1.8, 0.0, 0.0, 0.0, 0.0)
    srow = [v for row in AFFINE for v in row]
    header = struct.pack(
        "<i10s18sihcb8h3fh3h8f3fhbb4f2i80s24s2h6f12f16s4s",
        348, b"", b"", 0, 0, b"r", 0,
        *dim,
        0.0, 0.0, 0.0, 0,
        datatype, bitpix, 0,
        *pixdim,
        352.0, slope, inter,
        0, 0, 10,             # slice_end, slice_code, xyzt_units (mm + s)
        0.0, 0.0, 0.0, 0.0,
        0, 0,
        b"fixture mask", b"",
        0, 1,                 # qform_code 0, sform_code 1 (scanner)
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        *srow,
        b"", b"n+1\x00",
    )
    assert len(header) == 348
    return header + b"\x00\x00\x00\x00" + raw_bytes


def make_nsd():
    rng = np.random.default_rng(73000)
    # Mask in the betas' C-order grid (Z, Y, X), values like nsdgeneral: -1 outside the brain, 0 brain, 1 ROI.
    mask_zyx = rng.choice([-1, 0, 1], size=(Z, Y, X), p=[0.3, 0.3, 0.4]).astype(np.int16)
    mask_zyx[0, 0, 0] = 1
    mask_zyx[2, 3, 4] = 1
    kept = np.flatnonzero(mask_zyx.ravel() > 0)  # C-order flat indices (z * Y + y) * X + x

    # NIfTI stores the first index (x) fastest: build the X x Y x Z volume, write it in Fortran order.
    volume_xyz = mask_zyx.transpose(2, 1, 0)
    raw = volume_xyz.astype("<i2").tobytes(order="F")
    with open(path("nsdgeneral.nii.gz"), "wb") as out:
        out.write(gzip.compress(nifti_bytes(volume_xyz, 4, 16, raw), mtime=0))
    # Scaled mask: stored raw = 0 where selected, 1 elsewhere; value = -1 * raw + 1 selects the same voxels.
    raw_scaled = np.where(volume_xyz > 0, 0, 1).astype(np.uint8).tobytes(order="F")
    with open(path("nsd_mask_scaled.nii"), "wb") as out:
        out.write(nifti_bytes(volume_xyz, 2, 8, raw_scaled, slope=-1.0, inter=1.0))
    with h5py.File(path("nsd_mask.h5"), "w") as f:
        f.create_dataset("mask", data=(mask_zyx > 0).astype(np.uint8))
        f.attrs["name"] = "nsdgeneral"

    betas = {}
    for session in (1, 2):
        b = rng.integers(-3000, 3000, size=(TRIALS, Z, Y, X), dtype=np.int16)
        betas[session] = b
        with h5py.File(path(f"betas_session{session:02d}.hdf5"), "w") as f:
            f.create_dataset("betas", data=b, chunks=(TRIALS, 1, 1, 1))

    sessions = [1] * TRIALS + [2] * TRIALS
    runs = [1, 1, 1, 2, 2, 1, 1, 2, 2, 2]
    nsd_index = [46003, 61883, 829, 2950, 72999, 46003, 1, 73000, 829, 3]
    shared = [False, False, True, False, False, False, False, False, True, False]
    design = {"layout": "fmri-decoding/nsd-design", "subject": "subj01", "session": sessions, "run": runs,
              "nsd_index": nsd_index, "shared1000": shared}
    with open(path("nsd_design.json"), "w") as out:
        json.dump(design, out, indent=1)
        out.write("\n")
    with h5py.File(path("nsd_design.h5"), "w") as f:
        f.create_dataset("session", data=np.array(sessions, dtype=np.int32))
        f.create_dataset("run", data=np.array(runs, dtype=np.int32))
        f.create_dataset("nsd_index", data=np.array(nsd_index, dtype=np.int32))
        f.create_dataset("shared1000", data=np.array(shared, dtype=np.uint8))
        f.attrs["layout"] = "fmri-decoding/nsd-design"
        f.attrs["subject"] = "subj01"

    def psc(session, trial):
        return [float(v) / 300.0 for v in betas[session][trial].ravel()[kept]]

    # The NIfTI header holds srow_* as float32, so place voxels with the float32 values it really stores.
    stored = [[float(np.float32(v)) for v in row] for row in AFFINE]

    def mm(flat):
        z, rest = divmod(int(flat), Y * X)
        y, x = divmod(rest, X)
        return [stored[r][0] * x + stored[r][1] * y + stored[r][2] * z + stored[r][3] for r in range(3)]

    EXPECTED["nsd"] = {
        "shape_zyx": [Z, Y, X],
        "kept_indices": [int(k) for k in kept],
        "trials": 2 * TRIALS,
        "psc_session1_trial0": psc(1, 0),
        "psc_session2_trial3": psc(2, 3),
        "stimulus_ids": [f"nsd_{n:05d}" for n in nsd_index],
        "splits": [2 if s else 1 for s in shared],
        "runs": [(s - 1) * (max(runs) + 1) + r for s, r in zip(sessions, runs)],  # sessions read together: runs numbered across sessions
        "xyz_first_kept": mm(kept[0]),
        "xyz_last_kept": mm(kept[-1]),
    }


# --------------------------------------------------------------------------------------------------
# Canonical layout, written by h5py (so the reader is tested on a file it did not write).
# --------------------------------------------------------------------------------------------------
def make_canonical():
    rng = np.random.default_rng(5)
    samples, voxel_count = 8, 6
    voxels = rng.standard_normal((samples, voxel_count)).astype(np.float32)
    voxels[:, 5] = 0.0  # the last column is zero padding
    stimulus = ["n01443537_22563", "n01443537_16637", "n01518878_10042", "n01518878_7",
                "n01639765_48", "n02086240_9620", "n03954731_753", "n01858441_11077"]
    category = [0, 0, 1, 1, 2, 3, -1, 4]
    run = [1, 1, 2, 2, 3, 3, 4, 4]
    split = [1, 1, 1, 1, 1, 1, 2, 2]
    repeats = [1, 1, 1, 1, 1, 1, 35, 35]
    names = ["goldfish", "brambling", "tree frog", "Japanese spaniel", "eagle"]
    steps = [{"name": "zscore_per_run", "parameters": {"axis": "samples"}},
             {"name": "average_test_repeats", "parameters": {"repeats": "35"}}]
    with h5py.File(path("canonical.h5"), "w") as f:
        f.create_dataset("voxels", data=voxels, chunks=(4, voxel_count), compression="gzip", shuffle=True)
        vlen = h5py.string_dtype("utf-8")
        f.create_dataset("samples/stimulus_id", data=np.array(stimulus, dtype=object), dtype=vlen)
        f.create_dataset("samples/category", data=np.array(category, dtype=np.int32))
        f.create_dataset("samples/run", data=np.array(run, dtype=np.int32))
        d = f.create_dataset("samples/split", data=np.array(split, dtype=np.int8))
        d.attrs["codes"] = "1 = train, 2 = test, 3 = test_imagery"
        f.create_dataset("samples/repeats", data=np.array(repeats, dtype=np.int32))
        f.create_dataset("category_names", data=np.array(names, dtype=object), dtype=vlen)
        f.create_dataset("voxels_meta/roi/V1", data=np.array([0, 1, 2], dtype=np.int32))
        f.create_dataset("voxels_meta/roi/VC", data=np.array([0, 1, 2, 3, 4], dtype=np.int32))
        f.create_dataset("voxels_meta/xyz", data=np.arange(voxel_count * 3, dtype=np.float32).reshape(voxel_count, 3))
        f.attrs["layout"] = "fmri-decoding/canonical"
        f.attrs["layout_version"] = np.int32(1)
        f.attrs["subject"] = "sub-01"
        f.attrs["padding_voxels"] = np.int32(1)
        f.attrs["averaged"] = np.int32(1)
        p = f.create_group("provenance")
        p.attrs["source_file"] = "Subject1.h5"
        p.attrs["source_sha256"] = "0" * 64
        p.attrs["source_layout"] = "bdata"
        p.attrs["tool_version"] = "0.1.0"
        p.attrs["steps"] = json.dumps(steps)

    EXPECTED["canonical"] = {
        "samples": samples,
        "voxels": voxel_count,
        "values": [float(v) for v in voxels.ravel()],
        "stimulus_ids": stimulus,
        "category_labels": category,
        "runs": run,
        "splits": split,
        "repeats": repeats,
        "category_names": names,
        "rois": {"V1": [0, 1, 2], "VC": [0, 1, 2, 3, 4]},
        "xyz_voxel4": [12.0, 13.0, 14.0],
        "subject": "sub-01",
        "padding_voxels": 1,
        "steps": steps,
        "source_file": "Subject1.h5",
    }


if __name__ == "__main__":
    make_bdata_current()
    make_bdata_legacy()
    make_bdata_image_index()
    make_nsd()
    make_canonical()
    with open(path("expected.json"), "w") as out:
        json.dump(EXPECTED, out, indent=1, sort_keys=True)
        out.write("\n")
    total = sum(os.path.getsize(path(n)) for n in os.listdir(HERE) if not n.endswith(".py"))
    print(f"wrote {len(os.listdir(HERE)) - 1} files, {total} bytes, to {HERE}")
