#!/usr/bin/python3
"""Writes ssim_pair.json: deterministic image pairs and their SSIM computed by scikit-image.

Reference library: Debian's scikit-image (apt-get install -y python3-skimage; 0.19.3 when this was made),
run with Debian's Python: /usr/bin/python3 make_ssim_fixture.py

SSIM setting (Wang, Bovik, Sheikh, Simoncelli 2004): Gaussian window sigma 1.5 (11x11 at skimage's
truncate 3.5), K1 0.01, K2 0.03, population covariance, data range 1.0. skimage averages the SSIM map
over the valid region (a border of (11 - 1) / 2 = 5 pixels is cropped), the same region Wang et al.'s
MATLAB ssim_index averages over with filter2(..., 'valid').

Greyscale: RGB images are converted with ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B) before SSIM,
as the project's Ssim does. (skimage.color.rgb2gray uses BT.709 weights, so it is not used here.)

A second SSIM, "ssim_columnwise", is the value MindEye's and Brain-Diffuser's evaluation code computes: scikit-image's
rgb2gray (BT.709) for an RGB image, then structural_similarity(b, a, multichannel=True, gaussian_weights=True,
sigma=1.5, use_sample_covariance=False, data_range=1.0) on the 2-D greyscale arrays, exactly their call. The third
pair has a black margin, as Fashion-MNIST's images do, whose constant columns that call scores 1.

Pixels are stored as integers 0..255 (value = integer / 255) to keep the fixture small and exact.
PixCorr (numpy.corrcoef of the flattened H x W x C pixel vectors) is stored as a second reference.
"""
import json
import os

import numpy as np
from skimage.color import rgb2gray
from skimage.metrics import structural_similarity


def to_bytes(image):
    return np.clip(np.round(image * 255.0), 0, 255).astype(np.int64)


def gradient_checkerboard(height, width, channels):
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    checker = ((np.floor(y / 4) + np.floor(x / 4)) % 2) * 2.0 - 1.0  # +-1 in 4x4 squares
    planes = []
    for c in range(channels):
        ramp = 0.15 + 0.55 * (x / (width - 1)) * (1.0 - 0.3 * c) + 0.2 * (y / (height - 1)) * (0.5 + 0.4 * c)
        planes.append(ramp + 0.1 * checker)
    return np.stack(planes, axis=-1)  # (H, W, C)


def perturbed(image):
    height, width, channels = image.shape
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    out = image.copy()
    for c in range(channels):
        out[..., c] += 0.08 * np.sin(0.7 * x + 0.3 * y + c) * np.cos(0.5 * y)
    out[height // 3: height // 3 + 6, width // 2: width // 2 + 7, :] += 0.15  # a brightened block
    out[:, :, 0] = 0.9 * out[:, :, 0] + 0.05  # contrast change on the first channel
    return out


def luma(image):
    if image.shape[2] == 1:
        return image[..., 0]
    return 0.299 * image[..., 0] + 0.587 * image[..., 1] + 0.114 * image[..., 2]


def with_black_margin(image, margin):
    out = image.copy()
    out[:, :margin, :] = 0.0
    out[:, -margin:, :] = 0.0
    return out


def make_pair(name, height, width, channels, margin=0):
    base = gradient_checkerboard(height, width, channels)
    a_bytes = to_bytes(with_black_margin(base, margin) if margin else base)
    b_bytes = to_bytes(with_black_margin(perturbed(base), margin) if margin else perturbed(base))
    a = a_bytes.astype(np.float64) / 255.0
    b = b_bytes.astype(np.float64) / 255.0
    ssim = structural_similarity(luma(a), luma(b), gaussian_weights=True, sigma=1.5,
                                 use_sample_covariance=False, data_range=1.0)
    pixcorr = np.corrcoef(a.reshape(-1), b.reshape(-1))[0, 1]
    grey_a = a[..., 0] if channels == 1 else rgb2gray(a)
    grey_b = b[..., 0] if channels == 1 else rgb2gray(b)
    columnwise = structural_similarity(grey_b, grey_a, multichannel=True, gaussian_weights=True, sigma=1.5,
                                       use_sample_covariance=False, data_range=1.0)
    return {
        "name": name,
        "height": height,
        "width": width,
        "channels": channels,
        "a": a_bytes.reshape(-1).tolist(),  # H x W x C order, value = integer / 255
        "b": b_bytes.reshape(-1).tolist(),
        "ssim": float(ssim),
        "pixcorr": float(pixcorr),
        "ssim_columnwise": float(columnwise),
    }


def main():
    import skimage
    fixture = {
        "source": "make_ssim_fixture.py with scikit-image " + skimage.__version__ + ", numpy " + np.__version__,
        "pairs": [make_pair("grey", 24, 32, 1), make_pair("rgb", 20, 28, 3), make_pair("grey_margin", 28, 28, 1, margin=4)],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ssim_pair.json")
    with open(path, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    for pair in fixture["pairs"]:
        print(pair["name"], "ssim", repr(pair["ssim"]), "pixcorr", repr(pair["pixcorr"]), "ssim_columnwise", repr(pair["ssim_columnwise"]))


if __name__ == "__main__":
    main()
