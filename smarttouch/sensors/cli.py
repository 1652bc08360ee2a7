"""Command line of the sensors room: ``smarttouch sensors ...`` and ``smarttouch record``."""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from pathlib import Path

import click

from smarttouch.sensors.profiles import PROFILES, DecodeError, get_profile, virtual_profiles
from smarttouch.sensors.recording_io import RecordingError, save_recording
from smarttouch.sensors.scan import scan_devices
from smarttouch.sensors.sources import SourceError, open_source
from smarttouch.sensors.types import ImuBatch, Recording

_HEX_SEPARATORS = re.compile(r"[\s:\-_,]|0x", re.IGNORECASE)


def parse_hex(text: str) -> bytes:
    """Bytes from hex text; spaces, colons, dashes, commas and ``0x`` prefixes are ignored."""
    cleaned = _HEX_SEPARATORS.sub("", text)
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        raise click.ClickException(f"not a hex payload: {text!r}") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def sensors() -> None:
    """Decode, scan and inspect wearable sensors."""


@sensors.command()
@click.option(
    "--profile",
    "profile_name",
    required=True,
    type=click.Choice(sorted(PROFILES)),
    help="Device profile whose layout the payload follows.",
)
@click.argument("payload", nargs=-1, required=True)
def decode(profile_name: str, payload: tuple[str, ...]) -> None:
    """Decode one notification PAYLOAD (hex) and print it as JSON.

    IMU profiles print {"samples": [{"acc": [g], "gyr": [deg/s], ...}]}; heart-rate prints
    {"heart_rate_bpm", "rr_s", "energy_kj", "contact"}.

    Example: smarttouch sensors decode --profile thingy52-raw faff f4ff f603 0000 0000 0000 0000 0000 0000
    """
    data = parse_hex("".join(payload))
    try:
        decoded = get_profile(profile_name).decode(data)
    except DecodeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(decoded.to_json()))


@sensors.command()
def profiles() -> None:
    """List the device profiles: key, kind, GATT service UUID and description."""
    for name, cls in PROFILES.items():
        click.echo(f"{name:<20} {cls.kind:<10} {cls.service_uuid}  {cls.title}")


@sensors.command()
@click.option(
    "--seconds",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0.1, 120),
    help="How long to listen for advertisements.",
)
@click.option(
    "--virtual",
    type=click.Choice(virtual_profiles()),
    default=None,
    help="Scan a virtual sensor on the in-process link instead of the radio (demo).",
)
@click.option(
    "--service",
    default=None,
    help="Only devices advertising this service: a UUID or a profile key (e.g. thingy52-raw).",
)
@click.option("--name", default=None, help="Only devices whose advertised name contains this text.")
def scan(seconds: float, virtual: str | None, service: str | None, name: str | None) -> None:
    """Scan for BLE wearables and show address, name, signal and recognised profile."""
    from bleak.uuids import normalize_uuid_str

    from smarttouch.sensors.sources.ble import NO_ADAPTER_HINT, is_no_adapter_error

    if service is not None:
        if service in PROFILES:
            service = PROFILES[service].service_uuid
        try:
            service = normalize_uuid_str(service)
        except ValueError:
            raise click.ClickException(f"--service: {service!r} is not a UUID or profile key") from None
    try:
        rows = asyncio.run(scan_devices(seconds, virtual, service, name))
    except Exception as exc:
        if is_no_adapter_error(exc):
            raise click.ClickException(NO_ADAPTER_HINT) from None
        raise click.ClickException(f"scan failed: {exc}") from None
    if not rows:
        click.echo("no devices found")
    for address, name, rssi, prof in rows:
        click.echo(f"{address:<20} {name:<20} {rssi:>5} dBm  {prof}")


def _parse_params(items: tuple[str, ...]) -> dict[str, object]:
    params: dict[str, object] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.ClickException(f"--param expects KEY=VALUE, got {item!r}")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


@click.command()
@click.option(
    "--sensor",
    "spec",
    required=True,
    help="sim:MOVEMENT, virtual:PROFILE, ble:ADDRESS_OR_NAME[:PROFILE] or replay:FILE.",
)
@click.option(
    "--seconds", required=True, type=click.FloatRange(0.1, 24 * 3600), help="Seconds of motion to record."
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file, .npz (with metadata) or .csv.",
)
@click.option("--placement", default="", help="Where the sensor is worn, e.g. wrist-right.")
@click.option(
    "--fast/--realtime",
    default=False,
    help="sim/replay only: produce samples as fast as possible instead of in real time.",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="Source parameter, e.g. --param reps=5 --param rom_deg=120 (repeatable).",
)
def record(spec: str, seconds: float, out: Path, placement: str, fast: bool, params: tuple[str, ...]) -> None:
    """Record motion from any sensor source to a file, with a progress bar."""
    from tqdm import tqdm

    if out.suffix.lower() not in (".npz", ".csv"):
        raise click.ClickException(f"{out}: the output must end in .npz or .csv")
    try:
        src = open_source(spec, realtime=not fast, **_parse_params(params))
        src.start()
    except SourceError as exc:
        raise click.ClickException(str(exc)) from None
    batches: list[ImuBatch] = []
    recorded = 0.0
    wall_limit = time.monotonic() + seconds * 2 + 30.0
    try:
        with tqdm(
            total=seconds,
            unit="s",
            desc=f"recording {spec}",
            bar_format="{l_bar}{bar}| {n:.1f}/{total:.1f} s",
        ) as bar:
            while recorded < seconds and not src.finished:
                got = src.read(0.2)
                if got:
                    batches.extend(got)
                    now = float(batches[-1].t[-1] - batches[0].t[0])
                    bar.update(min(now, seconds) - bar.n)
                    recorded = now
                elif time.monotonic() > wall_limit:
                    last = src.stats.get("last_error") or "no samples arrived"
                    raise click.ClickException(f"{spec}: gave up waiting for motion ({last})")
    except SourceError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        src.stop()
    data = ImuBatch.concatenate(batches)
    if len(data) == 0:
        raise click.ClickException(f"{spec}: no samples recorded")
    keep = data.t - data.t[0] <= seconds + 1e-9
    info = src.info
    rec = Recording(
        t=data.t[keep] - data.t[0],
        acc=data.acc[keep],
        gyr=data.gyr[keep],
        mag=None if data.mag is None else data.mag[keep],
        quat=None if data.quat is None else data.quat[keep],
        sample_rate_hz=src.sample_rate_hz,
        device=str(info.get("device", "")),
        profile=str(info.get("profile", "")),
        placement=placement or str(info.get("placement", "")),
        calibration=dict(info.get("calibration") or {}),
        labels={
            **dict(info.get("labels") or {}),
            "source": spec,
            "stats": {k: v for k, v in src.stats.items() if k != "gaps"},
            "gaps": src.stats.get("gaps", []),
        },
    )
    try:
        save_recording(rec, out)
    except RecordingError as exc:
        raise click.ClickException(str(exc)) from None
    rate = len(rec) / rec.duration_s if rec.duration_s > 0 else math.nan
    click.echo(f"wrote {out}: {len(rec)} samples, {rec.duration_s:.2f} s (~{rate:.0f} Hz)")
