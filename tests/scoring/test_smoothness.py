"""SPARC and LDLJ follow Balasubramanian et al. exactly (published example values)."""

from __future__ import annotations

import numpy as np
import pytest

from smarttouch.scoring import dimensionless_jerk, ldlj, sparc


def _gaussian_speed() -> np.ndarray:
    t = np.arange(-1, 1, 0.01)
    return np.exp(-5 * t**2)


def test_golden_values() -> None:
    speed = _gaussian_speed()
    assert sparc(speed, 100.0) == pytest.approx(-1.41403126171, abs=1e-9)
    assert dimensionless_jerk(speed, 100.0) == pytest.approx(-335.746837033, abs=1e-9)
    assert ldlj(speed, 100.0) == pytest.approx(-5.81635741476, abs=1e-9)


def test_minimum_jerk_profile() -> None:
    tau = np.linspace(0.0, 1.0, 101)
    speed = 30 * tau**2 * (1 - tau) ** 2
    assert sparc(speed, 100.0) == pytest.approx(-1.4058, abs=5e-4)


def _two_submovements(gap_s: float, fs: float = 100.0) -> np.ndarray:
    """Speed of two Gaussian sub-movements exp(-5 t^2) whose centres are ``gap_s`` apart."""
    t = np.arange(-1.0, 1.0 + gap_s, 1.0 / fs)
    return np.exp(-5 * t**2) + np.exp(-5 * (t - gap_s) ** 2)


def test_smoothness_falls_as_two_submovements_separate() -> None:
    """Once the speed profile shows two peaks (centres >= 0.7 s apart) both metrics fall
    strictly with every further separation, and stay below the single movement's value.
    (While the sub-movements still merge into one bump, both metrics are about flat: they
    are duration-invariant, as Balasubramanian et al. 2015 intend.)"""
    gaps = np.round(np.arange(0.7, 2.01, 0.1), 2)
    for gap in gaps:
        speed = _two_submovements(gap)
        inner = speed[(np.arange(len(speed)) > 10) & (np.arange(len(speed)) < len(speed) - 10)]
        assert inner.min() < speed.max() * 0.99  # two visible peaks
    sp = [sparc(_two_submovements(g), 100.0) for g in gaps]
    lv = [ldlj(_two_submovements(g), 100.0) for g in gaps]
    assert np.all(np.diff(sp) < 0), sp
    assert np.all(np.diff(lv) < 0), lv
    single = _gaussian_speed()
    assert max(sp) < sparc(single, 100.0) and max(lv) < ldlj(single, 100.0)


def test_acceleration_variant_scaling() -> None:
    fs = 100.0
    tau = np.linspace(0.0, 1.0, 101)
    acc = 60 * tau * (1 - tau) * (1 - 2 * tau)
    jerk = np.diff(acc) * fs
    expected = -(1.01 / np.max(np.abs(acc)) ** 2) * np.sum(jerk**2) / fs
    assert dimensionless_jerk(acc, fs, "accl") == pytest.approx(expected, rel=1e-12)
    assert ldlj(acc, fs, "accl") == pytest.approx(-np.log(-expected), rel=1e-12)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: sparc(np.zeros(50), 100.0), "all zeros"),
        (lambda: sparc(np.ones(50), 0.0), "fs"),
        (lambda: ldlj(np.array([1.0, np.nan, 2.0, 1.0]), 100.0), "NaN"),
        (lambda: ldlj(np.ones(2), 100.0), "at least 3"),
        (lambda: ldlj(np.ones(10), 100.0, "position"), "data_type"),
    ],
)
def test_bad_input_is_named(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
