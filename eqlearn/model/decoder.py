"""Causal transformer decoder that writes a skeleton in prefix tokens."""
from __future__ import annotations

import torch
from torch import nn

from .config import ModelConfig

__all__ = ["SkeletonDecoder"]


class SkeletonDecoder(nn.Module):
    """Token embeddings + learned positions → pre-norm decoder layers with cross-attention to
    the encoder memory → logits over the vocabulary."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        c = config
        self.tok = nn.Embedding(c.vocab_size, c.d_model)
        self.pos = nn.Embedding(c.max_len, c.d_model)
        layer = nn.TransformerDecoderLayer(c.d_model, c.n_heads, c.d_ff, c.dropout,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.layers = nn.TransformerDecoder(layer, c.n_dec_layers)
        self.norm = nn.LayerNorm(c.d_model)
        self.head = nn.Linear(c.d_model, c.vocab_size)

    def forward(self, tokens: torch.Tensor, memory: torch.Tensor,
                pad_mask: torch.Tensor | None = None) -> torch.Tensor:
        """tokens: (B, T) ids starting with <bos>; memory: (B, S, d); pad_mask: (B, T) True at
        padding → logits (B, T, vocab)."""
        T = tokens.shape[1]
        pos = torch.arange(T, device=tokens.device)
        h = self.tok(tokens) + self.pos(pos)[None]
        causal = torch.triu(torch.ones(T, T, dtype=torch.bool, device=tokens.device), diagonal=1)
        h = self.layers(h, memory, tgt_mask=causal, tgt_key_padding_mask=pad_mask,
                        tgt_is_causal=True)
        return self.head(self.norm(h))
