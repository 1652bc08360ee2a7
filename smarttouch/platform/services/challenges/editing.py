"""A challenge manager edits a challenge with the creation form (:mod:`.authoring`).

Until it is published, every field of a draft may change, checked exactly as at creation
(:func:`.authoring.check`); the data is rebuilt when what it was built from changed (a new
simulator job when the generated ``challenge.toml`` differs from the last build's, donated
sessions drawn again, a new upload), an uploaded bundle is kept when no new file comes.
Once published, only the description may change here; the closing date moves with
:func:`.lifecycle.extend`, and any other change is refused at its field. Nothing is stored on
error; every saved edit is audited with the names of the fields it changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from ...models import Challenge, ChallengeDataJob, User
from ...storage.blobstore import BlobStore
from .. import audit
from ..accounts.permissions import can_manage_challenges
from ..errors import Forbidden
from . import challenge_data
from .authoring import (
    ChallengeInput,
    FieldErrors,
    apply_input,
    check,
    description_error,
    keeps_upload,
    prepare_data,
    queue_simulated,
    ranked,
    simulated_toml,
)
from .lifecycle import latest_data_job

#: What a published challenge still lets its managers change with this form.
EDITABLE_WHEN_PUBLISHED = ("description_md",)


@dataclass(frozen=True)
class Edit:
    """A saved edit: the fields it changed (empty: nothing to save) and, when the simulated
    data is rebuilt, its queued job (the caller sends it)."""

    changed: tuple[str, ...]
    job: ChallengeDataJob | None = None


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


def changes(row: Challenge, data: ChallengeInput) -> tuple[str, ...]:
    """The form fields whose value differs from ``row``'s."""
    source = f"simulator:{data.generator}" if data.source == "simulator" else data.source
    now: dict[str, tuple[Any, Any]] = {
        "title": (data.title.strip(), row.title),
        "slug": (data.slug, row.slug),
        "summary": (data.summary.strip(), row.summary),
        "population": (data.population.strip(), row.population),
        "description_md": (data.description_md, row.description_md),
        "kind": (data.kind, row.kind),
        "primary_metric": (data.primary_metric or row.primary_metric, row.primary_metric),
        "source": (source, row.data_source),
        "opens_at": (_utc(data.opens_at), _utc(row.opens_at)),
        "final_opens_at": (_utc(data.final_opens_at), _utc(row.final_opens_at)),
        "closes_at": (_utc(data.closes_at), _utc(row.closes_at)),
        "daily_cap": (data.daily_cap, row.max_daily_submissions),
        "final_daily_cap": (data.final_daily_cap, row.final_daily_submissions),
        "max_team_size": (data.max_team_size, row.max_team_size),
        "licence": (data.licence, row.licence),
    }
    changed = [name for name, (new, old) in now.items() if new != old]
    if data.upload:
        changed.append("bundle")
    return tuple(changed)


def edit_challenge(
    session: Session, *, challenge: Challenge, data: ChallengeInput, actor: User, blobs: BlobStore
) -> Edit:
    """Save the form's ``data`` on ``challenge`` (a draft: every field; published: the
    description only). Raises :class:`FieldErrors`; nothing is stored then."""
    if not can_manage_challenges(actor):
        raise Forbidden("only challenge managers edit challenges")
    data = dataclasses.replace(data, need_id=None)  # the need is linked from its own page
    changed = changes(challenge, data)
    job, rebuilt = None, False
    if challenge.is_published:
        _check_published(changed, data)
    else:
        job, rebuilt = _edit_draft(session, challenge, data, changed=changed, actor=actor, blobs=blobs)
    if not changed:
        return Edit(())
    if challenge.is_published:
        challenge.description_md = data.description_md
    session.add(challenge)
    audit.record(
        session,
        action="challenge.edited",
        actor=actor,
        target_type="challenge",
        target_id=challenge.id,
        details={
            "slug": challenge.slug,
            "published": challenge.is_published,
            "changed": list(changed),
            "data_rebuilt": rebuilt,
        },
    )
    session.commit()
    session.refresh(challenge)
    if job is not None:
        session.refresh(job)
    return Edit(changed, job)


def _check_published(changed: tuple[str, ...], data: ChallengeInput) -> None:
    errors: dict[str, Any] = {}
    for name in changed:
        if name == "closes_at":
            errors[name] = _l("Move the closing date with “Extend” on the challenge's page.")
        elif name not in EDITABLE_WHEN_PUBLISHED:
            errors[name] = _l("The challenge is published: this can no longer change.")
    description = description_error(data.description_md)
    if description is not None:
        errors["description_md"] = description
    if errors:
        raise FieldErrors(errors)


def _edit_draft(
    session: Session,
    row: Challenge,
    data: ChallengeInput,
    *,
    changed: tuple[str, ...],
    actor: User,
    blobs: BlobStore,
) -> tuple[ChallengeDataJob | None, bool]:
    """Check and write the draft's new values (not committed). Returns the queued job when the
    simulated data must be built again, and whether the data is new."""
    errors = check(session, data, current=row)
    if errors:
        raise FieldErrors(errors)
    if not changed:
        return None, False
    kept = keeps_upload(row, data)
    fields = (
        ranked({"metrics": row.metrics, "primary_metric": row.primary_metric}, data.primary_metric)
        if kept
        else None
    )
    prepared = None if kept else prepare_data(session, data, blobs=blobs, actor=actor)
    rebuild = data.source == "simulator" and _simulated_changed(session, row, data)
    apply_input(row, data)
    if fields is not None:
        row.metrics, row.primary_metric = list(fields["metrics"]), str(fields["primary_metric"])
    if prepared is not None:
        challenge_data.apply_prepared(row, *prepared)
    if not rebuild:
        return None, prepared is not None
    row.bundle_sha256 = None  # publishing waits for the new data
    session.add(row)
    session.flush()
    return queue_simulated(session, row, data), True


def _simulated_changed(session: Session, row: Challenge, data: ChallengeInput) -> bool:
    """Whether the simulated data must be built again: the last build used another generator
    or another ``challenge.toml`` (title, address, dates, cap and metric are written in it)."""
    job = latest_data_job(session, challenge=row)
    if job is None or row.data_source != f"simulator:{data.generator}":
        return True
    return job.spec.get("generator") != data.generator or job.spec.get("toml") != simulated_toml(data)


__all__ = ["EDITABLE_WHEN_PUBLISHED", "Edit", "changes", "edit_challenge"]
