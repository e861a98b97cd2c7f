"""Search: decoding skeletons, fitting constants, selecting equations, genetic programming."""
