#!/usr/bin/env python3
"""Writes the MATLAB and NumPy fixtures of the array readers (src/Fmri/Data/Import) with the reference libraries.

Run with Debian's Python (scipy, numpy, h5py): /usr/bin/python3 make_array_fixtures.py
Every file holds the same variables; expected.json lists each one's logical shape and row-major values, computed
here by numpy, so the C# readers are checked against numpy's view of the data, not against themselves.

  arrays_v5.mat             scipy.io.savemat (MATLAB 5 format, uncompressed)
  arrays_v5_compressed.mat  scipy.io.savemat(do_compression=True): every variable in a zlib miCOMPRESSED element
  arrays_v73.mat            MATLAB 7.3 layout written with h5py: a 512-byte MAT header as HDF5 user block, each
                            variable a dataset with a MATLAB_class attribute, axes reversed (column-major), char as
                            uint16, a cell as object references into /#refs#, a struct as a group
  arrays.npz                numpy.savez;  arrays_compressed.npz: numpy.savez_compressed
  fortran.npy               a Fortran-ordered float64 array;  big_endian.npy: a big-endian int32 array
"""
import json
import os

import h5py
import numpy as np
import scipy.io

HERE = os.path.dirname(os.path.abspath(__file__))

matrix = (np.arange(12, dtype=np.float64).reshape(3, 4) * 0.5 - 1.25)            # 3 x 4 double
cube = (np.arange(2 * 3 * 4) % 251).astype(np.uint8).reshape(2, 3, 4)            # 2 x 3 x 4 uint8
labels = np.array([1, 2, 2, 1, 1], dtype=np.int16)                                # vector
mask = np.array([[True, False, True]])                                            # 1 x 3 logical
single = np.array([[1.5, -2.25], [3.0, 1e-3]], dtype=np.float32)                  # 2 x 2 single
title = "fMRI run 1"
ids = ["n01518878_10042", "img_7", "x"]                                           # different lengths: a cell of char


def values(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel(order="C")]


expected = {
    "matrix": {"shape": [3, 4], "numbers": values(matrix)},
    "cube": {"shape": [2, 3, 4], "numbers": values(cube)},
    "labels": {"shape": [5], "numbers": values(labels)},
    "mask": {"shape": [1, 3], "numbers": values(mask)},
    "single": {"shape": [2, 2], "numbers": values(single)},
    "title": {"texts": [title]},
    "ids": {"texts": ids},
    "meta.subject": {"texts": ["sub-01"]},
    "meta.tr": {"numbers": [2.0]},
}

# --- MATLAB 5 (scipy) ------------------------------------------------------------------------------------------------
mat = {
    "matrix": matrix, "cube": cube, "labels": labels, "mask": mask, "single": single, "title": title,
    "ids": np.array(ids, dtype=object),
    "meta": {"subject": "sub-01", "tr": 2.0},
}
scipy.io.savemat(os.path.join(HERE, "arrays_v5.mat"), mat, oned_as="column")
scipy.io.savemat(os.path.join(HERE, "arrays_v5_compressed.mat"), mat, oned_as="column", do_compression=True)
# scipy writes a 1-D vector as a column (oned_as="column"): MATLAB sees labels as 5 x 1.
expected["labels"]["mat_shape"] = [5, 1]

# --- MATLAB 7.3 (HDF5, written the way MATLAB lays it out) -----------------------------------------------------------
v73 = os.path.join(HERE, "arrays_v73.mat")
with h5py.File(v73, "w", userblock_size=512) as f:
    def put(name, array, matlab_class, group=f):
        # MATLAB is column-major: the HDF5 dataset holds the transpose (axes reversed).
        d = group.create_dataset(name, data=np.asarray(array).T)
        d.attrs["MATLAB_class"] = np.bytes_(matlab_class)
        return d

    put("matrix", matrix, "double")
    put("cube", cube, "uint8")
    put("labels", labels.reshape(5, 1), "int16")
    put("mask", mask.astype(np.uint8), "logical").attrs["MATLAB_int_decode"] = np.int32(1)
    put("single", single, "single")
    put("title", np.array([[ord(c) for c in title]], dtype=np.uint16), "char")
    refs = f.create_group("#refs#")
    references = []
    for k, text in enumerate(ids):
        cell = put(f"c{k}", np.array([[ord(c) for c in text]], dtype=np.uint16), "char", group=refs)
        references.append(cell.ref)
    cell_array = f.create_dataset("ids", data=np.array([references], dtype=h5py.ref_dtype).T)   # MATLAB 1 x 3 cell
    cell_array.attrs["MATLAB_class"] = np.bytes_("cell")
    meta = f.create_group("meta")
    meta.attrs["MATLAB_class"] = np.bytes_("struct")
    put("subject", np.array([[ord(c) for c in "sub-01"]], dtype=np.uint16), "char", group=meta)
    put("tr", np.array([[2.0]]), "double", group=meta)
# The user block carries MATLAB's 128-byte header: text, subsystem offset, version 0x0200, endian indicator "IM".
with open(v73, "r+b") as f:
    header = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: fixture written by h5py HDF5 schema 1.00 ."
    f.write(header.ljust(116, b" ") + b"\x00" * 8 + b"\x00\x02" + b"IM")

# --- NumPy ----------------------------------------------------------------------------------------------------------
arrays = {"matrix": matrix, "cube": cube, "labels": labels, "mask": mask, "single": single,
          "title": np.array(title), "ids": np.array(ids)}
np.savez(os.path.join(HERE, "arrays.npz"), **arrays)
np.savez_compressed(os.path.join(HERE, "arrays_compressed.npz"), **arrays)
np.save(os.path.join(HERE, "fortran.npy"), np.asfortranarray(matrix))
np.save(os.path.join(HERE, "big_endian.npy"), np.arange(6, dtype=">i4").reshape(2, 3) - 2)
expected["fortran"] = {"shape": [3, 4], "numbers": values(matrix)}
expected["big_endian"] = {"shape": [2, 3], "numbers": values(np.arange(6).reshape(2, 3) - 2)}

# Check what was written with the reference readers before anyone relies on it.
back = scipy.io.loadmat(os.path.join(HERE, "arrays_v5_compressed.mat"))
assert np.array_equal(back["matrix"], matrix) and np.array_equal(back["cube"], cube)
with h5py.File(v73, "r") as f:
    assert np.array_equal(f["matrix"][()].T, matrix)

with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1)
print("wrote", sorted(p for p in os.listdir(HERE) if not p.endswith(".py")))
