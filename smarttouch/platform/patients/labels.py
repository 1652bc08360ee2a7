"""Translatable names for what the progress pages show: metrics, quit reasons, data-quality
flags, alert kinds and plan fields, in words a therapist uses."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

METRICS = {
    "rom_deg": _l("Range of motion (largest repetition)"),
    "rom_deg_mean": _l("Range of motion (mean of repetitions)"),
    "reps": _l("Repetitions"),
    "sparc": _l("Smoothness (SPARC)"),
    "ldlj": _l("Smoothness (LDLJ)"),
    "peak_speed_dps": _l("Peak speed"),
    "tremor_amplitude_deg": _l("Tremor amplitude"),
}

# unit shown after a metric's value
UNITS = {
    "rom_deg": "°",
    "rom_deg_mean": "°",
    "reps": "",
    "sparc": "",
    "ldlj": "",
    "peak_speed_dps": "°/s",
    "tremor_amplitude_deg": "°",
}

QUIT_REASONS = {
    "completed": _l("Completed"),
    "pain": _l("Stopped for pain"),
    "fatigue": _l("Stopped for fatigue"),
    "other": _l("Stopped for another reason"),
    "time_limit": _l("Time limit reached"),
    "disconnected": _l("Sensor connection lost"),
    "closed": _l("Game closed before the end"),
}

SESSION_STATUSES = {
    "received": _l("Received, not scored yet"),
    "scoring": _l("Scoring: the hub is computing the metrics"),
    "scored": _l("Scored"),
    "failed": _l("Could not be scored"),
}

QUALITY_FLAGS = {
    "gaps": _l("Samples missing: %(gaps)s gap(s), the longest %(max_gap_s).2f s"),
    "clipped_acc": _l("Accelerometer range exceeded (clipping)"),
    "clipped_gyr": _l("Gyroscope range exceeded (clipping)"),
    "rate_mismatch": _l("Sample rate differs from the nominal one (measured %(measured_rate_hz).1f Hz)"),
    "too_short": _l("Recording shorter than 5 seconds"),
    "no_still_start": _l("No still second at the start: the neutral pose is a best guess"),
}

ALERT_KINDS = {
    "no_session": _l("No recent session"),
    "decline": _l("Decline"),
    "pain_stop": _l("Stopped for pain"),
    "pain_rise": _l("Pain above usual"),
    "pilot_safety": _l("Pilot safety check"),
    "pilot_withdrawal": _l("Left a pilot"),
}

PLAN_FIELDS = {
    "movement": _l("Movement"),
    "target_rom_deg": _l("Target ROM"),
    "max_rom_deg": _l("Maximum ROM"),
    "reps": _l("Repetitions per set"),
    "sets": _l("Sets"),
    "sessions_per_week": _l("Sessions per week"),
    "difficulty": _l("Difficulty"),
    "start_date": _l("Start date"),
    "end_date": _l("End date"),
    "therapist_note": _l("Note to the patient"),
    "side": _l("Side"),
    "placement": _l("Sensor worn on"),
    "activity": _l("Activity"),
}


def quality_problems(flags: dict) -> list[str]:
    """Translated descriptions of the raised data-quality flags of a session."""
    out = []
    for key, text in QUALITY_FLAGS.items():
        value = flags.get(key)
        if value:
            values = {k: flags.get(k) or 0 for k in ("gaps", "max_gap_s", "measured_rate_hz")}
            out.append(str(text) % values)
    return out
