"""``/manage/challenges`` (every challenge, drafts included), ``/manage/challenges/new``,
``/manage/challenges/<slug>`` (status, data, actions), ``.../edit`` (every field of a draft,
the description of a published one), ``.../preview`` (as developers will see it) and the
actions publish, extend, close and announce. Challenge managers and admins
only; the views hand the form's values to the authoring and lifecycle services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..auth.access import challenge_manager_required, signed_in_user
from ..i18n.vocab import CONDITIONS, MOVEMENTS, label
from ..jobs.queue import challenge_data_enqueuer
from ..models import Challenge, ClinicalNeed, User, utcnow
from ..services import needs
from ..services.challenges import authoring, challenge_data, editing, leaderboards, lifecycle
from ..services.challenges.phases import phase
from ..services.challenges.safe_markdown import render as render_markdown
from ..storage.blobstore import get_blobstore
from ..storage.db import get_session
from ..web.need_mail import NeedMailer
from ..web.urls import external_url
from . import bp
from .forms import ActionForm, ChallengeForm, ExtendForm

PHASE_LABELS = {
    "draft": _l("Draft"),
    "upcoming": _l("Upcoming"),
    "development": _l("Development phase"),
    "final": _l("Final phase"),
    "closed": _l("Closed, results not announced"),
    "announced": _l("Results announced"),
}


def _day(value: dt.date | None) -> dt.datetime | None:
    """A form's day as midnight UTC."""
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC) if value else None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _input(form: ChallengeForm) -> authoring.ChallengeInput:
    upload = request.files.get(form.bundle.name)
    return authoring.ChallengeInput(
        title=form.title.data or "",
        slug=(form.slug.data or "").strip(),
        kind=form.kind.data or "",
        source=form.source.data or "",
        summary=form.summary.data or "",
        description_md=form.description_md.data or "",
        population=form.population.data or "",
        primary_metric=form.primary_metric.data or "",
        generator=form.generator.data or "",
        donated_movement=form.donated_movement.data or "",
        upload=upload.read() if upload and upload.filename else None,
        opens_at=_day(form.opens_at.data),
        final_opens_at=_day(form.final_opens_at.data),
        closes_at=_day(form.closes_at.data),
        daily_cap=form.daily_cap.data,
        final_daily_cap=form.final_daily_cap.data,
        max_team_size=form.max_team_size.data,
        licence=form.licence.data or "",
        need_id=_int(form.need_id.data),
    )


def _field_errors(form: Any, exc: authoring.FieldErrors) -> None:
    for name, message in exc.errors.items():
        field = getattr(form, name, None)
        if field is None:
            flash(str(message), "error")
        else:
            field.errors = [str(message)]


def _prefill_from_need(form: ChallengeForm, raw_id: str) -> None:
    """Start a challenge from clinical need ``raw_id``: its words become the draft's need."""
    need_id = _int(raw_id)
    need = get_session().get(ClinicalNeed, need_id) if need_id else None
    if need is None:
        return
    form.need_id.data = str(need.id)
    form.population.data = label(CONDITIONS, need.condition)
    parts = [need.problem.strip()]
    if need.success.strip():
        parts.append("## " + _("What success would look like") + "\n\n" + need.success.strip())
    if need.data_help.strip():
        parts.append("## " + _("Data that could help") + "\n\n" + need.data_help.strip())
    form.description_md.data = "\n\n".join(parts)


@bp.route("/manage/challenges")
@challenge_manager_required
def index() -> ResponseReturnValue:
    rows = lifecycle.managed_challenges(get_session(), now=utcnow())
    return render_template("manage/list.html", rows=rows, phase_labels=PHASE_LABELS)


@bp.route("/manage/challenges/new", methods=["GET", "POST"])
@challenge_manager_required
def new() -> ResponseReturnValue:
    form = ChallengeForm()
    if request.method == "GET" and request.args.get("need"):
        _prefill_from_need(form, request.args.get("need", ""))
    preview = None
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        if form.preview.data:
            preview = _preview(form)
        else:
            db, mailer = get_session(), NeedMailer(current_app.config)
            try:
                row, job = authoring.create_challenge(
                    db, data=_input(form), actor=signed_in_user(), blobs=get_blobstore(), notify=mailer
                )
            except authoring.FieldErrors as exc:
                db.rollback()
                _field_errors(form, exc)
                status = 400
            else:
                if job is not None and job.id is not None:
                    challenge_data_enqueuer(current_app)(job.id)
                flash(_("The draft is saved. Nobody but challenge managers can see it yet."), "success")
                if mailer.failed:
                    flash(
                        _("Saved, but %(n)d e-mail(s) could not be sent just now.", n=mailer.failed),
                        "warning",
                    )
                return redirect(url_for("manage.detail", slug=row.slug))
    elif request.method == "POST":
        status = 400
    return render_template("manage/form.html", form=form, preview=preview), status


