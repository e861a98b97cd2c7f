import numpy as np
from eqlearn import EquationRegressor

rng = np.random.default_rng(1)
m0, v, c = rng.uniform(1, 5, 200), rng.uniform(1, 2, 200), rng.uniform(3, 10, 200)
m = m0 / np.sqrt(1 - v**2 / c**2)                      # relativistic mass

reg = EquationRegressor(time_budget=30, random_state=0)
reg.fit(np.column_stack([m0, v, c]), m, variable_names=["m0", "v", "c"],
        X_units=["kg", "m/s", "m/s"], y_units="kg")
print("m =", reg.pi_groups_.describe(["m0", "v", "c"]))  # (groups, M): m = M * f(groups)
print("the search saw", reg.search_variables_)
print("m =", reg.best_)
