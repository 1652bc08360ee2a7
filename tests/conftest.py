"""The order the suite runs in: the files holding ``browser`` or ``slow`` tests first, the rest
after them (each group in its usual order, each file's tests in theirs).

``make test`` runs ``pytest -n 2 --dist loadfile``: a worker takes a whole file at a time, so a
long file handed out last keeps one worker busy while the other has nothing left to do. With
the long files handed out first, the many short ones fill in around them at the end. xdist would
otherwise hand out the files with the most tests first (``--loadscope-reorder``, its default,
which puts the long files with few tests last): that reordering is turned off here."""

from __future__ import annotations

import pytest

LONG = ("browser", "slow")


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config.option, "loadscopereorder"):  # xdist is loaded
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    long_files = {item.path for item in items if any(item.get_closest_marker(mark) for mark in LONG)}
    items.sort(key=lambda item: item.path not in long_files)  # a stable sort
