# Twelve readings of an enzyme's reaction rate against substrate concentration
# (R's Puromycin data, treated cells; Treloar 1974), duplicates at six concentrations.
import matplotlib
import numpy as np
from eqlearn import EquationRegressor

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

conc = np.array([0.02, 0.02, 0.06, 0.06, 0.11, 0.11, 0.22, 0.22, 0.56, 0.56, 1.1, 1.1])
rate = np.array([76, 47, 97, 107, 123, 139, 159, 152, 191, 201, 207, 200], dtype=float)

reg = EquationRegressor(time_budget=30, random_state=0)
reg.fit(conc[:, None], rate, variable_names=["conc"])
print("rate =", reg.best_)
print(reg.constants_.round(4).to_string())
print(f"noise: {reg.noise_:.2f} (rate units); chosen by: {reg.selection_rule_}")

grid = np.linspace(0.01, 1.15, 200)[:, None]
pred, std = reg.predict(grid, return_std=True)
plt.figure(figsize=(6, 4))
plt.fill_between(grid[:, 0], pred - 2 * std, pred + 2 * std, alpha=0.25,
                 label="±2 standard deviations of a new reading")
plt.plot(grid[:, 0], pred, label=f"rate = {reg.best_}")
plt.plot(conc, rate, "o", color="k", label="readings")
plt.xlabel("substrate concentration (ppm)")
plt.ylabel("reaction rate (counts/min²)")
plt.legend(fontsize=8)
plt.tight_layout()
plt.savefig("puromycin.png", dpi=110)  # docs/puromycin.png (scripts/readme_examples.py)
