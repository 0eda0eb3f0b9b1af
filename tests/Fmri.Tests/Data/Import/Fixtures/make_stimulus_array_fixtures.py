#!/usr/bin/env python3
"""Writes a MATLAB v5 file of images stored as MATLAB users store them (height x width x images), for StimulusArrayImport.

Run with Debian's Python (scipy, numpy): /usr/bin/python3 make_stimulus_array_fixtures.py

  stimuli_hwn.mat             scipy.io.savemat: stimTrn, 6 x 5 x 9 uint8 (non-square images, image axis last), and
                              idTrn, the 9 images' ids 101..109 (a 1 x 9 double row, as MATLAB saves a vector)
  stimuli_hwn_expected.json   each image's pixels, row-major, as numpy slices them (stimTrn[:, :, k])
"""
import json
import os

import numpy as np
import scipy.io

HERE = os.path.dirname(os.path.abspath(__file__))
stim = (np.arange(6 * 5 * 9) * 7 % 256).astype(np.uint8).reshape(6, 5, 9)
ids = np.arange(101, 110, dtype=np.float64).reshape(1, 9)
scipy.io.savemat(os.path.join(HERE, "stimuli_hwn.mat"), {"stimTrn": stim, "idTrn": ids})
with open(os.path.join(HERE, "stimuli_hwn_expected.json"), "w") as f:
    json.dump({"ids": [str(int(v)) for v in ids.ravel()], "images": [stim[:, :, k].ravel().tolist() for k in range(9)]}, f)
