"""eqlearn: learned symbolic regression."""
__version__ = "0.1.0"
