"""The printable invitation as a self-contained HTML page (``smarttouch user invite
--sheet``): the same words as the web page, the QR code inline, print CSS included."""

from __future__ import annotations

from datetime import datetime

from flask import render_template
from flask_babel import force_locale

from .qr import qr_svg_data_uri


def standalone_sheet(*, link: str, code: str, code_url: str, email: str, expires: datetime, lang: str) -> str:
    """Render the sheet in ``lang`` (call inside an app request context)."""
    with force_locale(lang):
        return render_template(
            "onboarding/sheet_standalone.html",
            link=link,
            code=code,
            code_url=code_url,
            email=email,
            expires=expires,
            qr=qr_svg_data_uri(link),
            lang=lang,
        )
