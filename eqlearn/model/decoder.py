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


class DecodingState:
    """Per-layer caches of keys/values for incremental decoding (one row per hypothesis)."""

    def __init__(self, memory_kv: list[tuple[torch.Tensor, torch.Tensor]], batch: int):
        self.memory_kv = memory_kv                 # per layer: (B, H, S, dh) keys, values
        self.self_kv: list[tuple[torch.Tensor, torch.Tensor] | None] = [None] * len(memory_kv)
        self.length = 0
        self.batch = batch

    def select(self, index: torch.Tensor) -> "DecodingState":
        """Keep (and repeat) hypotheses ``index``, e.g. the survivors of a beam step."""
        out = DecodingState([(k[index], v[index]) for k, v in self.memory_kv], len(index))
        out.self_kv = [None if kv is None else (kv[0][index], kv[1][index]) for kv in self.self_kv]
        out.length = self.length
        return out


def _heads(x: torch.Tensor, n_heads: int) -> torch.Tensor:
    B, T, d = x.shape
    return x.view(B, T, n_heads, d // n_heads).transpose(1, 2)  # (B, H, T, dh)


def _attend(q, k, v, attn: nn.MultiheadAttention) -> torch.Tensor:
    out = torch.nn.functional.scaled_dot_product_attention(q, k, v)  # (B, H, 1, dh)
    B, H, T, dh = out.shape
    return attn.out_proj(out.transpose(1, 2).reshape(B, T, H * dh))


@torch.no_grad()
def start_decoding(decoder: SkeletonDecoder, memory: torch.Tensor) -> DecodingState:
    """Project the encoder memory once for every layer's cross-attention."""
    kv = []
    for layer in decoder.layers.layers:
        attn = layer.multihead_attn
        d = memory.shape[-1]
        w, b = attn.in_proj_weight, attn.in_proj_bias
        k = torch.nn.functional.linear(memory, w[d:2 * d], b[d:2 * d])
        v = torch.nn.functional.linear(memory, w[2 * d:], b[2 * d:])
        kv.append((_heads(k, attn.num_heads), _heads(v, attn.num_heads)))
    return DecodingState(kv, memory.shape[0])


@torch.no_grad()
def decode_step(decoder: SkeletonDecoder, tokens: torch.Tensor,
                state: DecodingState) -> torch.Tensor:
    """Logits (B, vocab) of the next token after appending ``tokens`` (B,) to each
    hypothesis; updates ``state``. Same result as :meth:`SkeletonDecoder.forward` on the
    whole prefix, at the cost of one position."""
    pos = torch.full((tokens.shape[0],), state.length, device=tokens.device)
    h = (decoder.tok(tokens) + decoder.pos(pos))[:, None, :]  # (B, 1, d)
    for i, layer in enumerate(decoder.layers.layers):
        sa = layer.self_attn
        d = h.shape[-1]
        q, k, v = torch.nn.functional.linear(layer.norm1(h), sa.in_proj_weight,
                                             sa.in_proj_bias).split(d, dim=-1)
        q, k, v = (_heads(t, sa.num_heads) for t in (q, k, v))
        if state.self_kv[i] is not None:
            k = torch.cat([state.self_kv[i][0], k], dim=2)
            v = torch.cat([state.self_kv[i][1], v], dim=2)
        state.self_kv[i] = (k, v)
        h = h + _attend(q, k, v, sa)
        ca = layer.multihead_attn
        q = _heads(torch.nn.functional.linear(layer.norm2(h), ca.in_proj_weight[:d],
                                              ca.in_proj_bias[:d]), ca.num_heads)
        h = h + _attend(q, *state.memory_kv[i], ca)
        h = h + layer.linear2(layer.activation(layer.linear1(layer.norm3(h))))
    state.length += 1
    return decoder.head(decoder.norm(h))[:, 0]
