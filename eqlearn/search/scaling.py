"""Rescaling data with extreme magnitudes, and mapping equations back exactly.

SI data (λ ~ 1e-7 m, I ~ 1e13 W/m³) is divided column by column by powers of ten so that
the model and the fitter see numbers of order one. An equation ``y' = f(x')`` found on the
scaled data is mapped back by substituting ``x' = x / s_x`` and multiplying by ``s_y``; the
canonicaliser then folds the scale factors into the fitted constants, so the returned
constants are in the user's units (exact up to floating-point rounding).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..expr.simplify import canonicalize
from ..expr.tree import Expr, Node, Num, Var

__all__ = ["Scaling"]


def _power_of_ten(values: np.ndarray, threshold: float) -> float:
    a = np.abs(values[np.isfinite(values) & (values != 0)])
    if a.size == 0:
        return 1.0
    exponent = float(np.median(np.log10(np.unique(a))))  # distinct values: blind to repeats
    return 1.0 if abs(exponent) < threshold else float(10.0 ** np.round(exponent))


@dataclass(frozen=True)
class Scaling:
    """Powers of ten per input column and for the target."""

    x_scale: tuple[float, ...]
    y_scale: float

    @classmethod
    def fit(cls, X: np.ndarray, y: np.ndarray, threshold: float = 1.0) -> "Scaling":
        """Scale a column when the median of log10|values| (over distinct values) is at
        least ``threshold`` away from 0 (typical magnitudes outside [0.1, 10])."""
        xs = tuple(_power_of_ten(X[:, j], threshold) for j in range(X.shape[1]))
        return cls(xs, _power_of_ten(y, threshold))

    @classmethod
    def identity(cls, n_features: int) -> "Scaling":
        return cls((1.0,) * n_features, 1.0)

    @property
    def is_identity(self) -> bool:
        return self.y_scale == 1.0 and all(s == 1.0 for s in self.x_scale)

    def transform(self, X: np.ndarray, y: np.ndarray | None = None):
        Xs = X / np.asarray(self.x_scale)
        return Xs if y is None else (Xs, y / self.y_scale)

    def to_original(self, expr: Expr) -> Expr:
        """The equation in original units: ``s_y * f(x / s_x)``, constants folded (and the
        result in canonical form)."""
        return canonicalize(expr if self.is_identity else self._rescaled(expr, inverse=False))

    def to_scaled(self, expr: Expr) -> Expr:
        """An equation in original units as the scaled data sees it: ``f(s_x * x') / s_y``
        (the inverse of :meth:`to_original`), in canonical form."""
        return canonicalize(expr if self.is_identity else self._rescaled(expr, inverse=True))

    def keeps(self, expr: Expr, number: Fraction) -> bool:
        """Whether the exact ``number`` written into ``expr`` (scaled units) is still that
        number in the user's units: ``exp(u) - 1`` keeps its 1, ``exp(-x'/2)`` with
        ``x' = x/100`` does not (it is ``exp(-x/200)``): a small integer or half of the
        scaled units that the user's are not is no structure to snap to."""
        if self.is_identity:
            return True
        return any(isinstance(n, Num) and abs(n.value) == abs(number)
                   for n in self.to_original(expr).preorder())

    def _rescaled(self, expr: Expr, inverse: bool) -> Expr:
        """``s_y * f(x / s_x)``, or with ``inverse`` ``f(s_x * x) / s_y``, unsimplified. The
        scales are exact powers of ten, not fitted constants: they enter as numbers and
        fold into the fitted constants where they meet them."""
        mapping = {j: Node("mul", (_exact(s if inverse else 1.0 / s), Var(j)))
                   for j, s in enumerate(self.x_scale) if s != 1.0}
        mapped = expr.substitute(mapping)
        if self.y_scale != 1.0:
            y_factor = 1.0 / self.y_scale if inverse else self.y_scale
            mapped = Node("mul", (_exact(y_factor), mapped))
        return mapped


def _exact(power_of_ten: float) -> Num:
    """The power of ten nearest ``power_of_ten`` as an exact number."""
    return Num(Fraction(10) ** int(round(np.log10(power_of_ten))))
