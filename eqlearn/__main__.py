"""``python -m eqlearn`` (also what ``torchrun -m eqlearn train ...`` runs)."""
from .cli import app

app()