def _preview(form: ChallengeForm) -> Markup:
    """The description as pages will show it; its field is marked when pages would strip part."""
    text = form.description_md.data or ""
    message = authoring.description_error(text)
    if message is not None and text.strip():
        form.description_md.errors = [str(message)]
    return render_markdown(text)


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


def _values(row: Challenge) -> dict[str, Any]:
    """The edit form's starting values: what ``row`` holds."""
    source, _sep, generator = row.data_source.partition(":")
    return {
        "title": row.title,
        "slug": row.slug,
        "summary": row.summary,
        "population": row.population,
        "description_md": row.description_md,
        "kind": row.kind,
        "primary_metric": row.primary_metric,
        "source": source,
        "generator": generator or None,  # not simulated: the list starts at its first generator
        "donated_movement": row.movement if source == "donated" and row.movement in MOVEMENTS else "",
        "opens_at": _date(row.opens_at),
        "final_opens_at": _date(row.final_opens_at),
        "closes_at": _date(row.closes_at),
        "daily_cap": row.max_daily_submissions,
        "final_daily_cap": row.final_daily_submissions,
        "max_team_size": row.max_team_size,
        "licence": row.licence,
    }


@bp.route("/manage/challenges/<slug>/edit", methods=["GET", "POST"])
@challenge_manager_required
def edit(slug: str) -> ResponseReturnValue:
    """Every field of a draft; once published, the description only (the rest is shown)."""
    db = get_session()
    row = lifecycle.get_challenge(db, slug=slug)
    form = ChallengeForm() if request.method == "POST" else ChallengeForm(data=_values(row))
    form.submit.label.text = _("Save the changes")
    if row.is_published:
        for name in ("title", "slug", "summary", "population", "opens_at", "final_opens_at", "closes_at"):
            getattr(form, name).render_kw = {**(getattr(form, name).render_kw or {}), "readonly": True}
    preview, status = None, 200
    if request.method == "POST" and form.validate_on_submit():
        if form.preview.data:
            preview = _preview(form)
        else:
            try:
                done = editing.edit_challenge(
                    db, challenge=row, data=_input(form), actor=signed_in_user(), blobs=get_blobstore()
                )
            except authoring.FieldErrors as exc:
                db.rollback()
                _field_errors(form, exc)
                status = 400
            else:
                if done.job is not None and done.job.id is not None:
                    challenge_data_enqueuer(current_app)(done.job.id)
                flash(_("The changes are saved.") if done.changed else _("Nothing was changed."), "success")
                return redirect(url_for("manage.detail", slug=row.slug))
    elif request.method == "POST":
        status = 400
    return render_template("manage/form.html", form=form, preview=preview, c=row), status


def _detail_page(db: Any, row: Challenge, extend_form: ExtendForm) -> str:
    """A challenge's manager page: its phase, data build, submitters and actions."""
    now = utcnow()
    public_n, hidden_n = challenge_data.sizes(row)
    return render_template(
        "manage/detail.html",
        c=row,
        phase=phase(row, now),
        phase_labels=PHASE_LABELS,
        job=lifecycle.latest_data_job(db, challenge=row),
        public_n=public_n,
        hidden_n=hidden_n,
        submitters=len(lifecycle.submitters(db, challenge=row)),
        needs=needs.needs_of(db, row),
        action_form=ActionForm(),
        extend_form=extend_form,
        now=now,
    )


@bp.route("/manage/challenges/<slug>")
@challenge_manager_required
def detail(slug: str) -> ResponseReturnValue:
    db = get_session()
    return _detail_page(db, lifecycle.get_challenge(db, slug=slug), ExtendForm())


