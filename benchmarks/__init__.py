"""csdl's benchmark suite: ``python -m benchmarks [--quick] [--output FILE]``."""
