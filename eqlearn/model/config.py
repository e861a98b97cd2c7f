"""``ModelConfig``: the one source of the network's sizes."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

__all__ = ["ModelConfig"]


@dataclass(frozen=True)
class ModelConfig:
    """Sizes of the set encoder and the skeleton decoder.

    The defaults are the shipped model's sizes (3.9M parameters).
    """

    max_vars: int = 6           #: input variables the encoder reads (x1..x{max_vars})
    d_model: int = 192          #: width of every block
    n_heads: int = 4
    d_ff: int = 512             #: hidden width of the feed-forward layers
    n_isab: int = 2             #: ISAB blocks in the encoder
    n_inducing: int = 32        #: inducing points per ISAB block
    n_seeds: int = 16           #: PMA seeds = length of the memory the decoder reads
    n_dec_layers: int = 4
    max_len: int = 48           #: longest token sequence, <bos> and <eos> included
    vocab_size: int = 0         #: set from the vocabulary
    dropout: float = 0.0

    def __post_init__(self):
        if self.d_model % self.n_heads:
            raise ValueError("d_model must be a multiple of n_heads")
        if self.max_vars < 1 or self.max_len < 3:
            raise ValueError("max_vars >= 1 and max_len >= 3 are required")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown model settings {sorted(unknown)}")
        return cls(**data)

    @classmethod
    def tiny(cls, **overrides) -> "ModelConfig":
        """A very small configuration for tests and smoke runs."""
        base = dict(max_vars=3, d_model=32, n_heads=2, d_ff=64, n_isab=1, n_inducing=8,
                    n_seeds=4, n_dec_layers=1, max_len=48)
        base.update(overrides)
        return cls(**base)
