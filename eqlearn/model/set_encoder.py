"""Permutation-invariant encoder of a set of data points (Set Transformer, Lee et al. 2019).

Points → per-point embedding → ISAB blocks (attention through a few inducing points, linear
in the number of points) → PMA pooling onto learned seeds. Every block takes a
``mask`` of valid points so that padded and unpadded batches give the same result.
"""
from __future__ import annotations

import torch
from torch import nn

from .config import ModelConfig
from .encoding import N_VALUE_FEATURES, value_features

__all__ = ["SetEncoder", "MAB", "ISAB", "PMA"]


class MAB(nn.Module):
    """Multihead attention block, pre-norm: ``H = Q + Att(Q, K); out = H + FF(H)``."""

    def __init__(self, d: int, n_heads: int, d_ff: int, dropout: float = 0.0):
        super().__init__()
        self.norm_q = nn.LayerNorm(d)
        self.norm_k = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, n_heads, dropout=dropout, batch_first=True)
        self.norm_ff = nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, d_ff), nn.GELU(), nn.Linear(d_ff, d))

    def forward(self, q: torch.Tensor, k: torch.Tensor, *,
                key_mask: torch.Tensor | None = None) -> torch.Tensor:
        # q: (B, Nq, d), k: (B, Nk, d), key_mask: (B, Nk) True where valid
        kn = self.norm_k(k)
        pad = None if key_mask is None else ~key_mask
        h = q + self.attn(self.norm_q(q), kn, kn, key_padding_mask=pad, need_weights=False)[0]
        return h + self.ff(self.norm_ff(h))


class ISAB(nn.Module):
    """Induced set attention: points attend to m inducing points that summarise them."""

    def __init__(self, d: int, n_heads: int, d_ff: int, n_inducing: int, dropout: float = 0.0):
        super().__init__()
        self.inducing = nn.Parameter(torch.randn(1, n_inducing, d) * d**-0.5)
        self.mab_in = MAB(d, n_heads, d_ff, dropout)
        self.mab_out = MAB(d, n_heads, d_ff, dropout)

    def forward(self, x: torch.Tensor, *, mask: torch.Tensor | None = None) -> torch.Tensor:
        h = self.mab_in(self.inducing.expand(x.shape[0], -1, -1), x, key_mask=mask)  # (B, m, d)
        return self.mab_out(x, h)  # (B, N, d)


class PMA(nn.Module):
    """Pooling by multihead attention onto k learned seeds."""

    def __init__(self, d: int, n_heads: int, d_ff: int, n_seeds: int, dropout: float = 0.0):
        super().__init__()
        self.seeds = nn.Parameter(torch.randn(1, n_seeds, d) * d**-0.5)
        self.mab = MAB(d, n_heads, d_ff, dropout)
        self.norm = nn.LayerNorm(d)

    def forward(self, x: torch.Tensor, *, mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.norm(self.mab(self.seeds.expand(x.shape[0], -1, -1), x, key_mask=mask))


class SetEncoder(nn.Module):
    """Data points → a fixed-size memory of ``n_seeds`` vectors.

    Inputs per point are the variables x1..x{max_vars} and the target y, each encoded by
    :func:`~eqlearn.model.encoding.value_features`; variables an equation does not have are
    marked absent by ``var_mask``.
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        c = config
        n_in = (c.max_vars + 1) * N_VALUE_FEATURES + c.max_vars
        self.embed = nn.Sequential(nn.Linear(n_in, c.d_ff), nn.GELU(), nn.Linear(c.d_ff, c.d_model))
        self.blocks = nn.ModuleList(
            ISAB(c.d_model, c.n_heads, c.d_ff, c.n_inducing, c.dropout) for _ in range(c.n_isab))
        self.pool = PMA(c.d_model, c.n_heads, c.d_ff, c.n_seeds, c.dropout)

    def forward(self, points: torch.Tensor, point_mask: torch.Tensor,
                var_mask: torch.Tensor) -> torch.Tensor:
        """points: (B, N, max_vars + 1) float64 [x..., y]; point_mask: (B, N) bool;
        var_mask: (B, max_vars) bool → memory (B, n_seeds, d_model)."""
        B, N, _ = points.shape
        feats = value_features(points)  # (B, N, V+1, F)
        present = torch.cat([var_mask, torch.ones_like(var_mask[:, :1])], dim=1)  # (B, V+1)
        feats = feats * present[:, None, :, None]
        flags = var_mask[:, None, :].expand(B, N, -1).float()
        # the features' fine digits (position inside a decade) do not survive bf16, so under
        # mixed precision the embedding still runs in float32
        with torch.autocast(points.device.type, enabled=False):
            h = self.embed(torch.cat([feats.flatten(2), flags], dim=-1))  # (B, N, d)
        for block in self.blocks:
            h = block(h, mask=point_mask)
        return self.pool(h, mask=point_mask)
