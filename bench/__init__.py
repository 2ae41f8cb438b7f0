"""Benchmarks of optsolve against the anchors of each field.

Run one with ``python -m bench NAME`` (or ``python bench/run.py NAME``);
``python -m bench --list`` lists them. Each benchmark runs the anchors in the
same process run, on the same inputs, prints one table (instance or family,
ours, anchor, ratio) and writes CSV + PNG under ``bench/results/``.
"""
