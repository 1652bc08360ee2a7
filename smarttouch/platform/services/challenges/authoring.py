"""Challenge managers author challenges on the web: a draft from scratch or from a clinical
need, with a sanitised Markdown description, a kind from the kinds registry and one of its
metrics, data from a simulator generator, consented donations or an uploaded bundle, phases
with dates, daily caps, a team size and a licence.

Every problem is reported per field (:class:`FieldErrors`, translated lazily) and nothing is
stored then: the form's values are checked first, then the data is built and validated (an
uploaded bundle exactly as ``smarttouch challenge import`` validates it), and only then the
draft row, its audit line and (for simulated data) its build job are written together.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from smarttouch.challenges.bundle import SLUG_RE
from smarttouch.challenges.kinds.registry import kind_names

from ...models import Challenge, ChallengeDataJob, ClinicalNeed, NeedStatus, User
from ...storage.blobstore import BlobStore
from .. import audit
from ..accounts.permissions import can_manage_challenges
from ..errors import Forbidden, Invalid
from ..needs import workflow
from ..needs.notices import Notify
from . import challenge_data
from .safe_markdown import unsafe_markup

#: SPDX identifiers a manager may choose for the licence solutions are submitted under
LICENCES = ("Apache-2.0", "MIT", "BSD-3-Clause", "MPL-2.0", "GPL-3.0-or-later", "EUPL-1.2")
MAX_DAILY_CAP = 100
MAX_TEAM_SIZE = 20
_NEED_TAKEN = _l("This clinical need was already declined, answered or turned into a challenge.")


class FieldErrors(Invalid):
    """Input refused; ``errors`` maps each form field to its (translated) message."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class ChallengeInput:
    """What the authoring form sends (already typed by the form)."""

    title: str
    slug: str
    kind: str
    source: str
    closes_at: dt.datetime | None
    summary: str = ""
    description_md: str = ""
    population: str = ""
    primary_metric: str = ""
    generator: str = ""
    donated_movement: str = ""
    upload: bytes | None = None
    opens_at: dt.datetime | None = None
    final_opens_at: dt.datetime | None = None
    daily_cap: int | None = 5
    final_daily_cap: int | None = None
    max_team_size: int | None = 1
    licence: str = "Apache-2.0"
    need_id: int | None = None


def _in_range(value: int | None, low: int, high: int) -> bool:
    return value is not None and low <= value <= high


def check(session: Session, data: ChallengeInput, *, current: Challenge | None = None) -> dict[str, Any]:
    """Field -> message for every problem in the form's values (empty when they are fine).
    The data itself is checked when it is built (:func:`prepare_data`). ``current`` is the
    draft being edited: its own address is not taken, and its uploaded bundle may be kept."""
    errors: dict[str, Any] = {}
    if not data.title.strip():
        errors["title"] = _l("Give the challenge a title.")
    elif len(data.title) > 160:
        errors["title"] = _l("At most %(n)d characters.", n=160)
    if not SLUG_RE.match(data.slug or ""):
        errors["slug"] = _l(
            "3-64 lowercase letters, digits and hyphens, starting and ending with a letter or digit."
        )
    elif (
        session.exec(
            select(Challenge.id).where(
                Challenge.slug == data.slug, Challenge.id != (current.id if current else None)
            )
        ).first()
        is not None
    ):
        errors["slug"] = _l("Another challenge already has this address.")
    if len(data.summary) > 300:
        errors["summary"] = _l("At most %(n)d characters.", n=300)
    if len(data.population) > 200:
        errors["population"] = _l("At most %(n)d characters.", n=200)
    description = description_error(data.description_md)
    if description is not None:
        errors["description_md"] = description
    if data.kind not in kind_names():
        errors["kind"] = _l("Choose one of the kinds listed.")
    _check_source(data, errors, keeps_upload=current is not None and keeps_upload(current, data))
    _check_dates(data, errors)
    if not _in_range(data.daily_cap, 1, MAX_DAILY_CAP):
        errors["daily_cap"] = _l("A whole number from 1 to %(n)d.", n=MAX_DAILY_CAP)
    if data.final_daily_cap is not None and not _in_range(data.final_daily_cap, 1, MAX_DAILY_CAP):
        errors["final_daily_cap"] = _l("A whole number from 1 to %(n)d.", n=MAX_DAILY_CAP)
    if not _in_range(data.max_team_size, 1, MAX_TEAM_SIZE):
        errors["max_team_size"] = _l("A whole number from 1 to %(n)d.", n=MAX_TEAM_SIZE)
    if data.licence not in LICENCES:
        errors["licence"] = _l("Choose one of the licences listed.")
    if data.need_id is not None:
        need = session.get(ClinicalNeed, data.need_id) if data.need_id >= 1 else None
        if need is None:
            errors["need_id"] = _l("Not a clinical need of this hub.")
        elif not workflow.can_become(need, NeedStatus.challenge):
            errors["need_id"] = _NEED_TAKEN
    return errors


