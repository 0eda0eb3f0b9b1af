#!/usr/bin/env python3
"""Writes MATLAB files that hold, next to the arrays a user wants, variables the array readers cannot decode, as lab
files often do (per-run parameters as struct arrays, onsets as cells of vectors, sparse design matrices, complex data).

Run with Debian's Python (scipy, numpy, h5py): /usr/bin/python3 make_unreadable_fixtures.py

  extras_v5.mat   scipy.io.savemat: fmri (4 x 3 double); params (1 x 2 struct array); onsets (1 x 2 cell of vectors);
                  design (sparse 4 x 4); cfg (struct: tr 2.0, onsets a cell of vectors); codes (1 x 3 cell of int32)
  extras_v73.mat  MATLAB 7.3 layout written with h5py (as make_array_fixtures.py does): fmri (4 x 3 double); codes
                  (1 x 3 cell of int32 scalars); flags (1 x 3 cell of uint8 scalars); wave (complex double, an HDF5
                  compound); runs (a 1 x 2 struct array: a struct group whose field is object references)
  arrays_v4.mat   scipy.io.savemat(format="4"): fmri (4 x 3 double), a MATLAB v4 MAT-file, which no reader here takes
  betas_lzf_session01.hdf5
                  an NSD betas file (/betas int16, 2 trials x 2 x 3 x 4) chunked and compressed with h5py's LZF filter,
                  which PureHDF does not decode
The expected values are the ones written here; the readers are checked against them, and scipy and h5py read each
file back below before anyone relies on it.
"""
import os

import h5py
import numpy as np
import scipy.io
import scipy.sparse

HERE = os.path.dirname(os.path.abspath(__file__))
fmri = np.arange(12, dtype=np.float64).reshape(4, 3) / 4 - 1
codes = [3, -7, 12]
flags = [1, 0, 1]

# --- MATLAB 5 (scipy) ------------------------------------------------------------------------------------------------
params = np.zeros((1, 2), dtype=[("name", "O"), ("tr", "O")])
params[0, 0] = ("run1", 2.0)
params[0, 1] = ("run2", 2.0)
onsets = np.empty((1, 2), dtype=object)
onsets[0, 0] = np.arange(3.0)
onsets[0, 1] = np.arange(5.0)
code_cells = np.empty((1, 3), dtype=object)
for k, c in enumerate(codes):
    code_cells[0, k] = np.array([[c]], dtype=np.int32)
v5 = os.path.join(HERE, "extras_v5.mat")
scipy.io.savemat(v5, {
    "fmri": fmri, "params": params, "onsets": onsets, "design": scipy.sparse.csr_matrix(np.eye(4)),
    "cfg": {"tr": 2.0, "onsets": onsets}, "codes": code_cells,
})

# --- MATLAB 7.3 (HDF5, written the way MATLAB lays it out) -----------------------------------------------------------
v73 = os.path.join(HERE, "extras_v73.mat")
with h5py.File(v73, "w", userblock_size=512) as f:
    def put(name, array, matlab_class, group=f):
        d = group.create_dataset(name, data=np.asarray(array).T)      # column-major: axes reversed
        d.attrs["MATLAB_class"] = np.bytes_(matlab_class)
        return d

    put("fmri", fmri, "double")
    refs = f.create_group("#refs#")

    def cell(name, values, dtype, matlab_class):
        references = [put(f"{name}{k}", np.array([[v]], dtype=dtype), matlab_class, group=refs).ref for k, v in enumerate(values)]
        d = f.create_dataset(name, data=np.array([references], dtype=h5py.ref_dtype).T)   # MATLAB 1 x 3 cell
        d.attrs["MATLAB_class"] = np.bytes_("cell")

    cell("codes", codes, np.int32, "int32")
    cell("flags", flags, np.uint8, "uint8")
    # MATLAB stores complex data as a compound of fields "real" and "imag".
    wave = np.zeros((1, 2), dtype=[("real", "<f8"), ("imag", "<f8")])
    wave["real"], wave["imag"] = [1, 3], [2, -1]
    put("wave", wave, "double")
    runs = f.create_group("runs")
    runs.attrs["MATLAB_class"] = np.bytes_("struct")
    names = [put(f"runs_name{k}", np.array([[ord(c) for c in f"run{k + 1}"]], dtype=np.uint16), "char", group=refs).ref for k in range(2)]
    runs.create_dataset("name", data=np.array([names], dtype=h5py.ref_dtype).T)   # no MATLAB_class: a struct array's field
with open(v73, "r+b") as f:
    header = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: fixture written by h5py HDF5 schema 1.00 ."
    f.write(header.ljust(116, b" ") + b"\x00" * 8 + b"\x00\x02" + b"IM")

back = scipy.io.loadmat(v5)
assert np.array_equal(back["fmri"], fmri) and back["params"].shape == (1, 2) and scipy.sparse.issparse(back["design"])
assert [int(c[0, 0]) for c in back["codes"][0]] == codes
with h5py.File(v73, "r") as f:
    assert np.array_equal(f["fmri"][()].T, fmri)
    assert [int(f[r][()][0, 0]) for r in f["codes"][()].ravel()] == codes
    assert f["wave"].dtype.names == ("real", "imag")
# --- files in formats the readers refuse, with a message saying what to do ---------------------------------------------
v4 = os.path.join(HERE, "arrays_v4.mat")
scipy.io.savemat(v4, {"fmri": fmri}, format="4")
assert np.array_equal(scipy.io.loadmat(v4)["fmri"], fmri)
lzf = os.path.join(HERE, "betas_lzf_session01.hdf5")
with h5py.File(lzf, "w") as f:
    f.create_dataset("betas", data=np.arange(48, dtype=np.int16).reshape(2, 2, 3, 4), chunks=(1, 2, 3, 4), compression="lzf")
with h5py.File(lzf, "r") as f:
    assert f["betas"].compression == "lzf" and int(f["betas"][1, 1, 2, 3]) == 47
print("wrote extras_v5.mat, extras_v73.mat, arrays_v4.mat, betas_lzf_session01.hdf5")