@bp.route("/manage/challenges/<slug>/preview")
@challenge_manager_required
def preview(slug: str) -> ResponseReturnValue:
    """The public challenge page, drafts included, as a developer will see it."""
    db, now = get_session(), utcnow()
    row = lifecycle.get_challenge(db, slug=slug)
    board = leaderboards.build_leaderboard(db, challenge=row, now=now)
    return render_template(
        "public/challenge.html",
        c=row,
        board=board,
        is_open=row.is_open(now) or (not row.is_published and (row.closes_at is None or now < row.closes_at)),
        needs_terms=False,
        description=render_markdown(row.description_md),
        now=now,
        canonical=external_url("public.challenge", slug=slug),
        meta_description=row.summary or row.title,
        manager_preview=True,
    )


@bp.route("/manage/challenges/<slug>/publish", methods=["POST"])
@challenge_manager_required
def publish(slug: str) -> ResponseReturnValue:
    return _action(slug, "publish")


@bp.route("/manage/challenges/<slug>/close", methods=["POST"])
@challenge_manager_required
def close(slug: str) -> ResponseReturnValue:
    return _action(slug, "close")


@bp.route("/manage/challenges/<slug>/announce", methods=["POST"])
@challenge_manager_required
def announce(slug: str) -> ResponseReturnValue:
    return _action(slug, "announce")


def _compose(kind: str, user: User, values: dict[str, Any]) -> tuple[str, str]:
    """A developer's e-mail about a challenge, in their language."""
    c = values["challenge"]
    with force_locale(user.locale or current_app.config.get("DEFAULT_LOCALE") or "en"):
        link = external_url("public.challenge", slug=c.slug)
        if kind == "extended":
            subject = _("%(title)s: more time to submit", title=c.title)
            body = _(
                'the challenge "%(title)s", to which you submitted a solution, now closes on %(date)s.',
                title=c.title,
                date=format_date(values["closes_at"], "long"),
            )
        else:
            subject = _("%(title)s: the results are out", title=c.title)
            if values.get("rank"):
                body = _(
                    'the challenge "%(title)s" is closed and its final ranking, on the hidden data, is '
                    "public. Your best solution ranked %(rank)d of %(n)d.",
                    title=c.title,
                    rank=values["rank"],
                    n=values["ranked"],
                )
            else:
                body = _(
                    'the challenge "%(title)s" is closed and its final ranking, on the hidden data, is '
                    "public. None of your submissions was scored on the hidden data.",
                    title=c.title,
                )
        text = (
            f"{_('Hello %(name)s,', name=user.full_name)}\n\n{body}\n\n{link}\n\n{_('The SmartTouch hub')}\n"
        )
    return subject, text


def _action(slug: str, what: str) -> ResponseReturnValue:
    db, actor = get_session(), signed_in_user()
    row = lifecycle.get_challenge(db, slug=slug)
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return redirect(url_for("manage.detail", slug=slug))
    try:
        if what == "publish":
            lifecycle.publish(db, challenge=row, actor=actor)
            flash(_("The challenge is published: developers and visitors can read it."), "success")
        elif what == "close":
            lifecycle.close(db, challenge=row, actor=actor)
            flash(_("The challenge is closed. Announce the results when you are ready."), "success")
        else:
            done = lifecycle.announce_results(
                db, challenge=row, actor=actor, settings=current_app.config, compose=_compose
            )
            flash(_("The results are public. %(n)d developers were told by e-mail.", n=done.sent), "success")
            if done.failed:
                flash(_("%(n)d e-mails could not be sent.", n=done.failed), "error")
    except authoring.FieldErrors as exc:
        db.rollback()
        for message in exc.errors.values():
            flash(str(message), "error")
    return redirect(url_for("manage.detail", slug=slug))


@bp.route("/manage/challenges/<slug>/extend", methods=["POST"])
@challenge_manager_required
def extend(slug: str) -> ResponseReturnValue:
    db, actor = get_session(), signed_in_user()
    row = lifecycle.get_challenge(db, slug=slug)
    form = ExtendForm()
    if form.validate_on_submit():
        try:
            done = lifecycle.extend(
                db,
                challenge=row,
                closes_at=_day(form.closes_at.data),
                actor=actor,
                settings=current_app.config,
                compose=_compose,
            )
        except authoring.FieldErrors as exc:
            db.rollback()
            _field_errors(form, exc)
        else:
            flash(
                _("The closing date is moved. %(n)d developers were told by e-mail.", n=done.sent), "success"
            )
            if done.failed:
                flash(_("%(n)d e-mails could not be sent.", n=done.failed), "error")
            return redirect(url_for("manage.detail", slug=slug))
    return _detail_page(db, row, form), 400
