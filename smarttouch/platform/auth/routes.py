"""``/login``, ``/logout`` and ``/account/password``."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..models import utcnow
from ..services.accounts import throttle, users
from ..services.accounts.password_policy import WeakPassword
from ..storage.db import get_session
from ..storage.shared import redis_client
from . import bp
from .access import public, safe_next, signed_in_user
from .forms import PASSWORD_PROBLEM_TEXT, LoginForm, LogoutForm, PasswordChangeForm


def _policy() -> throttle.ThrottlePolicy:
    cfg = current_app.config
    return throttle.ThrottlePolicy(
        cfg["LOGIN_FREE_FAILURES"], cfg["LOGIN_LOCK_FAILURES"], cfg["LOGIN_LOCK_MINUTES"]
    )


def _throttle(db: Any) -> throttle.ThrottleStore:
    """The shared counters: Redis when the hub has it, the database otherwise."""
    return throttle.store_for(db, redis_client())


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400 if form.errors else 200

    db = get_session()
    ip = request.remote_addr
    keys = throttle.keys_for(form.email.data, ip)
    now = utcnow()
    verdict = _throttle(db).check(keys=keys, now=now, policy=_policy())
    if not verdict.allowed:
        users.record_failed_login(db, email=form.email.data, ip=ip, throttled=True)
        if verdict.locked:
            minutes = max(1, round(verdict.retry_after_s / 60))
            flash(
                _(
                    "Too many failed attempts. Logins are locked for about %(minutes)d minutes.",
                    minutes=minutes,
                ),
                "error",
            )
        else:
            flash(
                _(
                    "Too many failed attempts. Please wait %(seconds)d seconds and try again.",
                    seconds=verdict.retry_after_s,
                ),
                "error",
            )
        response = current_app.make_response((render_template("auth/login.html", form=form), 429))
        response.headers["Retry-After"] = str(verdict.retry_after_s)
        return response

    user = users.authenticate(
        db,
        email=form.email.data,
        password=form.password.data,
        password_profile=current_app.config["ARGON2_PROFILE"],
    )
    if user is None:
        _throttle(db).record_failure(keys=keys, now=now, policy=_policy())
        users.record_failed_login(db, email=form.email.data, ip=ip, throttled=False)
        flash(_("E-mail or password is not correct."), "error")
        return render_template("auth/login.html", form=form), 401

    _throttle(db).clear(keys=keys[:1])
    locale = session.get("locale")
    session.clear()  # a fresh session at login (no fixation)
    if locale:
        session["locale"] = locale
    login_user(user)
    session.permanent = True
    users.record_login(db, user=user, ip=ip)
    return redirect(safe_next(form.next.data) or url_for("home.index"))


@bp.route("/logout", methods=["GET", "POST"])
@public
def logout():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    form = LogoutForm()
    if request.method == "POST" and form.validate_on_submit():
        users.record_logout(get_session(), user=signed_in_user(), ip=request.remote_addr)
        logout_user()
        session.clear()
        flash(_("You have logged out."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/logout.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> ResponseReturnValue:
    """Every signed-in user changes their own password; their other logins end, this one goes on."""
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return render_template("auth/password.html", form=form), 400 if form.errors else 200
    user, db, ip = signed_in_user(), get_session(), request.remote_addr
    # guessing the current password from a borrowed login counts as failed logins
    keys = throttle.keys_for(user.email, ip)
    if not _throttle(db).check(keys=keys, now=utcnow(), policy=_policy()).allowed:
        flash(_("Too many wrong passwords. Please wait a few minutes and try again."), "error")
        return render_template("auth/password.html", form=form), 429
    try:
        users.change_own_password(
            db,
            user=user,
            current_password=form.current_password.data,
            new_password=form.new_password.data,
            password_profile=current_app.config["ARGON2_PROFILE"],
            ip=ip,
        )
    except WeakPassword as exc:
        form.new_password.errors = [str(PASSWORD_PROBLEM_TEXT[exc.problem])]
        return render_template("auth/password.html", form=form), 400
    except users.WrongPassword:
        _throttle(db).record_failure(keys=keys, now=utcnow(), policy=_policy())
        form.current_password.errors = [_("The current password is not correct.")]
        return render_template("auth/password.html", form=form), 400
    login_user(user)  # this browser carries the new session version; the others are logged out
    session.permanent = True
    flash(
        _("Your password was changed. Any other browser logged in to your account was logged out."), "success"
    )
    return redirect(url_for("home.index"))
