"""Benchmarks of the whole product on synthetic corpora: ``python -m bench`` (``make bench``).

See ``bench/results.md`` for the latest numbers and what was found.
"""
