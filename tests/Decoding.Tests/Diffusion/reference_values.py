#!/usr/bin/python3
"""Reference numbers for the Decoding.Tests.Diffusion tests, computed independently with numpy from the papers'
formulas (no diffusers code). Run with Debian's Python: /usr/bin/python3 reference_values.py (numpy 1.24, ~1 min).

Papers: Ho et al. 2020 (DDPM: linear betas, eq. 4, eq. 7), Nichol & Dhariwal 2021 (cosine schedule, eq. 17),
Song et al. 2021 (DDIM: eq. 12, eq. 16), Liu et al. 2022 (PNDM/PLMS: transfer eq. 9 and linear multistep)."""
import math

import numpy as np


def linear(n=1000, start=1e-4, end=0.02):
    return np.linspace(start, end, n)


def scaled_linear(n=1000, start=0.00085, end=0.012):
    return np.linspace(start ** 0.5, end ** 0.5, n) ** 2


def cosine_alpha_bar(tau, s=0.008):
    return math.cos((tau + s) / (1 + s) * math.pi / 2) ** 2


print("alphas_cumprod, linear 1e-4..0.02, t = 0, 499, 999:", np.cumprod(1 - linear())[[0, 499, 999]].tolist())
print("alphas_cumprod, scaled_linear 0.00085..0.012, t = 0, 499, 999:", np.cumprod(1 - scaled_linear())[[0, 499, 999]].tolist())
print("cosine closed form f((t+1)/T)/f(0), t = 0, 499, 998:",
      [cosine_alpha_bar((t + 1) / 1000) / cosine_alpha_bar(0) for t in (0, 499, 998)])
ab = np.cumprod(1 - linear())
print("linear: ab[99] =", ab[99], "1 - ab[99] =", 1 - ab[99])
print("DDPM posterior variance at t = 1 (full chain):", (1 - ab[0]) / (1 - ab[1]) * linear()[1])
print("DDPM 500 -> 400: fixed_small", (1 - ab[400]) / (1 - ab[500]) * (1 - ab[500] / ab[400]), "fixed_large", 1 - ab[500] / ab[400])
print("trailing spacing, len(np.arange(1000, 0, -1000/61)) =", len(np.arange(1000, 0, -1000 / 61)))
print("linspace spacing, 7 steps:", np.linspace(0, 999, 7).round().astype(np.int64).tolist())

# Samplers on Gaussian data x0 ~ N(mu, sd^2) with the exact MMSE epsilon; leading spacing, no offset, alpha = 1 at the end.
MU, SD = 0.5, 0.2


def run(ab, steps, sampler, rng, count=200_000):
    def eps(x, t):
        a, s = ab[t] ** 0.5, (1 - ab[t]) ** 0.5
        posterior_mean = MU + a * SD * SD / (a * a * SD * SD + s * s) * (x - a * MU)
        return (x - a * posterior_mean) / s

    def alpha(t):
        return ab[t] if t >= 0 else 1.0

    def ddim(x, e, t, p, eta=0.0):  # Song et al. eq. 12 with sigma of eq. 16
        sigma = eta * math.sqrt((1 - alpha(p)) / (1 - alpha(t)) * (1 - alpha(t) / alpha(p)))
        x0 = (x - math.sqrt(1 - alpha(t)) * e) / math.sqrt(alpha(t))
        out = math.sqrt(alpha(p)) * x0 + math.sqrt(1 - alpha(p) - sigma ** 2) * e
        return out + sigma * rng.standard_normal(x.shape) if eta > 0 else out

    d = 1000 // steps
    ts = list(range(0, 1000, d))[::-1]
    x = rng.standard_normal(count)
    history = []
    for i, t in enumerate(ts):
        e = eps(x, t)
        if sampler == "ddim":
            x = ddim(x, e, t, t - d)
        elif sampler == "ddim-eta1":
            x = ddim(x, e, t, t - d, eta=1.0)
        else:  # plms: Euler + average at the first step, then Adams-Bashforth of order 2, 3, 4
            if i == 0:
                e_prime = (e + eps(ddim(x, e, t, t - d), t - d)) / 2
            elif len(history) == 1:
                e_prime = (3 * e - history[-1]) / 2
            elif len(history) == 2:
                e_prime = (23 * e - 16 * history[-1] + 5 * history[-2]) / 12
            else:
                e_prime = (55 * e - 59 * history[-1] + 37 * history[-2] - 9 * history[-3]) / 24
            history.append(e)
            x = ddim(x, e_prime, t, t - d)
    return x.mean(), x.std()


rng = np.random.default_rng(0)
for name, betas in (("linear", linear()), ("scaled_linear", scaled_linear())):
    ab = np.cumprod(1 - betas)
    for sampler, steps in (("ddim", 50), ("ddim", 100), ("ddim", 250), ("ddim", 1000), ("ddim-eta1", 100),
                           ("ddim-eta1", 250), ("ddim-eta1", 1000), ("plms", 50)):
        print(f"gaussian data, {name}, {sampler} {steps} steps: mean, std =", run(ab, steps, sampler, rng))
