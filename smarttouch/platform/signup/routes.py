"""``/signup``, ``/signup/sent``, ``/verify``, ``/password/forgot``, ``/password/reset``: all
public. The pages answer the same way whether or not an address has an account."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import public
from ..auth.forms import PASSWORD_PROBLEM_TEXT
from ..services.accounts import signup
from ..services.accounts.invitations import Purpose
from ..services.accounts.password_policy import WeakPassword
from ..services.errors import Invalid
from ..services.mail import MailError
from ..storage.db import get_session
from ..web.urls import external_url
from . import bp
from .forms import ForgotForm, ResetForm, SignupForm, VerifyForm


def _link(page: str, token: str | None) -> str:
    endpoint = {
        "verify": "signup.verify",
        "reset": "signup.reset",
        "forgot": "signup.forgot",
        "login": "auth.login",
    }[page]
    return external_url(endpoint, token=token) if token else external_url(endpoint)


def _compose(kind: str, link: str | None) -> tuple[str, str]:
    """The e-mails, in the language of the page that caused them."""
    hello = _("Hello,")
    sign = _("The SmartTouch hub")
    if kind == "verify":
        subject = _("Confirm your e-mail address for SmartTouch")
        body = _(
            "you signed up as a developer on the SmartTouch hub. Open this link to confirm your "
            "e-mail address and activate your account (it works once, within %(hours)d hours):",
            hours=int(signup.VERIFY_TTL.total_seconds() // 3600),
        )
    elif kind == "registered":
        subject = _("You already have a SmartTouch account")
        body = _(
            "someone (probably you) tried to sign up on the SmartTouch hub with this e-mail "
            "address, which already has an account. Nothing was changed. If you forgot your "
            "password, ask for a new one here:"
        )
    elif kind == "reset":
        subject = _("Reset your SmartTouch password")
        body = _(
            "someone (probably you) asked to reset the password of your SmartTouch account. Open "
            "this link to choose a new one (it works once, within %(minutes)d minutes); every "
            "browser logged in to your account will be logged out. If you did not ask, ignore "
            "this message:",
            minutes=int(signup.RESET_TTL.total_seconds() // 60),
        )
    elif kind == "reset_disabled":
        subject = _("Your SmartTouch account is disabled")
        body = _(
            "someone asked to reset the password of the SmartTouch account of this address, but "
            "the account is disabled. Ask the hub's administrator to enable it. The hub:"
        )
    else:  # reset_unknown
        subject = _("Password reset on SmartTouch")
        body = _(
            "someone asked to reset the password of a SmartTouch account with this e-mail "
            "address, but there is no account for it. If it was not you, ignore this message. "
            "The hub:"
        )
    return subject, f"{hello}\n\n{body}\n\n{link or ''}\n\n{sign}\n"


def _throttled(template: str, form, exc: signup.Throttled) -> ResponseReturnValue:
    minutes = max(1, round(exc.retry_after_s / 60))
    form.email.errors = [
        _(
            "Too many attempts for this address. Please try again in about %(minutes)d minutes.",
            minutes=minutes,
        )
    ]
    response = current_app.make_response((render_template(template, form=form), 429))
    response.headers["Retry-After"] = str(exc.retry_after_s)
    return response


def _mail_failed(template: str, form) -> ResponseReturnValue:
    flash(_("The e-mail could not be sent just now. Please try again in a few minutes."), "error")
    return render_template(template, form=form), 502


@bp.route("/signup", methods=["GET", "POST"])
@public
def signup_page() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignupForm()
    if not form.validate_on_submit():
        return render_template("signup/signup.html", form=form), 400 if form.errors else 200
    try:
        signup.sign_up(
            get_session(),
            full_name=form.full_name.data,
            email=form.email.data,
            password=form.password.data,
            locale=str(get_locale() or "en"),
            settings=current_app.config,
            compose=_compose,
            link=_link,
            ip=request.remote_addr,
            password_profile=current_app.config["ARGON2_PROFILE"],
        )
    except WeakPassword as exc:
        form.password.errors = [str(PASSWORD_PROBLEM_TEXT[exc.problem])]
        return render_template("signup/signup.html", form=form), 400
    except signup.Throttled as exc:
        return _throttled("signup/signup.html", form, exc)
    except MailError:
        return _mail_failed("signup/signup.html", form)
    except Invalid as exc:  # what the form's own checks let through (name of spaces only)
        field = form.full_name if exc.message.startswith("full_name") else form.email
        field.errors = [_("Please check this field.")]
        return render_template("signup/signup.html", form=form), 400
    return redirect(url_for("signup.sent"))


@bp.route("/signup/sent")
@public
def sent() -> ResponseReturnValue:
    return render_template("signup/sent.html")


@bp.route("/verify", methods=["GET", "POST"])
@public
def verify() -> ResponseReturnValue:
    """GET shows a button (so a mail scanner that opens links does not use it up); POST
    activates the account."""
    token = request.args.get("token", "")
    form = VerifyForm()
    db = get_session()
    try:
        if request.method == "POST" and form.validate_on_submit():
            signup.verify_email(db, token=token, ip=request.remote_addr)
            flash(_("Your e-mail address is confirmed and your account is active. Please log in."), "success")
            return redirect(url_for("auth.login"))
        signup.find_link(db, token=token, purpose=Purpose.verify)
    except signup.LinkInvalid as exc:
        return render_template("signup/link_invalid.html", reason=exc.reason, what="verify"), 400
    return render_template("signup/verify.html", form=form, token=token)


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot() -> ResponseReturnValue:
    form = ForgotForm()
    if not form.validate_on_submit():
        return render_template("signup/forgot.html", form=form), 400 if form.errors else 200
    try:
        signup.request_reset(
            get_session(),
            email=form.email.data,
            settings=current_app.config,
            compose=_compose,
            link=_link,
            ip=request.remote_addr,
        )
    except signup.Throttled as exc:
        return _throttled("signup/forgot.html", form, exc)
    except MailError:
        return _mail_failed("signup/forgot.html", form)
    except Invalid:
        form.email.errors = [_("Enter an e-mail address such as name@example.org.")]
        return render_template("signup/forgot.html", form=form), 400
    return redirect(url_for("signup.sent", reset=1))


@bp.route("/password/reset", methods=["GET", "POST"])
@public
def reset() -> ResponseReturnValue:
    token = request.args.get("token", "")
    form = ResetForm()
    db = get_session()
    try:
        signup.find_link(db, token=token, purpose=Purpose.forgot)
        if not form.validate_on_submit():
            return render_template("signup/reset.html", form=form, token=token), 400 if form.errors else 200
        signup.reset_password(
            db,
            token=token,
            password=form.password.data,
            ip=request.remote_addr,
            password_profile=current_app.config["ARGON2_PROFILE"],
        )
    except signup.LinkInvalid as exc:
        return render_template("signup/link_invalid.html", reason=exc.reason, what="reset"), 400
    except WeakPassword as exc:
        form.password.errors = [str(PASSWORD_PROBLEM_TEXT[exc.problem])]
        return render_template("signup/reset.html", form=form, token=token), 400
    flash(
        _(
            "Your password was changed and every browser logged in to your account was logged out. Please log in."
        ),
        "success",
    )
    return redirect(url_for("auth.login"))
