"""Feedback sounds synthesised with numpy (no downloaded assets), silent without a device.

Cues: ``hit`` (bright pop), ``rep`` (two-note chime), ``miss`` (soft low tone, never harsh),
``set`` (rising arpeggio), ``step`` (calibration ding), ``rest`` (gentle bell), ``finish`` (short fanfare).
Every cue request is logged in ``played`` (time, name) whether or not audio is available,
so tests can check that each rep gets its sound without hearing it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover - pygame is imported only when a mixer is opened
    import pygame

RATE_HZ = 44100


def _env(n: int, attack_s: float, release_s: float) -> np.ndarray:
    a = max(1, int(attack_s * RATE_HZ))
    r = max(1, int(release_s * RATE_HZ))
    env = np.ones(n)
    env[:a] = np.linspace(0.0, 1.0, min(a, n))[: min(a, n)]
    env[-r:] *= np.exp(-np.linspace(0.0, 5.0, min(r, n)))[: min(r, n)]
    return env


def tone(
    freq_hz: float,
    dur_s: float,
    volume: float = 0.35,
    harmonics: tuple[float, ...] = (1.0, 0.3, 0.1),
    glide_to_hz: float | None = None,
) -> np.ndarray:
    """A mono tone (float in -1..1): a fundamental plus soft harmonics, optional pitch glide."""
    n = int(dur_s * RATE_HZ)
    t = np.arange(n) / RATE_HZ
    f = np.full(n, freq_hz) if glide_to_hz is None else np.linspace(freq_hz, glide_to_hz, n)
    phase = 2 * np.pi * np.cumsum(f) / RATE_HZ
    wave = np.zeros(n)
    for k, a in enumerate(harmonics):
        wave += a * np.sin((k + 1) * phase)
    wave = wave / sum(harmonics)
    out: np.ndarray = volume * wave * _env(n, 0.005, dur_s * 0.8) * (1.0 if t.size else 0.0)
    return out


def sequence(notes: list[tuple[float, float]], volume: float = 0.3, gap_s: float = 0.0) -> np.ndarray:
    """Notes (frequency Hz, duration s) one after another."""
    parts = []
    for freq, dur in notes:
        parts.append(tone(freq, dur, volume))
        if gap_s:
            parts.append(np.zeros(int(gap_s * RATE_HZ)))
    return np.concatenate(parts) if parts else np.zeros(0)


def cue_waves() -> dict[str, np.ndarray]:
    """The cue library as float waves (-1..1) at RATE_HZ."""
    c5, e5, g5, c6 = 523.25, 659.25, 783.99, 1046.5
    return {
        "hit": tone(880.0, 0.12, 0.35, glide_to_hz=1320.0),
        "rep": sequence([(g5, 0.09), (c6, 0.18)], 0.3),
        "miss": tone(330.0, 0.22, 0.18, harmonics=(1.0, 0.15)),
        "set": sequence([(c5, 0.1), (e5, 0.1), (g5, 0.1), (c6, 0.3)], 0.3),
        "step": tone(e5, 0.25, 0.25, harmonics=(1.0, 0.4, 0.1)),
        "rest": tone(523.25, 1.2, 0.2, harmonics=(1.0, 0.5, 0.25, 0.12)),
        "finish": sequence([(g5, 0.12), (g5, 0.12), (c6, 0.45)], 0.32, gap_s=0.03),
    }


class SoundBank:
    """Plays cues through pygame.mixer when an audio device opens, else stays silent."""

    def __init__(self, enabled: bool = True) -> None:
        self.played: list[tuple[float, str]] = []
        self.available = False
        self._sounds: dict[str, pygame.mixer.Sound] = {}
        if enabled:
            self._open()

    def _open(self) -> None:
        try:
            import pygame

            if not pygame.mixer.get_init():
                pygame.mixer.init(frequency=RATE_HZ, size=-16, channels=2)
            rate, _, channels = pygame.mixer.get_init()
            for name, wave in cue_waves().items():
                if rate != RATE_HZ:
                    idx = np.linspace(0, len(wave) - 1, int(len(wave) * rate / RATE_HZ))
                    wave = np.interp(idx, np.arange(len(wave)), wave)
                pcm = (np.clip(wave, -1, 1) * 32767).astype(np.int16)
                if channels > 1:
                    pcm = np.repeat(pcm[:, None], channels, axis=1)
                self._sounds[name] = pygame.sndarray.make_sound(np.ascontiguousarray(pcm))
            self.available = True
        except Exception:  # no audio device or no mixer: silence, never a crash
            self._sounds.clear()
            self.available = False

    def play(self, name: str, t: float = 0.0) -> None:
        """Play cue ``name`` (logged even when silent)."""
        self.played.append((float(t), name))
        snd = self._sounds.get(name)
        if snd is not None:
            try:
                snd.play()
            except Exception:
                pass
