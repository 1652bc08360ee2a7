"""The locale formatter's short paths give babel's exact text: numbers below 1000 (the
caseload formats a thousand a page) and short date-times built from cached day and time."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel import dates as babel_dates

from smarttouch.platform.i18n import units

EDGES = [
    0.0,
    -0.0,
    0.05,
    0.15,
    0.25,
    0.35,
    -0.05,
    2.675,
    999.4999,
    999.5,
    999.95,
    -999.96,
    1000,
    1e-9,
    -1e-9,
    5,
    -5,
    0,
]


@pytest.mark.parametrize("lang", ["en", "it"])
def test_numbers_read_as_babel_writes_them(lang: str) -> None:
    rnd = random.Random(7)
    values = EDGES + [rnd.uniform(-1200, 1200) for _ in range(1500)]
    values += [round(rnd.uniform(-50, 50), rnd.randint(0, 4)) for _ in range(1500)]
    for value in values:
        for digits in range(4):
            for signed in (False, True):
                babel = units._pattern(digits, signed).apply(value, units._locale_of(lang))
                assert units.number(value, digits, signed=signed, locale=lang) == babel, (
                    value,
                    digits,
                    signed,
                )
    assert units.number(1234.5, 1, locale="it") == "1.234,5"  # grouped: babel's own path
    assert units.number(-0.04, 1, locale="it") == "-0,0" and units.number(0.25, 1, signed=True) == "+0.2"


@pytest.mark.parametrize("lang", ["en", "it"])
@pytest.mark.parametrize("zone", ["Europe/Rome", "America/New_York"])
def test_short_datetime_reads_as_babel_writes_it(lang: str, zone: str) -> None:
    rnd = random.Random(3)
    tz = ZoneInfo(zone)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for _ in range(600):  # across both DST changes
        moment = start + timedelta(
            seconds=rnd.randint(0, 2 * 365 * 86400), microseconds=rnd.randint(0, 10**6 - 1)
        )
        expected = babel_dates.format_datetime(moment, "short", tzinfo=tz, locale=lang)
        assert units.short_datetime(moment, tz, locale=lang) == expected


def test_numpy_scalars_read_like_python_numbers() -> None:
    import numpy as np

    from smarttouch.platform.i18n import units

    for value in (np.float64(5.0), np.float32(2.5), np.int64(7), np.float64(-0.25)):
        plain = float(value) if isinstance(value, np.floating) else int(value)
        for lang in ("en", "it"):
            assert units.number(value, 1, locale=lang) == units.number(plain, 1, locale=lang)
