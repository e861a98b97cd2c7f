"""The machine's own parallel ceiling: iterations per second of a CPU-bound loop like the
search's (small numpy evaluations + Python), in 1 process and in 2 at once."""
import multiprocessing as mp, time, numpy as np, json

def work(seconds):
    x = np.random.default_rng(0).uniform(0.5, 2, (200, 2))
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        y = x[:, 0] * np.sin(2.5 * x[:, 1]) + x[:, 1] ** 2
        float(np.mean((y - 1.0) ** 2)); n += 1
    return n

if __name__ == "__main__":
    ctx = mp.get_context("fork")
    with ctx.Pool(1) as p:
        one = sum(p.map(work, [10.0]))
    with ctx.Pool(2) as p:
        two = sum(p.map(work, [10.0, 10.0]))
    print(json.dumps({"one_process_per_s": one / 10, "two_processes_per_s": two / 10, "ratio": round(two / one, 3)}))
