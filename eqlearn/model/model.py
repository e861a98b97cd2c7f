"""``EquationModel``: set encoder + skeleton decoder, saved as safetensors + JSON.

The network only maps tensors; decoding (greedy, beam, sampling) lives in
:mod:`eqlearn.search.decode`.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

import torch
from torch import nn

from ..expr.tokens import Vocabulary
from .config import ModelConfig
from .decoder import SkeletonDecoder
from .set_encoder import SetEncoder

__all__ = ["EquationModel", "ModelLoadError", "FORMAT_VERSION", "WEIGHTS_FILE", "CONFIG_FILE"]

FORMAT_VERSION = 1
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"


class ModelLoadError(ValueError):
    """A checkpoint that is missing, corrupt or incompatible."""


class EquationModel(nn.Module):
    """Maps data points and a token prefix to next-token logits.

    Parameters
    ----------
    config : ModelConfig
        Sizes (``vocab_size`` is taken from ``vocab``).
    vocab : Vocabulary
        The tokens the decoder writes.
    meta : dict, optional
        Anything worth keeping with the weights: the prior, how it was trained, ….
    """

    def __init__(self, config: ModelConfig, vocab: Vocabulary, meta: dict | None = None):
        super().__init__()
        if config.vocab_size not in (0, len(vocab)):
            raise ValueError(f"config.vocab_size={config.vocab_size} but vocabulary has "
                             f"{len(vocab)} tokens")
        self.config = ModelConfig.from_dict({**config.to_dict(), "vocab_size": len(vocab)})
        self.vocab = vocab
        self.meta = dict(meta or {})
        self.encoder = SetEncoder(self.config)
        self.decoder = SkeletonDecoder(self.config)

    def encode(self, points, point_mask, var_mask) -> torch.Tensor:
        return self.encoder(points, point_mask, var_mask)

    def forward(self, points, point_mask, var_mask, tokens, token_pad=None) -> torch.Tensor:
        """Logits (B, T, vocab) for every position of ``tokens``."""
        return self.decoder(tokens, self.encode(points, point_mask, var_mask), token_pad)

    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def lineage(self) -> list[dict]:
        """The training records of this model and of the models it came from, oldest first:
        ``meta.history`` with ``meta.training`` appended (the history of a model made from
        this one)."""
        return [t for t in [*self.meta.get("history", []), self.meta.get("training", {})] if t]

    # -- persistence ---------------------------------------------------------------------
    def save(self, folder: str | Path, *, half: bool = False) -> Path:
        """Write ``model.safetensors`` (float16 with ``half=True``) and ``config.json``."""
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        dtype = torch.float16 if half else torch.float32
        state = {k: v.detach().to("cpu", dtype).contiguous() for k, v in self.state_dict().items()}
        save_file(state, str(folder / WEIGHTS_FILE))
        info = {"format_version": FORMAT_VERSION, "model": self.config.to_dict(),
                "vocabulary": self.vocab.to_list(), "meta": self.meta}
        (folder / CONFIG_FILE).write_text(json.dumps(info, indent=1))
        return folder

    @classmethod
    def load(cls, name_or_path: str | Path = "default", device: str = "cpu") -> "EquationModel":
        """Load a checkpoint folder, or a model shipped with the package by name."""
        folder = _resolve(name_or_path)
        info = _read_config(folder)
        try:
            config = ModelConfig.from_dict(info["model"])
            vocab = Vocabulary.from_list(info["vocabulary"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelLoadError(f"{folder / CONFIG_FILE} is not a valid model config: {exc}")
        model = cls(config, vocab, info.get("meta"))
        model.load_state_dict(_read_weights(folder, model), strict=True)
        return model.to(device).eval()

    @classmethod
    def cached(cls, name_or_path: str | Path = "default") -> "EquationModel":
        """:meth:`load` on the CPU, remembered (the last four models) for later fits."""
        return _cached(str(name_or_path))

    @staticmethod
    def read_meta(name_or_path: str | Path = "default") -> dict:
        """A checkpoint's record (priors, how it was trained) without loading its weights."""
        return _read_config(_resolve(name_or_path)).get("meta") or {}


def _resolve(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    if path.is_dir():
        return path
    shipped = resources.files("eqlearn.model") / "weights" / str(name_or_path)
    if shipped.is_dir():
        return Path(str(shipped))
    raise ModelLoadError(f"no model {str(name_or_path)!r}: not a folder, and not a model shipped "
                         f"with eqlearn ({', '.join(list_shipped()) or 'none'})")


def list_shipped() -> list[str]:
    folder = resources.files("eqlearn.model") / "weights"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / CONFIG_FILE).is_file())


def _read_config(folder: Path) -> dict:
    path = folder / CONFIG_FILE
    if not path.is_file():
        raise ModelLoadError(f"{folder} holds no {CONFIG_FILE}: not an eqlearn checkpoint")
    try:
        info = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"{path} is corrupt: {exc}") from None
    version = info.get("format_version") if isinstance(info, dict) else None
    if version != FORMAT_VERSION:
        raise ModelLoadError(f"{path} has checkpoint format {version!r}; this eqlearn reads "
                             f"format {FORMAT_VERSION}")
    return info


def _read_weights(folder: Path, model: nn.Module) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = folder / WEIGHTS_FILE
    if not path.is_file():
        raise ModelLoadError(f"{folder} holds no {WEIGHTS_FILE}")
    try:
        state = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelLoadError(f"{path} is corrupt: {exc}") from None
    expected = model.state_dict()
    missing = set(expected) - set(state)
    unexpected = set(state) - set(expected)
    if missing or unexpected:
        raise ModelLoadError(f"{path} does not match its config: missing {sorted(missing)[:3]}, "
                             f"unexpected {sorted(unexpected)[:3]}")
    for key, tensor in state.items():
        if tensor.shape != expected[key].shape:
            raise ModelLoadError(f"{path}: {key} has shape {tuple(tensor.shape)}, config says "
                                 f"{tuple(expected[key].shape)}")
    return {k: v.to(expected[k].dtype) for k, v in state.items()}


@lru_cache(maxsize=4)
def _cached(name_or_path: str) -> EquationModel:
    return EquationModel.load(name_or_path)
