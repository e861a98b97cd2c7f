import numpy as np
from eqlearn import EquationRegressor

rng = np.random.default_rng(0)
u, v, c = rng.uniform(1, 5, 200), rng.uniform(1, 5, 200), rng.uniform(6, 10, 200)
w = (u + v) / (1 + u * v / c**2)                       # relativistic velocity addition

reg = EquationRegressor(time_budget=30, random_state=0)
reg.fit(np.column_stack([u, v, c]), w, variable_names=["u", "v", "c"])   # no units
print("w =", reg.symmetries_.describe(["u", "v", "c"]))  # (groups, M): w = M * f(groups)
print("w =", reg.best_)
