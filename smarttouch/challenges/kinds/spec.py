"""What one challenge kind is: :class:`KindSpec`, declared once in the kind's folder."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the evaluator base imports bundles, which read the registry
    from smarttouch.challenges.bundle import ChallengeBundle
    from smarttouch.challenges.kinds.evaluator import Evaluator

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,15}$")


def N_(message: str) -> str:
    """Mark a display name for the hub's translation catalogue (``pybabel extract -k N_``);
    returns it unchanged (this room has no Flask-Babel: the hub translates at display time)."""
    return message


#: how the sandbox's runner runs a solution of the kind (:mod:`smarttouch.challenges.runner`)
PROTOCOLS = {
    "in_process": "the solution's class is imported in the runner and the kind's harness file runs it",
    "game_process": "the runner plays the Game protocol with the game in its own single-thread process",
}

#: what a reviewer's approval makes of a solution of the kind, in the hub
APPROVALS = {
    "activity": "an approved solution becomes an activity therapists can assign (a game patients play)",
    "session_analyzer": "an approved solution can be chosen to analyse patients' sessions",
    "none": "an approval is recorded; nothing else changes",
}


@dataclass(frozen=True)
class KindSpec:
    """One kind of challenge.

    Attributes:
        name: the ``kind`` value of ``challenge.toml`` and ``solution.toml`` (lowercase, at
            most 16 characters: the hub stores it in a 16-character column).
        display_name: what people call it, in English (the hub translates it).
        evaluator: the trusted side, a subclass of
            :class:`~smarttouch.challenges.kinds.evaluator.Evaluator`: runner options, the gate
            on valid predictions, files the harness produced, scoring.
        protocol: a key of :data:`PROTOCOLS`: how the sandbox's runner runs a solution.
        harness: for ``in_process`` kinds, the file that runs a solution inside the sandbox: a
            module with ``run(cls, inputs, options, workdir) -> {"predictions": ...,
            "seconds": ...}`` using only the standard library and the rooms bound into the
            sandbox (``inputs``: sorted (recording id, label-free ``.npz`` path) pairs); None
            for ``game_process`` kinds, whose player is the runner's own.
        outputs: the output fields the harness measures itself, which every challenge of the
            kind declares exactly; None when the challenge declares its own.
        starter_template: files of a minimal valid solution for a challenge that ships no
            ``public/template`` (relative path -> text); None when challenges must ship one.
        on_approval: a key of :data:`APPROVALS`.
        description: one sentence on what a solution of this kind is.
    """

    name: str
    display_name: str
    evaluator: type[Evaluator]
    protocol: str = "in_process"
    harness: Path | None = None
    outputs: frozenset[str] | None = None
    starter_template: Callable[[ChallengeBundle], dict[str, str]] | None = None
    on_approval: str = "none"
    description: str = ""

    def problems(self) -> list[str]:
        """What is wrong with this spec (empty when it is usable)."""
        found = []
        if not NAME_RE.match(self.name):
            found.append(f"name {self.name!r} must be 2-16 lowercase letters, digits or '_'")
        if not self.display_name.strip():
            found.append("display_name is empty")
        if self.protocol not in PROTOCOLS:
            found.append(f"protocol {self.protocol!r} is not one of {', '.join(PROTOCOLS)}")
        elif self.protocol == "in_process" and (self.harness is None or not self.harness.is_file()):
            found.append(f"harness {self.harness} is not a file (an in_process kind needs one)")
        elif self.protocol == "game_process" and self.harness is not None:
            found.append("a game_process kind has no harness file (the runner plays the game)")
        if self.on_approval not in APPROVALS:
            found.append(f"on_approval {self.on_approval!r} is not one of {', '.join(APPROVALS)}")
        if not (isinstance(self.evaluator, type) and hasattr(self.evaluator, "evaluate_split")):
            found.append("evaluator is not an Evaluator class (smarttouch.challenges.kinds.evaluator)")
        return found


__all__ = ["APPROVALS", "N_", "PROTOCOLS", "KindSpec"]
