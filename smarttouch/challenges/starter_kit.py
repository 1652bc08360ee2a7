"""Starter kits: what a developer downloads to start on a challenge.

A zip with the challenge description, the public split (recordings and labels), a template
solution in ``solution/`` and a README; never the hidden split. Unzipped, it is itself a
bundle without hidden split, so ``smarttouch challenge validate solution --challenge .`` works
offline.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

from smarttouch.challenges.bundle import ChallengeBundle
from smarttouch.challenges.kinds.registry import kind_spec


def default_template(challenge: ChallengeBundle) -> dict[str, str]:
    """The kind's minimal valid solution, for a challenge that ships no ``public/template``.

    Raises:
        ValueError: the kind has no starter template (its challenges must ship one).
    """
    make = kind_spec(challenge.kind).starter_template
    if make is None:
        raise ValueError(f"{challenge.slug}: a {challenge.kind} challenge must ship public/template/")
    return make(challenge)


def readme(challenge: ChallengeBundle) -> str:
    """The kit's README.md: the need, the contract, the metrics and how to validate."""
    outputs = "\n".join(
        f"- `{f.name}` ({f.type}{', ' + f.unit if f.unit else ''}): {f.description}"
        for f in challenge.outputs
    )
    metrics = "\n".join(
        f"- `{m.name}` ({m.label}): {m.field}, {'higher' if m.higher_is_better else 'lower'}"
        f" is better{' - primary' if m.primary else ''}"
        for m in challenge.metrics
    )
    lim = challenge.limits
    return (
        f"# {challenge.title}\n\n{challenge.summary}\n\n{challenge.need_md}\n\n"
        f"## Contract\n\nKind: `{challenge.kind}`. Input: {challenge.input_description}\n\n"
        f"Output per recording:\n\n{outputs}\n\n## Metrics\n\n{metrics}\n\n"
        f"## Limits\n\n{lim.wall_s:g} s wall clock and {lim.cpu_s} s CPU per split, "
        f"{lim.memory_mb} MiB memory, {lim.max_procs} processes, no network; "
        f"{challenge.submissions_per_day} submissions per day.\n\n"
        "## Start\n\n```\nsmarttouch challenge validate solution --challenge .\n```\n\n"
        "runs your solution on `public/` in the same sandbox the hub uses and prints the "
        "scores. The hub ranks on a hidden split.\n"
    )


def build_starter_kit(challenge: ChallengeBundle, out_zip: str | Path) -> Path:
    """Write the starter kit of ``challenge`` to ``out_zip`` (atomically); return its path."""
    out_zip = Path(out_zip)
    public = challenge.split("public")
    template_dir = public.root / "template"
    if template_dir.is_dir():
        template = {
            p.relative_to(template_dir).as_posix(): p.read_bytes()
            for p in sorted(template_dir.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts
        }
    else:
        template = {k: v.encode() for k, v in default_template(challenge).items()}
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".kit-", suffix=".zip", dir=out_zip.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            base = challenge.slug
            zf.writestr(f"{base}/README.md", readme(challenge))
            zf.write(challenge.root / "challenge.toml", f"{base}/challenge.toml")
            for extra in ("need.md",):
                if (challenge.root / extra).is_file():
                    zf.write(challenge.root / extra, f"{base}/{extra}")
            zf.write(public.root / "labels.json", f"{base}/public/labels.json")
            for path in public.recordings.values():
                zf.write(path, f"{base}/public/recordings/{path.name}")
            for rel, data in template.items():
                zf.writestr(f"{base}/solution/{rel}", data)
        os.replace(tmp, out_zip)
    except BaseException:
        os.unlink(tmp)
        raise
    return out_zip
