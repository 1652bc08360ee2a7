"""The list of clinical needs: newest first, one page at a time, filtered by status, condition
and movement. The filter lives in the page's query string (:func:`parse_filter` reads it,
:meth:`NeedFilter.as_query` writes it back into links); an unknown value is reported for its
field and left out of the filter."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlmodel import Session, col, func, select

from ...i18n.vocab import MOVEMENTS
from ...models import ClinicalNeed, Condition, NeedMessage, NeedStatus, NeedSupport, User, pk
from ..paging import window
from .filing import require_reader

#: Needs on one page of the list.
PER_PAGE = 25


@dataclass(frozen=True)
class NeedFilter:
    status: str = ""
    condition: str = ""
    movement: str = ""

    def as_query(self, **changes: str) -> dict[str, str]:
        """The filter (with ``changes``) as query arguments, empty ones left out."""
        values = replace(self, **changes)
        return {k: v for k, v in vars(values).items() if v}


def parse_filter(args: Mapping[str, str]) -> tuple[NeedFilter, dict[str, str]]:
    """The filter in query arguments ``args``, and field -> ``unknown`` for each value that is
    not a status, condition or movement of the hub (left out of the filter)."""
    known = {
        "status": set(NeedStatus.__members__),
        "condition": set(Condition.__members__),
        "movement": set(MOVEMENTS),
    }
    values, errors = {}, {}
    for name, allowed in known.items():
        raw = (args.get(name) or "").strip()
        if raw and raw not in allowed:
            errors[name] = "unknown"
        elif raw:
            values[name] = raw
    return NeedFilter(**values), errors


@dataclass(frozen=True)
class NeedRow:
    """A need as the list shows it."""

    need: ClinicalNeed
    proposer: str | None
    supporters: int
    messages: int
    supported: bool
    """the reader supports it"""


@dataclass(frozen=True)
class NeedPage:
    rows: list[NeedRow]
    total: int
    page: int
    pages: int


def _conditions(filt: NeedFilter, *, with_status: bool = True) -> list[Any]:
    conds: list[Any] = []
    if filt.status and with_status:
        conds.append(col(ClinicalNeed.status) == filt.status)
    if filt.condition:
        conds.append(col(ClinicalNeed.condition) == filt.condition)
    if filt.movement:
        conds.append(col(ClinicalNeed.movement) == filt.movement)
    return conds


def _counts(session: Session, model: type[NeedSupport] | type[NeedMessage], ids: list[int]) -> Counter[int]:
    if not ids:
        return Counter()
    rows = session.exec(
        select(model.need_id, func.count()).where(col(model.need_id).in_(ids)).group_by(col(model.need_id))
    ).all()
    return Counter({need_id: int(n) for need_id, n in rows})


def list_needs(
    session: Session,
    *,
    user: User,
    filt: NeedFilter = NeedFilter(),
    page: int = 1,
    per_page: int | None = None,
) -> NeedPage:
    """Page ``page`` of the needs matching ``filt``, newest first (:data:`PER_PAGE` a page)."""
    require_reader(user)
    conds = _conditions(filt)
    total = int(session.exec(select(func.count()).select_from(ClinicalNeed).where(*conds)).one())
    win = window(total, page, per_page or PER_PAGE)
    rows = session.exec(
        select(ClinicalNeed, User)
        .outerjoin(User, col(User.id) == col(ClinicalNeed.proposer_id))
        .where(*conds)
        .order_by(col(ClinicalNeed.created_at).desc(), col(ClinicalNeed.id).desc())
        .offset(win.offset)
        .limit(win.limit)
    ).all()
    ids = [pk(n) for n, _ in rows]
    supporters, messages = _counts(session, NeedSupport, ids), _counts(session, NeedMessage, ids)
    mine = (
        set(
            session.exec(
                select(NeedSupport.need_id).where(
                    NeedSupport.user_id == user.id, col(NeedSupport.need_id).in_(ids)
                )
            )
        )
        if ids
        else set()
    )
    return NeedPage(
        [
            NeedRow(n, u.full_name if u else None, supporters[pk(n)], messages[pk(n)], pk(n) in mine)
            for n, u in rows
        ],
        total=total,
        page=win.page,
        pages=win.pages,
    )


def status_counts(session: Session, *, user: User, filt: NeedFilter = NeedFilter()) -> dict[str, int]:
    """How many needs of ``filt``'s condition and movement are in each status (every status
    listed, zero included)."""
    require_reader(user)
    rows = session.exec(
        select(ClinicalNeed.status, func.count())
        .where(*_conditions(filt, with_status=False))
        .group_by(col(ClinicalNeed.status))
    ).all()
    found = {status: int(n) for status, n in rows}
    return {s.value: found.get(s.value, 0) for s in NeedStatus}


__all__ = ["PER_PAGE", "NeedFilter", "NeedPage", "NeedRow", "list_needs", "parse_filter", "status_counts"]