def description_error(text: str) -> Any:
    """The message for a bad description (empty, or with markup pages remove), else None."""
    if not text.strip():
        return _l("Describe the need the challenge answers.")
    if unsafe_markup(text):
        return _l(
            "The description contains a script, an event handler or a link that is not http(s) or "
            "mailto. Use plain Markdown: these are removed from pages and are not accepted."
        )
    return None


def keeps_upload(current: Challenge, data: ChallengeInput) -> bool:
    """An edit of ``current`` that keeps its uploaded bundle: still an upload, of the same
    kind, with no new file."""
    return (
        data.source == "upload"
        and not data.upload
        and current.data_source == "upload"
        and bool(current.bundle_sha256)
        and data.kind == current.kind
    )


def _check_source(data: ChallengeInput, errors: dict[str, Any], *, keeps_upload: bool = False) -> None:
    if data.source not in challenge_data.SOURCES:
        errors["source"] = _l("Choose where the data comes from.")
        return
    if "kind" in errors:
        return
    metric_names = [m["name"] for m in challenge_data.metric_options(data.kind)]
    if data.source == "simulator":
        if not challenge_data.generators_for(data.kind):
            errors["source"] = _l("No simulator generator makes data for this kind: upload a bundle.")
        elif data.generator not in challenge_data.generators_for(data.kind):
            errors["generator"] = _l("Choose a generator that makes data for this kind.")
    elif data.source == "donated" and challenge_data.template_for(data.kind) is None:
        errors["source"] = _l("Donated data cannot be shaped for this kind: upload a bundle.")
    elif data.source == "upload" and not data.upload and not keeps_upload:
        errors["bundle"] = _l("Choose the bundle's zip file.")
    if data.source != "upload" and metric_names and data.primary_metric not in metric_names:
        errors["primary_metric"] = _l("Choose one of this kind's metrics.")


def _check_dates(data: ChallengeInput, errors: dict[str, Any]) -> None:
    if data.closes_at is None:
        errors["closes_at"] = _l("Give the date the challenge closes.")
        return
    if data.opens_at is not None and data.closes_at <= data.opens_at:
        errors["closes_at"] = _l("The challenge must close after it opens.")
    if data.final_opens_at is not None:
        if data.opens_at is not None and data.final_opens_at <= data.opens_at:
            errors["final_opens_at"] = _l("The final phase must start after the development phase.")
        elif data.final_opens_at >= data.closes_at:
            errors["final_opens_at"] = _l("The final phase must start before the challenge closes.")


def _head(data: ChallengeInput) -> challenge_data.BundleHead:
    return challenge_data.BundleHead(
        slug=data.slug,
        title=data.title.strip(),
        summary=data.summary.strip(),
        need_md=data.description_md,
        population=data.population.strip(),
        opens=data.opens_at,
        closes=data.closes_at,
        submissions_per_day=int(data.daily_cap or 1),
        primary_metric=data.primary_metric or None,
    )


def _prepare_upload(data: ChallengeInput, *, blobs: BlobStore) -> tuple[dict[str, Any], str]:
    with tempfile.TemporaryDirectory(prefix="st-upload-bundle-") as tmp:
        folder = Path(tmp) / "bundle"
        try:
            folder = challenge_data.unpack_upload(data.upload or b"", folder)
            fields, key = challenge_data.store_prepared(folder, blobs=blobs, field="bundle")
        except Invalid as exc:
            raise FieldErrors(
                {
                    "bundle": _l(
                        "The bundle failed validation: %(reason)s", reason=_reason(exc.message, folder)
                    )
                }
            ) from None
    if fields["kind"] != data.kind:
        raise FieldErrors(
            {
                "kind": _l(
                    "The uploaded bundle is a %(kind)s challenge: choose that kind.", kind=fields["kind"]
                )
            }
        )
    return ranked(fields, data.primary_metric), key


def ranked(fields: dict[str, Any], primary_metric: str) -> dict[str, Any]:
    """A bundle's ``fields`` ranked on ``primary_metric`` (empty: the bundle's own).
    Raises :class:`FieldErrors` for a metric the bundle lacks."""
    try:
        return challenge_data.with_primary(fields, primary_metric or None)
    except Invalid:
        names = ", ".join(m["name"] for m in fields["metrics"])
        raise FieldErrors(
            {"primary_metric": _l("The bundle's metrics are: %(names)s. Choose one of them.", names=names)}
        ) from None


def _reason(message: str, folder: Path | str) -> str:
    """The validator's message with paths relative to the bundle (not the server's folders)."""
    text = message.split(": ", 1)[1] if message.startswith(("bundle: ", "data: ")) else message
    return text.replace(f"{folder}/", "").replace(str(folder), ".")


