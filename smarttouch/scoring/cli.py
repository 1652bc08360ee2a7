"""``smarttouch analyze FILE...``: reps, ROM, smoothness and tremor of recordings.

A recording of a play session carries its phases: then only the play phases are analysed
and the sets are reported one by one, as the hub does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from smarttouch.scoring.movements import MOVEMENT_MODELS

if TYPE_CHECKING:  # pragma: no cover
    from smarttouch.scoring.analysis import SessionMetrics
    from smarttouch.sensors.types import Recording


def _load(path: str, fs: float | None) -> Recording:
    from smarttouch.sensors.recording_io import load_recording

    rec = load_recording(path, fs=fs)
    if fs is not None:
        rec.sample_rate_hz = float(fs)
    return rec


def _fmt(x: float | None, spec: str = ".1f") -> str:
    return "-" if x is None else format(x, spec)


def _table(name: str, d: dict[str, Any]) -> str:
    lines = [
        f"{name}",
        f"  movement      {d['movement'] or 'not named (periodic)'}",
        f"  duration      {_fmt(d['duration_s'])} s, active {_fmt(d['active_time_s'])} s",
        f"  reps          {d['reps']}",
    ]
    if d.get("count_uncertain"):
        lines.append(f"  count         uncertain: {d.get('uncertain_reason')}")
    sets = d.get("sets") or []
    if len(sets) > 1:
        lines.append(
            "  sets          "
            + ", ".join(
                f"{s['index'] + 1}: {s['reps']} reps, ROM {_fmt(s['rom_deg_mean'])} deg" for s in sets
            )
        )
    lines += [
        f"  ROM           max {_fmt(d['rom_deg'])} deg, mean {_fmt(d['rom_deg_mean'])} +- {_fmt(d['rom_deg_sd'])} deg",
        f"  peak speed    {_fmt(d['peak_speed_dps'])} deg/s",
        f"  smoothness    SPARC {_fmt(d['sparc'], '.3f')}, LDLJ {_fmt(d['ldlj'], '.2f')}",
        f"  tremor 3-7 Hz {_fmt(d['tremor_power_ratio'], '.1%') if d['tremor_power_ratio'] is not None else '-'}"
        f" of movement power, {_fmt(d['tremor_freq_hz'])} Hz, ~{_fmt(d['tremor_amplitude_deg'], '.2f')} deg",
    ]
    if d["rep_table"]:
        lines.append("   rep  start_s  end_s  dur_s  rom_deg  peak_dps   sparc    ldlj  conf")
        for r in d["rep_table"]:
            lines.append(
                f"  {r['index'] + 1:4d} {r['t_start']:8.2f} {r['t_end']:6.2f} {r['duration_s']:6.2f}"
                f" {r['rom_deg']:8.1f} {r['peak_speed_dps']:9.1f} {_fmt(r['sparc'], '7.3f')}"
                f" {_fmt(r['ldlj'], '7.2f')} {_fmt(r['confidence'], '5.2f')}"
            )
    for w in d["quality"]["warnings"]:
        lines.append(f"  warning: {w}")
    return "\n".join(lines)


def _plot(results: Sequence[tuple[str, SessionMetrics]], out: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(results), 1, figsize=(11, 3.2 * len(results)), squeeze=False)
    for ax, (name, m) in zip(axes[:, 0], results):
        tr = m.trace or {}
        ax.plot(tr["t"], tr["angle_deg"], color="0.6", lw=0.8, label="joint angle")
        ax.plot(tr["t"], tr["angle_lp_deg"], color="C0", lw=1.2, label="low-pass angle (zero phase)")
        for r in m.rep_table:
            ax.axvspan(r["t_start"], r["t_end"], color="C2", alpha=0.15)
            ax.annotate(
                f"{r['index'] + 1}: {r['rom_deg']:.0f} deg",
                (r["t_peak"], r["peak_angle_deg"]),
                fontsize=7,
                ha="center",
                va="bottom",
            )
        ax.set_title(f"{Path(name).name}: {m.reps} reps, ROM {m.rom_deg_mean:.1f} deg (mean)", fontsize=10)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("angle (deg)")
        ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    try:
        fig.savefig(out, dpi=110)
    except OSError as exc:
        raise click.ClickException(f"cannot write plot {out}: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)


@click.command(name="analyze")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--fs",
    type=click.FloatRange(1.0, 10000.0),
    default=None,
    help="Sample rate in Hz (needed for a CSV without a t column).",
)
@click.option(
    "--movement",
    type=click.Choice(sorted(MOVEMENT_MODELS)),
    default=None,
    help="Movement performed; default: the recording's label, else any periodic exercise.",
)
@click.option("--json", "as_json", is_flag=True, help="One line of JSON per file instead of a table.")
@click.option(
    "--plot",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write a PNG of the angle trace with the reps marked.",
)
def analyze(
    files: tuple[str, ...], fs: float | None, movement: str | None, as_json: bool, plot: str | None
) -> None:
    """Analyse motion recordings (.npz or .csv): reps, ROM, smoothness, tremor.

    Prints a table per file, or with --json one JSON object per line with at least file, reps,
    rom_deg, sparc, ldlj and duration_s (degrees, seconds). A recording with session phases
    counts its play phases only and reports each set (play_sets: the game's 0-based set of
    each entry of sets; null without phases).
    """
    from tqdm import tqdm

    from smarttouch.scoring.analysis import analyze as run
    from smarttouch.sensors.recording_io import RecordingError
    from smarttouch.sensors.types import play_phases

    results = []
    for path in tqdm(files, desc="analysing", unit="file", disable=len(files) < 2, leave=False):
        try:
            rec = _load(path, fs)
            plays = play_phases(rec.phases) if rec.phases else None
            spans = None if plays is None else [(p.t_start, p.t_end) for p in plays]
            metrics = run(rec, movement=movement, play_spans=spans)
        except RecordingError as exc:
            raise click.ClickException(str(exc)) from None
        except ValueError as exc:
            raise click.ClickException(f"{path}: {exc}") from None
        d = {**metrics.to_dict(), "play_sets": None if plays is None else [p.set_index for p in plays]}
        if as_json:
            click.echo(json.dumps({"file": path, **d}))
        else:
            click.echo(_table(path, d))
        results.append((path, metrics))
    if plot:
        _plot(results, plot)
        if not as_json:
            click.echo(f"plot written to {plot}")
