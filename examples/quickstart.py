import numpy as np
from eqlearn import EquationRegressor

rng = np.random.default_rng(0)
X = rng.uniform(1, 3, size=(200, 2))
y = 3.2 * X[:, 0] * np.exp(-0.5 * X[:, 1])

reg = EquationRegressor(time_budget=30, random_state=0).fit(X, y)
print(reg.best_)
print(reg.equations_[["complexity", "loss", "r2", "source", "equation"]].to_string(index=False))
