"""The clinical-needs pages. Therapists and challenge managers read them (403 for developers
and patients); therapists file and support needs; managers change their status. The services
(:mod:`..services.needs`) check all of it again and audit every change."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..auth.access import challenge_manager_required, need_reader_required, role_required, signed_in_user
from ..i18n.vocab import CONDITIONS, MOVEMENTS
from ..models import Challenge, ClinicalNeed, NeedStatus, Role
from ..services.accounts.permissions import can_manage_challenges
from ..services.errors import Invalid
from ..services.needs import filing, listing, thread, workflow
from ..services.needs.filing import MAX_TEXT, NeedInvalid
from ..storage.db import get_session
from ..web.formutil import choices
from ..web.need_mail import NeedMailer
from . import bp
from .forms import ActionForm, DeclineForm, LinkForm, MessageForm, NeedForm

STATUS_LABELS = {
    NeedStatus.proposed: _l("Proposed"),
    NeedStatus.accepted: _l("Accepted"),
    NeedStatus.challenge: _l("Turned into a challenge"),
    NeedStatus.declined: _l("Declined"),
    NeedStatus.answered: _l("Answered"),
}
REQUIRED = {
    "condition": _l("Choose the condition the need is about."),
    "problem": _l("Describe the problem your patients meet."),
    "success": _l("Say what would count as a success."),
    "body": _l("Write a message before sending."),
    "reason": _l("Give the reason: the proposer reads it."),
}


@bp.app_template_global()
def need_status_label(status: str) -> str:
    return str(STATUS_LABELS.get(NeedStatus(status), status)) if status in NeedStatus.__members__ else status


def field_message(field: str, code: str) -> str:
    """The translated message shown at ``field`` for a service's error ``code``."""
    if code == "required":
        return str(REQUIRED.get(field, _l("This field is required.")))
    if code == "too_long":
        return _("At most %(max)d characters.", max=MAX_TEXT)
    if code == "names_patient":
        return _("Remove the patient's name or code: every therapist and challenge manager reads this text.")
    if field == "movement":
        return _("Choose a movement of the list.")
    if field == "challenge_id":
        return _("Choose a challenge of the list.")
    if field == "status":
        return _("Choose a status of the list.")
    return _("Choose a condition of the list.")


def _code_of(exc: Invalid) -> str:
    return exc.message.split(":", 1)[1].strip() if ":" in exc.message else "required"


def _need(need_id: int) -> ClinicalNeed:
    return filing.need_for(get_session(), user=signed_in_user(), need_id=need_id)


def _mailer() -> NeedMailer:
    return NeedMailer(current_app.config)


def _mail_report(mailer: NeedMailer) -> None:
    if mailer.failed:
        flash(_("Saved, but %(n)d e-mail(s) could not be sent just now.", n=mailer.failed), "warning")


@bp.route("/needs")
@need_reader_required
def index() -> ResponseReturnValue:
    """The list, filtered and paged by its query string (``status``, ``condition``,
    ``movement``, ``page``); an unknown value is marked at its filter and left out."""
    db, user = get_session(), signed_in_user()
    filt, errors = listing.parse_filter(request.args)
    page = listing.list_needs(db, user=user, filt=filt, page=request.args.get("page", 1, type=int) or 1)
    return render_template(
        "needs/index.html",
        page=page,
        counts=listing.status_counts(db, user=user, filt=filt),
        filt=filt,
        errors={name: field_message(name, code) for name, code in errors.items()},
        statuses=list(NeedStatus),
        conditions=CONDITIONS,
        movements=MOVEMENTS,
    ), 400 if errors else 200


@bp.route("/needs/new", methods=["GET", "POST"])
@role_required(Role.therapist)
def new() -> ResponseReturnValue:
    form = NeedForm()
    if form.validate_on_submit():
        mailer = _mailer()
        try:
            need = filing.propose(
                get_session(),
                therapist=signed_in_user(),
                condition=form.condition.data,
                movement=form.movement.data,
                problem=form.problem.data,
                success=form.success.data,
                data_help=form.data_help.data,
                notify=mailer,
                ip=request.remote_addr,
            )
        except NeedInvalid as exc:
            for name, code in exc.errors.items():
                field = getattr(form, name)
                field.errors = [*field.errors, field_message(name, code)]
        else:
            flash(_("Your need was filed. The challenge managers will read it."), "success")
            _mail_report(mailer)
            return redirect(url_for("needs.detail", need_id=need.id))
    return render_template("needs/new.html", form=form), 400 if form.errors else 200


def _link_form() -> LinkForm:
    form = LinkForm(prefix="link")
    draft = _("draft")
    form.challenge_id.choices = choices(
        [("", _("Choose a challenge"))]
        + [
            (str(c.id), c.title if c.is_published else f"{c.title} ({draft})")
            for c in workflow.linkable_challenges(get_session())
        ]
    )
    return form


