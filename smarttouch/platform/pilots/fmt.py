"""Numbers of a pilot in the reader's language, with their uncertainty: the page, the PDF,
the public summary and the catalogue say them the same way."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..i18n import units


def deg(value: float | None, *, signed: bool = True) -> str:
    """Degrees with one decimal (a change of ROM; ``+4,5°``); "—" for None."""
    return "—" if value is None else units.number(value, 1, signed=signed) + "°"


def num(value: float | None, digits: int = 1, *, signed: bool = False) -> str:
    return units.number(value, digits, signed=signed)


def pct(value: float | None) -> str:
    """A proportion 0..1 as a whole percentage."""
    return "—" if value is None else units.number(100 * value, 0) + " %"


def est(e: Any, kind: str = "deg", *, signed: bool = True) -> str:
    """An estimate with its 95% confidence interval: ``+4,5° (95% CI +1,2° to +7,8°)``;
    "—" when it could not be computed."""
    if e is None or e.value is None:
        return "—"

    def one(v: float | None) -> str:
        if kind == "pct":
            return pct(v)
        if kind == "deg/week":
            return str(_("%(deg)s/week", deg=deg(v, signed=signed)))
        if kind == "deg":
            return deg(v, signed=signed)
        return num(v, 1, signed=signed)

    if e.low is None or e.high is None:
        return one(e.value)
    return _("%(value)s (95%% CI %(low)s to %(high)s)", value=one(e.value), low=one(e.low), high=one(e.high))


def share(s: Any) -> str:
    """``k`` of ``n`` with the Wilson 95% CI: ``3 of 5 (60 %; 95% CI 23 % to 88 %)``."""
    if s is None or not s.n:
        return "—"
    if s.low is None or s.high is None:
        return _("%(k)d of %(n)d (%(pct)s)", k=s.k, n=s.n, pct=pct(s.value))
    return _(
        "%(k)d of %(n)d (%(pct)s; 95%% CI %(low)s to %(high)s)",
        k=s.k,
        n=s.n,
        pct=pct(s.value),
        low=pct(s.low),
        high=pct(s.high),
    )


def pvalue(p: float | None) -> str:
    if p is None:
        return "—"
    if p < 0.001:
        return "p < " + units.number(0.001, 3)
    return "p = " + units.number(p, 3 if p < 0.01 else 2)


def before_after(before: float | None, after: float | None) -> str:
    """A 0-10 rating before and after: ``3,0 → 2,0``."""
    if before is None and after is None:
        return "—"
    return f"{num(before)} → {num(after)}"


def yes_no(value: bool | None) -> str:
    if value is None:
        return "—"
    return _("yes") if value else _("no")


TEMPLATE_GLOBALS = {
    "p_deg": deg,
    "p_num": num,
    "p_pct": pct,
    "p_est": est,
    "p_share": share,
    "p_pvalue": pvalue,
    "p_before_after": before_after,
    "p_yes_no": yes_no,
}
