import numpy as np
from eqlearn import EquationRegressor

rng = np.random.default_rng(0)
X = rng.uniform(1, 5, size=(200, 4))                   # x1, x2, y1, y2 in metres
d = np.sqrt((X[:, 1] - X[:, 0])**2 + (X[:, 3] - X[:, 2])**2)

reg = EquationRegressor(time_budget=30, random_state=0)
reg.fit(X, d, variable_names=["x1", "x2", "y1", "y2"], X_units=["m"] * 4, y_units="m")
print("the search saw", reg.search_variables_)
print("d =", reg.best_)
