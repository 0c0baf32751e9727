"""Benchmark of ucmauto: users enrolled per second, memory of the whole process tree, scaling
with concurrency, against a naive one-browser-per-user script and a browserless /cgi floor.

    python -m bench.run [--n 100] [--latency-ms 50] [--concurrency-sweep 1,2,4,8] [--out bench/results]
    python -m bench.run --quick        # N=5, short sweep (what CI runs)

See bench/README.md.
"""