def _prepare_donated(
    session: Session, data: ChallengeInput, *, blobs: BlobStore, actor: User
) -> tuple[dict[str, Any], str]:
    template = challenge_data.template_for(data.kind)
    assert template is not None  # checked by check()
    movement = data.donated_movement or None
    with tempfile.TemporaryDirectory(prefix="st-donated-") as tmp:
        try:
            folder = challenge_data.build_donated(
                session,
                blobs=blobs,
                out=Path(tmp) / "bundle",
                toml=challenge_data.challenge_toml(template, _head(data), movement=movement),
                template=template,
                movement=movement,
                actor=actor,
            )
            return challenge_data.store_prepared(folder, blobs=blobs, field="data")
        except Invalid as exc:
            raise FieldErrors(
                {
                    "donated_movement": _l(
                        "The donated data cannot be used: %(reason)s",
                        reason=_reason(exc.message, Path(tmp) / "bundle"),
                    )
                }
            ) from None


def prepare_data(
    session: Session, data: ChallengeInput, *, blobs: BlobStore, actor: User
) -> tuple[dict[str, Any], str] | None:
    """Build and store the uploaded or donated data (row fields, blob key); None for simulated
    data, which a worker builds. Raises :class:`FieldErrors`."""
    if data.source == "upload":
        return _prepare_upload(data, blobs=blobs)
    if data.source == "donated":
        return _prepare_donated(session, data, blobs=blobs, actor=actor)
    return None


def apply_input(row: Challenge, data: ChallengeInput) -> None:
    """Write the form's values on ``row`` (the data's own fields come with its bundle)."""
    row.slug = data.slug
    row.title = data.title.strip()
    row.kind = data.kind
    row.summary = data.summary.strip()
    row.description_md = data.description_md
    row.population = data.population.strip()
    row.primary_metric = data.primary_metric
    row.opens_at = data.opens_at
    row.final_opens_at = data.final_opens_at
    row.closes_at = data.closes_at
    row.max_daily_submissions = int(data.daily_cap or 1)
    row.final_daily_submissions = data.final_daily_cap
    row.max_team_size = int(data.max_team_size or 1)
    row.licence = data.licence
    row.data_source = f"simulator:{data.generator}" if data.source == "simulator" else data.source


def simulated_toml(data: ChallengeInput) -> str:
    """The ``challenge.toml`` the simulator builds the data under, with the form's choices."""
    return challenge_data.challenge_toml(challenge_data.templates()[data.generator], _head(data))


def queue_simulated(session: Session, row: Challenge, data: ChallengeInput) -> ChallengeDataJob:
    """The job that builds ``row``'s simulated data under the form's choices (not committed)."""
    return challenge_data.queue_simulated(
        session, challenge=row, generator=data.generator, toml=simulated_toml(data)
    )


def create_challenge(
    session: Session, *, data: ChallengeInput, actor: User, blobs: BlobStore, notify: Notify | None = None
) -> tuple[Challenge, ChallengeDataJob | None]:
    """A draft challenge from ``data``; with simulated data, also its queued build job (the
    caller sends it after this commits). Written from a clinical need, the need is turned into
    it in the same transaction and its subscribers told through ``notify``. Raises
    :class:`FieldErrors`; nothing is stored then."""
    if not can_manage_challenges(actor):
        raise Forbidden("only challenge managers author challenges")
    errors = check(session, data)
    if errors:
        raise FieldErrors(errors)
    prepared = prepare_data(session, data, blobs=blobs, actor=actor)
    row = Challenge(slug=data.slug, title=data.title, kind=data.kind, is_published=False, holds_results=True)
    apply_input(row, data)
    if prepared is not None:
        challenge_data.apply_prepared(row, *prepared)
    session.add(row)
    session.flush()
    job = queue_simulated(session, row, data) if data.source == "simulator" else None
    need = session.get(ClinicalNeed, data.need_id) if data.need_id is not None else None
    if need is not None:
        try:
            workflow.attach(session, need=need, challenge=row, actor=actor)
        except Invalid:  # another manager turned it into a challenge a moment ago
            raise FieldErrors({"need_id": _NEED_TAKEN}) from None
    audit.record(
        session,
        action="challenge.created",
        actor=actor,
        target_type="challenge",
        target_id=row.id,
        details={
            "slug": row.slug,
            "kind": row.kind,
            "source": row.data_source,
            "need_id": data.need_id,
            "bundle_sha256": row.bundle_sha256,
        },
    )
    session.commit()
    session.refresh(row)
    if job is not None:
        session.refresh(job)
    if need is not None:
        session.refresh(need)
        workflow.tell_linked(session, need=need, challenge=row, actor=actor, notify=notify)
    return row, job


__all__ = [
    "LICENCES",
    "ChallengeInput",
    "FieldErrors",
    "apply_input",
    "check",
    "create_challenge",
    "description_error",
    "keeps_upload",
    "prepare_data",
    "queue_simulated",
    "ranked",
    "simulated_toml",
]
