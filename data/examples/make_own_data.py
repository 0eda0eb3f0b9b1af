#!/usr/bin/env python3
"""Writes the "bring your own data" example: one small experiment as a researcher might hand it over, in three forms.

The experiment is simulated by the project (two Fashion-MNIST categories, 90 training and 10 test trials, 28 x 28
images) and then saved the way other labs' tools save data, with the reference libraries:

  own_data.mat     scipy.io.savemat (MATLAB 5 format): fmriTrn (90 x 563 single), fmriTest (10 x 563 single),
                   stimTrn (28 x 28 x 90 uint8, image axis last as MATLAB users store it), stimTest (28 x 28 x 10),
                   labelTrn (90 x 1 double, 1 or 2), labelTest (10 x 1), categoryNames (1 x 2 cell of char)
  own_data.npz     numpy.savez: the same variables, images N x 28 x 28 (image axis first, numpy's habit),
                   labels int64, categoryNames a unicode array
  own_images/      the same 100 images as PNG (Pillow), with own_images.csv: file,stimulus_id,category
                   (ids 1..100 in trial order: training trials, then test trials; categories by name)

The voxels are every 8th voxel of the simulated visual cortex (563 of 4,500), float32, to keep the files small.

Make it again (from the repository root, Debian's Python with scipy, numpy, h5py, Pillow):
  dotnet run --project src/Decoding -- simulate --out /tmp/byod-sim --categories 2 --train 90 --test 10 \\
      --test-repeats 1 --image-size 28 --seed 15
  /usr/bin/python3 data/examples/make_own_data.py /tmp/byod-sim
"""
import csv
import os
import sys

import h5py
import numpy as np
import scipy.io
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sim = sys.argv[1] if len(sys.argv) > 1 else "/tmp/byod-sim"

with h5py.File(os.path.join(sim, "sim-01.h5"), "r") as f:
    data = f["dataset"][()]                                          # samples x columns, float64
    keys = [k.decode() for k in f["metadata/key"][()]]
    values = f["metadata/value"][()]                                 # keys x columns

    def column(key):                                                 # a label column: the one column its key marks with 1
        return data[:, np.flatnonzero(values[keys.index(key)] == 1)[0]]

    voxel_columns = np.flatnonzero(values[keys.index("VoxelData")] == 1)
    data_type = column("DataType")
    stimulus = column("stimulus_id")
    category = column("category_index")                              # 1-based, names in /vmap/category_index
    names = {float(k): f["vmap/category_index"][k][()].decode() for k in f["vmap/category_index"]}

with h5py.File(os.path.join(sim, "stimuli.h5"), "r") as f:
    images = f["images"][()][..., 0]                                 # N x 28 x 28 uint8
    ids = [s.decode() if isinstance(s, bytes) else s for s in f["stimulus_id"][()]]


def god_id(value):                                                   # the simulator's GOD-style float id as its text id
    synset = int(np.floor(value))
    return f"n{synset:08d}_{int(round((value - synset) * 1e6))}"


image_of = {sid: images[i] for i, sid in enumerate(ids)}
kept = voxel_columns[::8]
train = np.flatnonzero(data_type == 1)
test = np.flatnonzero(data_type == 2)
used = sorted(set(category[train]) | set(category[test]))
relabel = {c: i + 1 for i, c in enumerate(used)}                     # the two categories become 1 and 2
category_names = np.array([names[c] for c in used], dtype=object)

fmri_trn = data[np.ix_(train, kept)].astype(np.float32)
fmri_test = data[np.ix_(test, kept)].astype(np.float32)
stim_trn = np.stack([image_of[god_id(stimulus[i])] for i in train])   # 90 x 28 x 28
stim_test = np.stack([image_of[god_id(stimulus[i])] for i in test])
label_trn = np.array([relabel[c] for c in category[train]], dtype=np.float64)
label_test = np.array([relabel[c] for c in category[test]], dtype=np.float64)

scipy.io.savemat(os.path.join(HERE, "own_data.mat"), {
    "fmriTrn": fmri_trn, "fmriTest": fmri_test,
    "stimTrn": np.transpose(stim_trn, (1, 2, 0)), "stimTest": np.transpose(stim_test, (1, 2, 0)),
    "labelTrn": label_trn.reshape(-1, 1), "labelTest": label_test.reshape(-1, 1),
    "categoryNames": category_names.reshape(1, -1),
}, do_compression=True)

np.savez(os.path.join(HERE, "own_data.npz"), fmriTrn=fmri_trn, fmriTest=fmri_test, stimTrn=stim_trn, stimTest=stim_test,
         labelTrn=label_trn.astype(np.int64), labelTest=label_test.astype(np.int64),
         categoryNames=np.array(list(category_names), dtype=str))

folder = os.path.join(HERE, "own_images")
os.makedirs(folder, exist_ok=True)
with open(os.path.join(HERE, "own_images.csv"), "w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(["file", "stimulus_id", "category"])
    for k, (image, label) in enumerate(zip(np.concatenate([stim_trn, stim_test]), np.concatenate([label_trn, label_test]))):
        name = f"{k + 1:04d}.png"
        Image.fromarray(image, mode="L").save(os.path.join(folder, name))
        writer.writerow([name, k + 1, category_names[int(label) - 1]])

back = scipy.io.loadmat(os.path.join(HERE, "own_data.mat"))
assert back["fmriTrn"].shape == (90, len(kept)) and back["stimTrn"].shape == (28, 28, 90)
print(f"wrote own_data.mat, own_data.npz, own_images/ (100 PNG) + own_images.csv: {len(train)} + {len(test)} trials x {len(kept)} voxels, "
      f"categories {list(category_names)}, labels train {np.bincount(label_trn.astype(int))[1:]}, test {np.bincount(label_test.astype(int))[1:]}")
