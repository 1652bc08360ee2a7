"""Baseline: SmartTouch's own motion analysis, as the hub scores patients' sessions."""

from __future__ import annotations

from smarttouch.scoring import analyze


class SmartTouchScorer:
    def analyze(self, recording) -> dict:
        return {"reps": int(analyze(recording).reps)}
