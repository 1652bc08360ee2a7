"""Spoken guidance through ``espeak-ng``, an offline speech engine (Debian package espeak-ng).

The program is looked up on the PATH when the session starts; when it is missing the speaker
is silent and says nothing about it (the screen carries every message anyway). ``say`` never
blocks the frame loop: it hands the sentence to a background thread that starts the program
and returns at once; a newer sentence replaces one still being spoken, so guidance never
queues up behind the patient.

``wav_dir``: write each sentence to a numbered WAV file there instead of the speakers
(tests and the screenshot script check what would be heard).
"""

from __future__ import annotations

import logging
import queue
import shutil
import subprocess
import threading
from pathlib import Path

log = logging.getLogger(__name__)

VOICES = {"en": "en-gb", "it": "it"}
WORDS_PER_MINUTE = 140  # a little slower than espeak-ng's default 175


def find_espeak() -> str | None:
    """The path of ``espeak-ng`` (or ``espeak``) on the PATH, or None."""
    return shutil.which("espeak-ng") or shutil.which("espeak")


class Speaker:
    """Speaks short sentences in the session's language (see the module docstring)."""

    def __init__(self, lang: str = "en", enabled: bool = True, wav_dir: Path | None = None):
        self.lang = lang
        self.program = find_espeak() if enabled else None
        self.wav_dir = wav_dir
        self.spoken: list[str] = []  # what was handed to the engine, in order
        self._count = 0
        self._queue: queue.Queue[str | None] = queue.Queue(maxsize=4)
        self._thread: threading.Thread | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def available(self) -> bool:
        return self.program is not None

    def say(self, text: str) -> None:
        """Speak ``text`` soon (returns at once; silent when the engine is missing)."""
        if self.program is None or not text.strip():
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
            self._thread.start()
        while True:
            try:
                self._queue.put_nowait(text)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()  # drop the oldest sentence not yet started
                except queue.Empty:
                    pass

    def _command(self, text: str) -> list[str]:
        assert self.program is not None
        cmd = [self.program, "-v", VOICES.get(self.lang, "en-gb"), "-s", str(WORDS_PER_MINUTE)]
        if self.wav_dir is not None:
            self.wav_dir.mkdir(parents=True, exist_ok=True)
            self._count += 1
            cmd += ["-w", str(self.wav_dir / f"speech-{self._count:03d}.wav")]
        return [*cmd, "--", text]

    def _run(self) -> None:
        while True:
            text = self._queue.get()
            if text is None:
                return
            self._stop_current()
            try:
                self._proc = subprocess.Popen(
                    self._command(text),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                self.spoken.append(text)
            except OSError as exc:  # removed or broken since start: stay silent from now on
                log.debug("speech disabled: %s", exc)
                self.program = None
                return
            if self.wav_dir is not None:
                self._proc.wait()  # files in order, each complete

    def _stop_current(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                proc.kill()

    def close(self, wait_s: float = 0.0) -> None:
        """Stop the background thread; with ``wait_s`` let queued sentences finish first."""
        if self._thread is None:
            return
        try:
            self._queue.put(None, timeout=1.0)
        except queue.Full:
            pass
        self._thread.join(timeout=wait_s if wait_s > 0 else 1.0)
        proc = self._proc
        if proc is not None and wait_s > 0:
            try:
                proc.wait(timeout=wait_s)
            except subprocess.TimeoutExpired:
                pass
        if wait_s <= 0:
            self._stop_current()
        self._thread = None
