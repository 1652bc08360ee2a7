"""``/challenges``, ``/challenges/<slug>``, ``/catalogue``, ``/catalogue/<id>``,
``/robots.txt``, ``/sitemap.xml``: public pages, each with its own title, description and
canonical link on the hub's ``BASE_URL``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache
from xml.sax.saxutils import escape

from babel.dates import format_date
from flask import Response, render_template
from flask_babel import get_locale, get_timezone
from flask_login import current_user

from ..auth.access import public
from ..i18n.language import hub_tz
from ..i18n.vocab import MOVEMENTS, challenge_kind_label, label
from ..models import pk, utcnow
from ..pilots.catalogue import solution_pilots
from ..services.challenges import leaderboards, terms
from ..services.challenges import public as catalogue
from ..services.challenges.safe_markdown import render as render_markdown
from ..services.needs import answers
from ..storage.db import get_session
from ..web.urls import external_url, hub_url
from . import bp

#: Longest meta description (search engines show about 155-160 characters).
DESCRIPTION_CHARS = 155


def _describe(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= DESCRIPTION_CHARS else text[: DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _date_formatter() -> Callable[[datetime], str]:
    """The page's ``date`` filter for many dates: the locale and time zone are looked up once
    and each distinct date formatted once (the per-call lookups were most of the list's time)."""
    tz, locale = get_timezone(), get_locale()

    @cache
    def fmt(value: datetime) -> str:
        return format_date(value.astimezone(tz).date(), "medium", locale=locale)

    return fmt


@bp.route("/challenges")
@public
def challenges():
    lists = catalogue.list_challenges(get_session(), now=utcnow())
    return render_template(
        "public/challenges.html",
        lists=lists,
        canonical=external_url("public.challenges"),
        fdate=_date_formatter(),
        kind_label=cache(challenge_kind_label),
        move_label=cache(lambda key: label(MOVEMENTS, key)),
    )


@bp.route("/challenges/<slug>")
@public
def challenge(slug: str):
    db, now = get_session(), utcnow()
    row = leaderboards.get_published_challenge(db, slug=slug)
    board = leaderboards.build_leaderboard(db, challenge=row, now=now)
    needs_terms = current_user.is_authenticated and terms.needs_acceptance(
        db, user=current_user, challenge=row
    )
    return render_template(
        "public/challenge.html",
        c=row,
        board=board,
        is_open=row.is_open(now),
        needs_terms=needs_terms,
        description=render_markdown(row.description_md),
        now=now,
        canonical=external_url("public.challenge", slug=slug),
        meta_description=_describe(row.summary or row.title),
    )


@bp.route("/catalogue")
@public
def solutions():
    rows = catalogue.approved_solutions(get_session(), now=utcnow())
    return render_template("public/catalogue.html", rows=rows, canonical=external_url("public.solutions"))


@bp.route("/catalogue/<int:solution_id>")
@public
def solution(solution_id: int):
    db = get_session()
    entry = catalogue.approved_solution(db, solution_id=solution_id, now=utcnow())
    return render_template(
        "public/solution.html",
        a=entry,
        pilots=solution_pilots(db, solution_id=solution_id, viewer=current_user, tz=hub_tz()),
        answered=answers.answered_needs(db, challenge_ids=[pk(entry.challenge)]).get(pk(entry.challenge), []),
        canonical=external_url("public.solution", solution_id=solution_id),
        meta_description=_describe(entry.solution.description or entry.solution.name),
    )


@bp.route("/robots.txt")
@public
def robots() -> Response:
    """Crawlers may read the public pages only."""
    lines = [
        "User-agent: *",
        "Allow: /challenges",
        "Allow: /catalogue",
        "Allow: /signup",
        "Disallow: /",
        f"Sitemap: {hub_url()}/sitemap.xml",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.route("/sitemap.xml")
@public
def sitemap() -> Response:
    """Every public page (sitemaps.org protocol 0.9), nothing behind a login."""
    db, now = get_session(), utcnow()
    lists = catalogue.list_challenges(db, now=now)
    urls = [
        external_url("public.challenges"),
        external_url("public.solutions"),
        external_url("signup.signup_page"),
    ]
    urls += [
        external_url("public.challenge", slug=c.slug)
        for group in (lists.open, lists.upcoming, lists.closed)
        for c in group
    ]
    urls += [
        external_url("public.solution", solution_id=a.solution.id)
        for a in catalogue.approved_solutions(db, now=now)
    ]
    body = "".join(f"<url><loc>{escape(u)}</loc></url>" for u in urls)
    xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>\n'
    return Response(xml, mimetype="application/xml")
