"""The last plan fetched from the hub, so the patient can play when the hub is unreachable."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from smarttouch.files import atomic_write_json

if TYPE_CHECKING:  # pragma: no cover
    from smarttouch.client.plan import TodayPlan


@dataclass(frozen=True)
class CachedPlan:
    hub_url: str
    fetched_at: float  # epoch seconds
    plan: TodayPlan

    @property
    def age_s(self) -> float:
        return max(0.0, time.time() - self.fetched_at)


class PlanCache:
    """``plan.json`` beside the outbox."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def save(self, hub_url: str, plan: TodayPlan) -> None:
        atomic_write_json(self.path, {"hub_url": hub_url, "fetched_at": time.time(), "plan": plan})

    def load(self, hub_url: str) -> CachedPlan | None:
        """The cached plan of ``hub_url``, or None (missing, damaged or another hub's)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            plan = cast("TodayPlan", dict(data["plan"]))
            cached = CachedPlan(str(data["hub_url"]), float(data["fetched_at"]), plan)
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None
        return cached if cached.hub_url == hub_url else None
