#!/usr/bin/env python3
"""Writes small files in MinD-Vis's conversion of Generic Object Decoding with numpy, for MindVisGodImport.

Run with Debian's Python (numpy): /usr/bin/python3 make_mindvis_fixtures.py

  mindvis_sbj_1.npz       numpy.savez of arr_0 (training trials x voxels, float32), arr_1 (test single trials, each
                          test image's repeats in a row: row r shows test image r // REPEATS, as MinD-Vis's
                          np.repeat(images, 35) reads them), arr_2 (arr_1 averaged per test image), arr_3 (each
                          training trial's index into train_images, int64), and the ROI masks VC (booleans) and V1
                          (voxel indices)
  mindvis_sbj_scan.npz    the same trials with arr_1 in scan order (each run shows every test image, in a shuffled
                          order): row r is no longer image r // REPEATS, which arr_2 reveals
  mindvis_sbj_zscored.npz the grouped single trials with a large per-voxel baseline added, and arr_2 their averages
                          z-scored per voxel: still grouped, so accepted
  mindvis_images.npz      numpy.savez of train_images and test_images (N x H x W x 3 uint8)
  mindvis_expected.json   what the importer must store, computed here: per sample its id, split and repeat count
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(7)
VOXELS, TRAIN_IMAGES, TEST_IMAGES, REPEATS = 12, 4, 5, 3

# Each image has its own voxel pattern; trials add noise, so a test image's repeats average towards its pattern.
train_patterns = rng.normal(size=(TRAIN_IMAGES, VOXELS))
test_patterns = rng.normal(size=(TEST_IMAGES, VOXELS)) * 2
arr_3 = np.array([2, 0, 3, 1, 0, 2], dtype=np.int64)          # training trials, some images twice
arr_0 = (train_patterns[arr_3] + 0.3 * rng.normal(size=(len(arr_3), VOXELS))).astype(np.float32)

grouped_images = np.repeat(np.arange(TEST_IMAGES), REPEATS)
arr_1 = (test_patterns[grouped_images] + 0.3 * rng.normal(size=(len(grouped_images), VOXELS))).astype(np.float32)
arr_2 = arr_1.reshape(TEST_IMAGES, REPEATS, VOXELS).mean(axis=1).astype(np.float32)

vc = np.ones(VOXELS, dtype=bool); vc[[3, 7]] = False
v1 = np.array([0, 1, 2, 4])
np.savez(os.path.join(HERE, "mindvis_sbj_1.npz"), arr_0, arr_1, arr_2, arr_3, VC=vc, V1=v1)

# Scan order: run k shows every test image once, shuffled; arr_2 is still the mean per image.
scan_images = np.concatenate([rng.permutation(TEST_IMAGES) for _ in range(REPEATS)])
scan = (test_patterns[scan_images] + 0.3 * rng.normal(size=(len(scan_images), VOXELS))).astype(np.float32)
scan_mean = np.stack([scan[scan_images == k].mean(axis=0) for k in range(TEST_IMAGES)]).astype(np.float32)
np.savez(os.path.join(HERE, "mindvis_sbj_scan.npz"), arr_0, scan, scan_mean, arr_3, VC=vc)

# A conversion that keeps each voxel's large baseline in the single trials but z-scores the averages per voxel.
baseline = rng.normal(size=VOXELS) * 100
offset_single = (arr_1 + baseline).astype(np.float32)
offset_mean = offset_single.reshape(TEST_IMAGES, REPEATS, VOXELS).mean(axis=1)
zscored = ((offset_mean - offset_mean.mean(axis=0)) / offset_mean.std(axis=0)).astype(np.float32)
np.savez(os.path.join(HERE, "mindvis_sbj_zscored.npz"), arr_0, offset_single, zscored, arr_3, VC=vc)

train_images = rng.integers(0, 256, size=(TRAIN_IMAGES, 4, 5, 3), dtype=np.uint8)
test_images = rng.integers(0, 256, size=(TEST_IMAGES, 4, 5, 3), dtype=np.uint8)
np.savez(os.path.join(HERE, "mindvis_images.npz"), train_images=train_images, test_images=test_images)

expected = {
    "voxels": VOXELS,
    "repeats": REPEATS,
    "single_ids": [f"train-{k}" for k in arr_3] + [f"test-{k}" for k in grouped_images],
    "averaged_ids": [f"train-{k}" for k in arr_3] + [f"test-{k}" for k in range(TEST_IMAGES)],
    "single_values": np.concatenate([arr_0, arr_1]).astype(np.float64).ravel().tolist(),
    "averaged_values": np.concatenate([arr_0, arr_2]).astype(np.float64).ravel().tolist(),
    "rois": {"VC": np.flatnonzero(vc).tolist(), "V1": v1.tolist()},
    "image_ids": [f"train-{k}" for k in range(TRAIN_IMAGES)] + [f"test-{k}" for k in range(TEST_IMAGES)],
    "image_pixels": np.concatenate([train_images, test_images]).ravel().tolist(),
}
with open(os.path.join(HERE, "mindvis_expected.json"), "w") as f:
    json.dump(expected, f)
