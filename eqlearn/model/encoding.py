"""Scale-free features of real numbers, so that 1e-30 and 1e30 are both representable.

A value v becomes: its sign, log10|v| (coarse), sines and cosines of log10|v| at several
periods (fine position inside and across decades, like a mantissa), tanh(v) and asinh(v)
(linear near zero), and flags for zero and non-finite values. Computed in float64, returned in float32.
"""
from __future__ import annotations

import math

import torch

__all__ = ["value_features", "N_VALUE_FEATURES"]

_PERIODS = (0.125, 0.25, 0.5, 1.0, 4.0, 16.0, 64.0)  # in decades
N_VALUE_FEATURES = 6 + 2 * len(_PERIODS)


def value_features(v: torch.Tensor) -> torch.Tensor:
    """(...,) float64 values → (..., N_VALUE_FEATURES) float32 features."""
    v = v.to(torch.float64)
    finite = torch.isfinite(v)
    v = torch.where(finite, v, torch.zeros_like(v))
    a = v.abs()
    zero = a < 1e-300
    lg = torch.log10(torch.where(zero, torch.ones_like(a), a)).clamp(-300, 300)
    parts = [torch.sign(v), lg / 20.0, torch.tanh(v), zero.double(), (~finite).double(),
             torch.asinh(v) / 10.0]
    for period in _PERIODS:
        angle = lg * (2 * math.pi / period)
        parts += [torch.sin(angle), torch.cos(angle)]
    out = torch.stack(parts, dim=-1) * (~zero).double().unsqueeze(-1)  # zero: flags only
    out[..., 3] = zero.double()
    out[..., 4] = (~finite).double()
    return out.float()
