"""matcalc benchmarks (issue 7): `python bench/run.py [--quick|--tiny] [--out FILE]`."""
