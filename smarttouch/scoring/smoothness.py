"""Movement smoothness: SPARC and (log) dimensionless jerk.

Formulas follow Balasubramanian, Melendez-Calderon, Burdet (2012) "A robust and sensitive
metric for quantifying movement smoothness", IEEE TBME 59(8):2126-36, and Balasubramanian,
Melendez-Calderon, Roby-Brami, Burdet (2015) "On the analysis of movement smoothness",
J NeuroEng Rehabil 12:112, as published with their reference implementation
(github.com/siva82kb/smoothness): the same zero padding, spectrum normalisation, adaptive
cut-off and discrete jerk estimates, so the published example values are reproduced.
The acceleration-based LDLJ variant (for IMUs) is from Melendez-Calderon, Shirota,
Balasubramanian (2021) "Estimating movement smoothness from inertial measurement units",
Front Bioeng Biotechnol 8:558771.

All metrics are negative; values closer to 0 are smoother.

``sparc_segments`` and ``ldlj_segments`` compute the same values for many segments of one
signal at once (one FFT per batch of equal length, sums by ``reduceat``): the offline analysis
scores two strokes per repetition this way.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import scipy.fft
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

_JERK_SCALING = {"speed": 3, "accl": 1, "jerk": -1}


def sparc(speed: FloatArray, fs: float, padlevel: int = 4, fc: float = 10.0, amp_th: float = 0.05) -> float:
    """Spectral arc length (SPARC) of a speed profile.

    Args:
        speed: movement speed profile (any unit; it is normalised), 1-D.
        fs: sample rate, Hz.
        padlevel: zero padding: the FFT length is 2**(ceil(log2(n)) + padlevel).
        fc: maximum cut-off frequency, Hz.
        amp_th: amplitude threshold (fraction of the spectrum's peak) for the adaptive cut-off.

    Returns:
        SPARC (dimensionless, negative; closer to 0 is smoother).
    """
    speed = _check(speed, fs, 2)
    nfft = int(2 ** (np.ceil(np.log2(len(speed))) + padlevel))
    freq = np.arange(0, fs, fs / nfft)
    mag = np.abs(np.fft.fft(speed, nfft))
    peak = mag.max()
    if peak == 0:
        raise ValueError("sparc: the speed profile is all zeros")
    mag = mag / peak
    keep = freq <= fc
    f_sel, m_sel = freq[keep], mag[keep]
    above = np.flatnonzero(m_sel >= amp_th)
    f_sel = f_sel[above[0] : above[-1] + 1]
    m_sel = m_sel[above[0] : above[-1] + 1]
    if len(f_sel) < 2:
        return 0.0
    df = np.diff(f_sel) / (f_sel[-1] - f_sel[0])
    return float(-np.sum(np.sqrt(df**2 + np.diff(m_sel) ** 2)))


def dimensionless_jerk(movement: FloatArray, fs: float, data_type: str = "speed") -> float:
    """Dimensionless jerk of a speed (or acceleration, or jerk) profile.

    ``-(T^p / peak^2) * sum(jerk^2) * dt`` with T the duration (n / fs, s), peak the maximum
    absolute value of the input, jerk the second (speed) or first (acceleration) difference
    quotient, p = 3 for speed, 1 for acceleration, -1 for jerk.

    Args:
        movement: speed, acceleration or jerk profile, 1-D (any unit; normalised by its peak).
        fs: sample rate, Hz.
        data_type: "speed", "accl" or "jerk".
    """
    if data_type not in _JERK_SCALING:
        raise ValueError(f"data_type must be one of {', '.join(_JERK_SCALING)}, got {data_type!r}")
    movement = _check(movement, fs, 3)
    peak = np.max(np.abs(movement))
    if peak == 0:
        raise ValueError("dimensionless_jerk: the profile is all zeros")
    dt = 1.0 / fs
    duration = len(movement) * dt
    scale = duration ** _JERK_SCALING[data_type] / peak**2
    if data_type == "speed":
        jerk = np.diff(movement, 2) / dt**2
    elif data_type == "accl":
        jerk = np.diff(movement, 1) / dt
    else:
        jerk = movement
    return float(-scale * np.sum(jerk**2) * dt)


def ldlj(movement: FloatArray, fs: float, data_type: str = "speed") -> float:
    """Log dimensionless jerk: ``-ln|dimensionless_jerk|`` (see :func:`dimensionless_jerk`).

    ``data_type="speed"`` is LDLJ-V; ``"accl"`` is LDLJ-A, for an acceleration magnitude
    profile from an IMU (gravity removed).
    """
    return float(-np.log(abs(dimensionless_jerk(movement, fs, data_type))))


def _check(x: FloatArray, fs: float, min_len: int) -> FloatArray:
    x = np.asarray(x, dtype=float).reshape(-1)
    if not fs > 0:
        raise ValueError(f"fs must be > 0 Hz, got {fs}")
    if len(x) < min_len:
        raise ValueError(f"need at least {min_len} samples, got {len(x)}")
    if not np.all(np.isfinite(x)):
        raise ValueError("the profile contains NaN or infinite values")
    return x


def _segments(x: FloatArray, starts: IntArray, stops: IntArray, fs: float, min_len: int) -> FloatArray:
    x = np.asarray(x, dtype=float).reshape(-1)
    if not fs > 0:
        raise ValueError(f"fs must be > 0 Hz, got {fs}")
    if len(starts) != len(stops):
        raise ValueError("starts and stops must have the same length")
    if len(starts) and (np.any(starts < 0) or np.any(stops > len(x)) or np.any(stops - starts < min_len)):
        raise ValueError(f"every segment must lie inside the signal and have at least {min_len} samples")
    return x


def sparc_segments(
    x: FloatArray,
    starts: IntArray,
    stops: IntArray,
    fs: float,
    padlevel: int = 4,
    fc: float = 10.0,
    amp_th: float = 0.05,
) -> FloatArray:
    """``sparc(x[a:b], fs, ...)`` for every segment ``(a, b)`` of ``starts``/``stops``.

    Equal to :func:`sparc` segment by segment (to rounding); an all-zero segment gives NaN
    instead of an error. Segments are batched by FFT length.
    """
    x = _segments(x, starts, stops, fs, 2)
    out = np.full(len(starts), np.nan)
    lengths = stops - starts
    nffts = (2 ** (np.ceil(np.log2(np.maximum(lengths, 1))) + padlevel)).astype(np.int64)
    for nfft in np.unique(nffts):
        rows = np.flatnonzero(nffts == nfft)
        width = int(lengths[rows].max())
        idx = starts[rows][:, None] + np.arange(width)[None, :]
        inside = np.arange(width)[None, :] < lengths[rows][:, None]
        block = np.where(inside, x[np.minimum(idx, len(x) - 1)], 0.0)
        n_sel = int(np.floor(fc * nfft / fs + 1e-9)) + 1  # bins with frequency <= fc
        mag, peak = _low_bins(block, int(nfft), n_sel)
        n_sel = mag.shape[1]
        ok = peak > 0
        m = mag / np.where(ok, peak, 1.0)[:, None]
        above = m >= amp_th
        first = np.argmax(above, axis=1)
        last = n_sel - 1 - np.argmax(above[:, ::-1], axis=1)
        span = last - first
        reach = int(last.max()) + 1  # bins beyond every row's last one do not enter the arc
        m = m[:, :reach]
        steps = np.diff(m, axis=1)
        j = np.arange(reach - 1)[None, :]
        inside = (j >= first[:, None]) & (j < last[:, None])
        dfn = 1.0 / np.maximum(span, 1)
        arc = -np.sum(np.where(inside, np.sqrt(dfn[:, None] ** 2 + steps**2), 0.0), axis=1)
        out[rows] = np.where(ok, np.where(span >= 1, arc, 0.0), np.nan)
    return out


@lru_cache(maxsize=32)
def _chirp(width: int, n_sel: int, nfft: int) -> tuple[int, NDArray[np.complex128], NDArray[np.complex128]]:
    """Bluestein's chirp-z transform (Bluestein 1970; Rabiner, Schafer & Rader 1969) of the
    first ``n_sel`` bins of an ``nfft``-point DFT of ``width``-sample rows: the FFT length, the
    chirp applied to the input, and the FFT of the conjugate-chirp filter.
    nk = (n^2 + k^2 - (k - n)^2) / 2 turns the DFT into a convolution."""
    n_fft = int(scipy.fft.next_fast_len(width + n_sel - 1))
    k = np.arange(max(width, n_sel))
    chirp = np.exp(-1j * np.pi * ((k * k) % (2 * nfft)) / nfft)
    filt = np.zeros(n_fft, dtype=complex)
    filt[:n_sel] = np.conj(chirp[:n_sel])
    if width > 1:
        filt[n_fft - width + 1 :] = np.conj(chirp[1:width][::-1])
    return n_fft, chirp[:width], np.asarray(scipy.fft.fft(filt), dtype=complex)


def _low_bins(block: FloatArray, nfft: int, n_sel: int) -> tuple[FloatArray, FloatArray]:
    """|DFT| of each row zero-padded to ``nfft``, at the bins 0..n_sel-1, and each row's peak
    |DFT| over all bins. For non-negative rows (speed profiles) the peak is at 0 Hz, and when
    only a small fraction of the bins is needed a chirp-z transform of about width + n_sel
    points replaces the nfft-point FFT (the same values to rounding)."""
    non_negative = bool(block.min() >= 0.0)
    width = 1 << int(np.ceil(np.log2(max(block.shape[1], 1))))  # rows are zeros beyond it
    if non_negative and n_sel <= nfft // 2 + 1 and 2 * scipy.fft.next_fast_len(width + n_sel - 1) < nfft:
        n_fft, chirp, filt = _chirp(width, n_sel, nfft)
        padded = np.zeros((len(block), n_fft), dtype=complex)
        padded[:, : block.shape[1]] = block * chirp[: block.shape[1]]
        spec = scipy.fft.fft(padded, axis=1)
        spec *= filt
        mag = np.abs(scipy.fft.ifft(spec, axis=1, overwrite_x=True)[:, :n_sel])
        return mag, mag[:, 0]
    if n_sel <= nfft // 2 + 1:
        full = scipy.fft.rfft(block, nfft, axis=1)
    else:  # fc beyond the Nyquist frequency: the reference keeps the mirrored bins
        full = scipy.fft.fft(block, nfft, axis=1)
    n_sel = min(n_sel, nfft)
    mag = np.abs(full[:, :n_sel])
    # |X(f)| <= X(0) for a non-negative profile (a speed): then the peak is at 0 Hz
    return mag, (mag[:, 0] if non_negative else np.abs(full).max(axis=1))


def ldlj_segments(
    x: FloatArray, starts: IntArray, stops: IntArray, fs: float, data_type: str = "speed"
) -> FloatArray:
    """``ldlj(x[a:b], fs, data_type)`` for every segment (speed or acceleration profiles).

    Equal to :func:`ldlj` segment by segment (to rounding); an all-zero segment gives NaN.
    """
    if data_type not in ("speed", "accl"):
        raise ValueError(f"data_type must be speed or accl, got {data_type!r}")
    x = _segments(x, starts, stops, fs, 3)
    out = np.full(len(starts), np.nan)
    if not len(starts):
        return out
    dt = 1.0 / fs
    order = 2 if data_type == "speed" else 1
    jerk_sq = (np.diff(x, order) / dt**order) ** 2
    bounds = np.empty(2 * len(starts), dtype=np.intp)
    bounds[0::2], bounds[1::2] = starts, stops - order
    sums = np.add.reduceat(np.concatenate([jerk_sq, [0.0]]), bounds)[0::2]
    ax = np.concatenate([np.abs(x), [0.0]])
    bounds[1::2] = stops
    peak = np.maximum.reduceat(ax, bounds)[0::2]
    duration = (stops - starts) * dt
    ok = peak > 0
    scale = duration ** _JERK_SCALING[data_type] / np.where(ok, peak, 1.0) ** 2
    dlj = scale * sums * dt
    with np.errstate(divide="ignore"):
        out = np.where(ok, -np.log(dlj), np.nan)
    return np.asarray(out, dtype=float)
