"""The neural model: set encoder over data points, transformer decoder over skeleton tokens."""
from .config import ModelConfig
from .model import EquationModel, ModelLoadError

__all__ = ["ModelConfig", "EquationModel", "ModelLoadError"]
