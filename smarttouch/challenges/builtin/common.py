"""Helpers the built-in challenge generators share: writing splits and deterministic seeds."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from smarttouch.challenges.templates import template_files
from smarttouch.sensors.recording_io import save_recording
from smarttouch.sensors.types import Recording


def write_split(root: Path, name: str, items: list[tuple[str, Recording, dict[str, Any]]]) -> None:
    """Write ``root/name/recordings/<id>.npz`` (labels stripped) and ``root/name/labels.json``."""
    rec_dir = root / name / "recordings"
    rec_dir.mkdir(parents=True, exist_ok=True)
    labels = {}
    for rec_id, rec, lab in items:
        rec.labels = {}
        save_recording(rec, rec_dir / f"{rec_id}.npz")
        labels[rec_id] = lab
    (root / name / "labels.json").write_text(
        json.dumps(labels, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )


def write_template(root: Path, files: dict[str, str]) -> None:
    """Write the starter solution shipped in the public split (``public/template/``)."""
    folder = root / "public" / "template"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def child_seeds(seed: int, count: int) -> list[int]:
    """``count`` independent 63-bit seeds derived from ``seed`` (numpy SeedSequence)."""
    states = np.random.SeedSequence(seed).generate_state(count, dtype=np.uint64)
    return [int(s) >> 1 for s in states]


def build_bundle(
    out: Path,
    *,
    challenge_toml: str,
    need_md: str,
    make_item: Callable[[int], tuple[Recording, dict[str, Any]]],
    sizes: dict[str, int],
    public_seed: int,
    hidden_seed: int,
    template: str,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write a simulator-generated bundle into the (new, empty) folder ``out``.

    ``make_item(seed)`` makes one labelled recording; the public split uses ``public_seed`` (so
    the starter kit is reproducible) and the hidden split ``hidden_seed`` (random per hub).
    """
    (out / "challenge.toml").write_text(challenge_toml, encoding="utf-8")
    (out / "need.md").write_text(need_md, encoding="utf-8")
    for split, seed in (("public", public_seed), ("hidden", hidden_seed)):
        items = []
        for i, s in enumerate(child_seeds(seed, sizes[split]), start=1):
            rec, label = make_item(s)
            items.append((f"{split}-{i:03d}", rec, label))
            if progress:
                progress(1)
        write_split(out, split, items)
    write_template(out, template_files(template))
