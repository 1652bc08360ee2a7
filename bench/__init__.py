"""SmartTouch benchmarks: ``make bench`` (``python -m bench``) runs every ``bench_*.py``.

Each module has a ``main()`` that measures, prints its figures next to the named target or
reference measured in the same run, and returns nothing. They are not pass/fail tests.
"""
