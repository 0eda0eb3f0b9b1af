#!/usr/bin/env python3
"""Writes small files in the layouts NSD ships, for the NSD readers (src/Fmri/Data/Layouts/NsdExpDesign.cs,
src/Fmri/Data/Import/NsdStimulusImport.cs) and `decoding inspect` of a bare betas file.

Run with Debian's Python (scipy, numpy, h5py): /usr/bin/python3 make_nsd_fixtures.py

  nsd/nsd_expdesign.mat            scipy.io.savemat: masterordering (1 x 1500: two sessions of 750 trials), subjectim
                                   (8 x 200 subject images, NSD indices 1..120), sharedix (1 x 12 shared images)
  nsd/nsd_stimuli.hdf5             h5py: /imgBrick 120 x 10 x 12 x 3 uint8, chunked one image per chunk; pixel
                                   (i, y, x, c) of image i (0-based) = (7 i + 3 y + x + 50 c) mod 256
  nsd/nsd_stimuli_contiguous.hdf5  h5py: the same 120 images, stored contiguously (no chunks), as NSD stores imgBrick
  nsd/subj02/betas_session01.hdf5  h5py: /betas 750 x 3 x 4 x 5 int16 (trials x Z x Y x X), chunks (750, 1, 1, 1),
                                   value = 300 x (trial / 100 + voxel / 1000), as NSD stores percent signal change x 300
  nsd/subj02/betas_session01.nii.gz  nibabel: the same betas as NIfTI-1, X x Y x Z x trials int16 (as NSD ships
                                   betas_session01.nii.gz), gzip-compressed
  nsd/mask.h5                      the project's HDF5 mask: /mask 3 x 4 x 5 uint8, 1 on 7 voxels
  nsd/nsd_stimuli_fullsize.hdf5    h5py: /imgBrick at NSD's real shape, 73,000 x 425 x 425 x 3 uint8, chunked one
                                   image per chunk and gzip-compressed, with only images 5 and 72,999 (1-based)
                                   written (the rest are unallocated chunks that read as 0); a few KB on disk
  nsd/expected.json                the design of subject 2 computed as the data README's recipe computes it (numpy)
"""
import json
import os

import h5py
import numpy as np
import scipy.io

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nsd")
os.makedirs(os.path.join(HERE, "subj02"), exist_ok=True)
rng = np.random.default_rng(7)

images_per_subject, brick = 200, 120
masterordering = rng.integers(1, images_per_subject + 1, size=1500)                  # 1-based into the subject's images
subjectim = rng.integers(1, brick + 1, size=(8, images_per_subject))                  # 1-based NSD indices
sharedix = np.sort(rng.choice(np.arange(1, brick + 1), size=12, replace=False))
scipy.io.savemat(os.path.join(HERE, "nsd_expdesign.mat"), {
    "masterordering": masterordering.reshape(1, -1).astype(np.float64),
    "subjectim": subjectim.astype(np.float64),
    "sharedix": sharedix.reshape(1, -1).astype(np.float64),
    "basiccnt": np.zeros((3, 40)),                                                    # present in the real file, unused
})

# The design of subject 2, as data/README.md's recipe computes it.
subject = 2
order = masterordering[:750 * 2]
nsd_index = subjectim[subject - 1][order - 1]
shared = np.isin(nsd_index, sharedix)
runs = np.repeat(np.arange(1, 13), [63, 62] * 6)
expected = {
    "subject": f"subj{subject:02d}",
    "session": [int(t // 750 + 1) for t in range(len(order))],
    "run": [int(runs[t % 750]) for t in range(len(order))],
    "nsd_index": [int(i) for i in nsd_index],
    "shared1000": [bool(s) for s in shared],
}

with h5py.File(os.path.join(HERE, "nsd_stimuli.hdf5"), "w") as f:
    i, y, x, c = np.meshgrid(np.arange(brick), np.arange(10), np.arange(12), np.arange(3), indexing="ij")
    f.create_dataset("imgBrick", data=((7 * i + 3 * y + x + 50 * c) % 256).astype(np.uint8), chunks=(1, 10, 12, 3))
# The same images stored contiguously, as NSD's own nsd_stimuli.hdf5 stores them.
with h5py.File(os.path.join(HERE, "nsd_stimuli_contiguous.hdf5"), "w") as f:
    f.create_dataset("imgBrick", data=((7 * i + 3 * y + x + 50 * c) % 256).astype(np.uint8))

z, yy, xx = 3, 4, 5
trial = np.arange(750).reshape(-1, 1, 1, 1)
voxel = np.arange(z * yy * xx).reshape(1, z, yy, xx)
betas = np.round(300 * (trial / 100 + voxel / 1000)).astype(np.int16)
with h5py.File(os.path.join(HERE, "subj02", "betas_session01.hdf5"), "w") as f:
    f.create_dataset("betas", data=betas, chunks=(750, 1, 1, 1))
mask = np.zeros((z, yy, xx), dtype=np.uint8)
mask.flat[[3, 8, 9, 10, 31, 44, 59]] = 1
with h5py.File(os.path.join(HERE, "mask.h5"), "w") as f:
    f.create_dataset("mask", data=mask)
    f.attrs["name"] = "nsdgeneral"
# NSD's NIfTI betas hold the same array with the axes reversed (X x Y x Z x trials, X fastest on disk).
import nibabel as nib
affine = np.diag([1.8, 1.8, 1.8, 1.0])
nii = nib.Nifti1Image(np.ascontiguousarray(betas.transpose(3, 2, 1, 0)), affine)
nii.set_data_dtype(np.int16)
nib.save(nii, os.path.join(HERE, "subj02", "betas_session01.nii.gz"))

# The real brick's shape with two images written, for reading from a 73,000-image file.
with h5py.File(os.path.join(HERE, "nsd_stimuli_fullsize.hdf5"), "w") as f:
    d = f.create_dataset("imgBrick", shape=(73000, 425, 425, 3), dtype=np.uint8, chunks=(1, 425, 425, 3), compression="gzip")
    yy4, xx4, cc4 = np.meshgrid(np.arange(425), np.arange(425), np.arange(3), indexing="ij")
    for one_based in (5, 72999):
        d[one_based - 1] = ((one_based + yy4 + 2 * xx4 + 100 * cc4) % 256).astype(np.uint8)
expected["fullsize_pixel_rule"] = "(nsd index + y + 2 x + 100 c) mod 256 for images 5 and 72999, 0 elsewhere"

# The mask's voxels of trials 0, 1 and 749 in percent signal change (stored / 300), flat index = (z Y + y) X + x.
kept = [3, 8, 9, 10, 31, 44, 59]
expected["masked_percent"] = {str(t): [float(betas[t].flat[v] / 300) for v in kept] for t in (0, 1, 749)}
expected["first_trial_percent"] = {"min": float(betas[0].min() / 300), "max": float(betas[0].max() / 300), "mean": float(betas[0].mean() / 300)}
expected["mask_voxels"] = [3, 8, 9, 10, 31, 44, 59]

with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump(expected, f)
print("wrote", sorted(os.listdir(HERE)))
