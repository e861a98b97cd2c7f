# examples/projectile.csv: 200 rows of launch speed v, angle theta and range R
eqlearn fit examples/projectile.csv --target R
