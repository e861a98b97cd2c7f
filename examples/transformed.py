import numpy as np
from eqlearn import EquationRegressor

rng = np.random.default_rng(2)
n, theta = rng.uniform(0.1, 0.9, 200), rng.uniform(0.2, 1.4, 200)
y = np.arcsin(n * np.sin(theta))                       # Snell's law

reg = EquationRegressor(time_budget=30, random_state=0)
reg.fit(np.column_stack([n, theta]), y, variable_names=["n", "theta"])
print(reg.equations_[["complexity", "source", "equation"]].to_string(index=False))
