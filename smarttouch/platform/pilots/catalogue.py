"""The pilots an approved solution's catalogue page links, with their outcome in one line:
every pilot for staff who use the pilot pages, only closed pilots (their anonymised summary)
for everyone else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from ..models import Pilot, PilotStatus, Role, User
from ..services.accounts import permissions
from ..services.pilots import outcomes as pilot_outcomes
from ..services.pilots import pilots as pilot_service
from .counts import MIN_CELL


@dataclass(frozen=True)
class PilotLink:
    pilot: Pilot
    staff_page: bool
    """link the staff page (else the public summary)"""
    outcome: Any | None
    """the closed pilot's outcomes when every group has at least MIN_CELL patients"""


def is_staff(user: Any) -> bool:
    return isinstance(user, User) and (
        user.role in (Role.therapist, Role.admin) or permissions.can_manage_challenges(user)
    )


def solution_pilots(session: Session, *, solution_id: int, viewer: Any, tz: Any) -> list[PilotLink]:
    user = viewer._get_current_object() if hasattr(viewer, "_get_current_object") else viewer
    staff = bool(getattr(user, "is_authenticated", False)) and is_staff(user)
    rows = pilot_service.list_pilots(session, viewer=user if staff else None, solution_id=solution_id)
    out = []
    for pilot in rows:
        outcome = None
        if pilot.status == PilotStatus.closed:
            result = pilot_outcomes.compute_outcomes(session, pilot, tz=tz)
            if result.arms and all(a.patients >= MIN_CELL for a in result.arms.values()):
                outcome = result
        out.append(PilotLink(pilot, staff, outcome))
    return out