def _detail(need: ClinicalNeed, *, status: int = 200, **forms: object) -> ResponseReturnValue:
    db, user = get_session(), signed_in_user()
    supporters = filing.supporters(db, need)
    context = {
        "need": need,
        "proposer": filing.proposer_of(db, need),
        "supporters": supporters,
        "supported": any(s.id == user.id for s in supporters),
        "can_support": filing.can_support(user, need),
        "thread": thread.thread(db, reader=user, need=need),
        "challenge": db.get(Challenge, need.challenge_id) if need.challenge_id else None,
        "manager": can_manage_challenges(user),
        "can_accept": workflow.can_become(need, NeedStatus.accepted),
        "can_decline": workflow.can_become(need, NeedStatus.declined),
        "can_link": workflow.can_become(need, NeedStatus.challenge),
        "message_form": forms.get("message_form") or MessageForm(prefix="msg", formdata=None),
        "decline_form": forms.get("decline_form") or DeclineForm(prefix="decline", formdata=None),
        "link_form": forms.get("link_form") or _link_form(),
        "action_form": ActionForm(formdata=None),
    }
    return render_template("needs/detail.html", **context), status


@bp.route("/needs/<int:need_id>")
@need_reader_required
def detail(need_id: int) -> ResponseReturnValue:
    return _detail(_need(need_id))


@bp.route("/needs/<int:need_id>/messages", methods=["POST"])
@need_reader_required
def post_message(need_id: int) -> ResponseReturnValue:
    need = _need(need_id)
    form = MessageForm(prefix="msg")
    if form.validate_on_submit():
        mailer = _mailer()
        try:
            thread.post(
                get_session(),
                author=signed_in_user(),
                need=need,
                body=form.body.data,
                notify=mailer,
                ip=request.remote_addr,
            )
        except Invalid as exc:
            form.body.errors = [*form.body.errors, field_message("body", _code_of(exc))]
        else:
            flash(_("Message sent."), "success")
            _mail_report(mailer)
            return redirect(url_for("needs.detail", need_id=need_id) + "#thread")
    return _detail(need, status=400, message_form=form)


@bp.route("/needs/<int:need_id>/support", methods=["POST"])
@role_required(Role.therapist)
def support(need_id: int) -> ResponseReturnValue:
    need = _need(need_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    db, user = get_session(), signed_in_user()
    if request.form.get("withdraw"):
        filing.withdraw_support(db, user=user, need=need, ip=request.remote_addr)
        flash(_("You no longer support this need."), "success")
    else:
        try:
            filing.support(db, user=user, need=need, ip=request.remote_addr)
        except Invalid:
            flash(_("This need takes no more support."), "error")
            return _detail(need, status=400)
        flash(_("You support this need: you will hear of its news by e-mail."), "success")
    return redirect(url_for("needs.detail", need_id=need_id))


@bp.route("/needs/<int:need_id>/accept", methods=["POST"])
@challenge_manager_required
def accept(need_id: int) -> ResponseReturnValue:
    need = _need(need_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    mailer = _mailer()
    try:
        workflow.accept(
            get_session(), need=need, actor=signed_in_user(), notify=mailer, ip=request.remote_addr
        )
    except Invalid:
        flash(_("This need can no longer be accepted."), "error")
        return _detail(need, status=400)
    flash(_("The need is accepted."), "success")
    _mail_report(mailer)
    return redirect(url_for("needs.detail", need_id=need_id))


@bp.route("/needs/<int:need_id>/decline", methods=["POST"])
@challenge_manager_required
def decline(need_id: int) -> ResponseReturnValue:
    need = _need(need_id)
    form = DeclineForm(prefix="decline")
    if form.validate_on_submit():
        mailer = _mailer()
        try:
            workflow.decline(
                get_session(),
                need=need,
                actor=signed_in_user(),
                reason=form.reason.data,
                notify=mailer,
                ip=request.remote_addr,
            )
        except Invalid as exc:
            if exc.message.startswith("status:"):
                flash(_("This need can no longer be declined."), "error")
            else:
                form.reason.errors = [*form.reason.errors, field_message("reason", _code_of(exc))]
        else:
            flash(_("The need is declined; its proposer and supporters are told why."), "success")
            _mail_report(mailer)
            return redirect(url_for("needs.detail", need_id=need_id))
    return _detail(need, status=400, decline_form=form)


@bp.route("/needs/<int:need_id>/link", methods=["POST"])
@challenge_manager_required
def link(need_id: int) -> ResponseReturnValue:
    need = _need(need_id)
    form = _link_form()
    db = get_session()
    if form.validate_on_submit():
        raw = form.challenge_id.data or ""
        challenge = db.get(Challenge, int(raw)) if raw.isdigit() and len(raw) < 10 else None
        if challenge is None:
            form.challenge_id.errors = [*form.challenge_id.errors, field_message("challenge_id", "unknown")]
        else:
            mailer = _mailer()
            try:
                workflow.link_challenge(
                    db,
                    need=need,
                    challenge=challenge,
                    actor=signed_in_user(),
                    notify=mailer,
                    ip=request.remote_addr,
                )
            except Invalid:
                flash(_("This need can no longer be linked to a challenge."), "error")
            else:
                flash(_("The need is linked to the challenge “%(title)s”.", title=challenge.title), "success")
                _mail_report(mailer)
                return redirect(url_for("needs.detail", need_id=need_id))
    return _detail(need, status=400, link_form=form)
