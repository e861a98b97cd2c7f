"""The user-defined prior over equations: configuration, skeleton sampling, support."""
from .config import (ConstantConfig, LeafConfig, Macro, PriorConfig, SupportConfig, TreeConfig,
                     list_presets, load_prior)
from .sampler import SkeletonSampler
from .support import sample_constants, sample_support

__all__ = ["PriorConfig", "TreeConfig", "LeafConfig", "ConstantConfig", "SupportConfig", "Macro",
           "load_prior", "list_presets", "SkeletonSampler", "sample_support", "sample_constants"]
