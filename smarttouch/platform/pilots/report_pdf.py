"""The pilot report as a PDF for an ethics committee or a regional funder: the question, the
design, the method, consent and withdrawal counts, the outcomes with their 95% confidence
intervals and each patient by pseudonym only. Same fonts, page and table style as the
progress report (:mod:`..reports.pdf`); the patients' chart is a matplotlib PNG, the weekly
chart fpdf2 vectors (:mod:`.pdf_weekly`)."""

from __future__ import annotations

import io
from datetime import datetime, tzinfo
from typing import Any

import matplotlib.pyplot as plt
from flask_babel import gettext as _
from matplotlib.figure import Figure

from ..i18n import units
from ..i18n.vocab import CONDITIONS, MOVEMENTS, label
from ..reports.pdf import ReportPDF
from ..services.pilots.patient_figures import MCID_ROM_DEG
from . import fmt, pdf_weekly
from .labels import arm_label, comparator_label, status_label

BLUE, GREY, ORANGE = "#0a4d8c", "#5b6670", "#b35900"  # the patient report's blue and grey
ARM_COLOURS = {"pilot": BLUE, "comparator": ORANGE}


def patients_figure(o: Any) -> Figure | None:
    """Each patient's ROM change with its 95% CI (pseudonyms), the MCID dashed."""
    rows = [p for p in o.patients if p.rom_change.value is not None]
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(7.2, max(1.6, 0.9 + 0.32 * len(rows))))
    for i, p in enumerate(rows):
        e = p.rom_change
        colour = ARM_COLOURS.get(p.arm, GREY)
        if e.low is not None and e.high is not None:
            ax.hlines(i, e.low, e.high, color=colour, lw=1.6)
        ax.plot([e.value], [i], "o", color=colour, ms=5)
    ax.set_yticks(range(len(rows)), [p.pseudonym for p in rows])
    ax.invert_yaxis()
    ax.axvline(MCID_ROM_DEG, color=GREY, ls="--", lw=1.2, label=_("MCID"))
    ax.axvline(0, color="#8a949e", lw=0.8)
    ax.set_xlabel(_("Change in range of motion (degrees)"))
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _pos: units.number(v, 0 if v == int(v) else 1)))
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3, axis="x")
    handles = [
        plt.Line2D([], [], marker="o", color=ARM_COLOURS[a], ls="-", label=arm_label(a))
        for a in ARM_COLOURS
        if any(p.arm == a for p in rows)
    ]
    ax.legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=3, fontsize=8, frameon=False
    )
    return fig


def labels_overlap(fig: Figure) -> list[str]:
    """The tick labels of ``fig`` that overlap a neighbour on the same axis (drawn extents, in
    pixels): empty when every label can be read."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]  # Agg's, after draw()
    out = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            boxes = [
                (t.get_text(), t.get_window_extent(renderer))
                for t in axis.get_ticklabels()
                if t.get_visible() and t.get_text()
            ]
            for (name_a, a), (name_b, b) in zip(boxes, boxes[1:]):
                if a.overlaps(b):
                    out.append(f"{name_a} / {name_b}")
    return out


def _png(fig: Figure) -> io.BytesIO:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    buf.seek(0)
    return buf


def render(
    pilot: Any,
    o: Any,
    *,
    solution_name: str,
    paper: int,
    author: str,
    generated_at: datetime,
    tz: tzinfo,
) -> bytes:
    pdf = ReportPDF(_("SmartTouch pilot report · %(title)s", title=pilot.title))
    pdf.set_creation_date(generated_at)
    pdf.add_page()
    pdf.set_title(_("Pilot report: %(title)s", title=pilot.title))
    pdf.set_author(author)
    pdf.heading(_("Pilot report"), 18)
    pdf.heading(pilot.title, 14)
    pdf.para(_("Prepared by %(name)s on %(when)s", name=author, when=units.day_time(generated_at, tz)))
    pdf.set_font("DejaVu", size=8)
    pdf.multi_cell(
        0,
        4.5,
        _("Pseudonymised report: patients are named by pseudonym only."),
        new_x="LMARGIN",
        new_y="NEXT",
    )

    pdf.heading(_("Question"))
    pdf.para(pilot.question)

    pdf.heading(_("Design"))
    pdf.grid(
        [_("Item"), _("Value")],
        [
            [_("Solution"), solution_name],
            [_("Compared with"), comparator_label(pilot.comparator)],
            [_("Inclusion"), f"{label(CONDITIONS, pilot.condition)} · {label(MOVEMENTS, pilot.movement)}"],
            [_("Dates"), f"{units.day(pilot.starts_on)} – {units.day(pilot.ends_on)}"],
            [_("Target number of patients"), str(pilot.target_patients)],
            [_("Status"), status_label(pilot.status)],
            [_("Consent text (SHA-256)"), pilot.consent_sha256[:16] + "…"],
        ],
        (60, 120),
    )

    pdf.heading(_("Consent and withdrawals"))
    pdf.para(
        _(
            "%(invited)d invited; %(consented)d consented (%(paper)d on a signed paper form, the others in "
            "the patient portal); %(withdrawn)d withdrew; %(waiting)d did not consent. %(taking)d take part.",
            invited=o.invited,
            consented=o.consented,
            paper=paper,
            withdrawn=o.withdrawn,
            waiting=o.declined + o.pending,
            taking=o.consented - o.withdrawn,
        )
    )
    pdf.para(_("Sessions after a withdrawal are not used."))

    pdf.heading(_("Method"))
    pdf.para(str(o.method))
    c = o.comparison
    if c.reason:
        pdf.para(str(c.reason))
    if o.small_sample:
        pdf.para(str(o.small_sample_note))

    pdf.heading(_("Outcome"))
    if c.estimate.value is not None:
        pdf.para(
            _(
                "Estimated effect on the range of motion: %(effect)s, %(p)s.",
                effect=fmt.est(c.estimate, c.unit),
                p=fmt.pvalue(c.p_value),
            )
            + (
                f" {_('Wilcoxon signed-rank: %(p)s.', p=fmt.pvalue(c.wilcoxon_p))}"
                if c.wilcoxon_p is not None
                else ""
            )
        )
    pdf.grid(
        [
            _("Group"),
            _("Patients"),
            _("Adherence"),
            _("Sessions completed / stopped for pain / for fatigue"),
            _("Change in range of motion"),
            _("Improved beyond the MCID"),
        ],
        [
            [
                arm_label(a.arm),
                str(a.patients),
                fmt.est(a.adherence, "pct"),
                f"{a.completed} / {a.stopped_pain} / {a.stopped_fatigue}",
                fmt.est(a.rom_change),
                fmt.share(a.improved_mcid),
            ]
            for a in o.arms.values()
        ],
        (24, 20, 32, 30, 38, 36),
    )
    pdf.grid(
        [_("Group"), _("Repetitions per session"), _("Pain before → after"), _("Effort before → after")],
        [
            [
                arm_label(a.arm),
                fmt.est(a.reps_per_session, "num", signed=False),
                fmt.before_after(a.pain_before.value, a.pain_after.value),
                fmt.before_after(a.effort_before.value, a.effort_after.value),
            ]
            for a in o.arms.values()
        ],
        (24, 52, 52, 52),
    )

    if not o.patients:
        pdf.para(_("No patient has consented yet."))
    else:
        pdf.heading(_("Each patient"))
        pdf.grid(
            [
                _("Patient"),
                _("Group"),
                _("Adherence"),
                _("Sessions completed / stopped"),
                _("Repetitions per session"),
                _("Change in range of motion"),
                _("Beyond the MCID"),
            ],
            [
                [
                    p.pseudonym,
                    arm_label(p.arm),
                    fmt.pct(p.adherence),
                    f"{p.completed} / {p.stopped_pain + p.stopped_fatigue}",
                    fmt.num(p.reps_per_session),
                    fmt.est(p.rom_change),
                    fmt.yes_no(p.improved_mcid),
                ]
                for p in o.patients
            ],
            (20, 24, 22, 26, 24, 46, 18),
        )
        fig = patients_figure(o)
        if fig is not None:
            png = _png(fig)
            if pdf.get_y() + 70 > pdf.page_break_trigger:  # keep the heading with its chart
                pdf.add_page()
            pdf.heading(_("Change in range of motion of each patient"))
            pdf.image(png, w=180)

    if any(w.rom.value is not None for a in o.arms.values() for w in a.weekly_rom):
        if pdf.get_y() + 85 > pdf.page_break_trigger:  # keep the heading with its chart
            pdf.add_page()
        pdf.heading(_("Range of motion per week since enrolment"))
        pdf_weekly.weekly_chart(
            pdf,
            {a.arm: a.weekly_rom for a in o.arms.values()},
            labels={a.arm: arm_label(a.arm) for a in o.arms.values()},
            y_title=_("Range of motion (degrees)"),
            x_title=_("Week since enrolment"),
        )
        pdf.para(_("Each point: the mean of the patients' weekly means; each bar: its 95% CI."))

    pdf.heading(_("Safety"))
    if pilot.safety_flag_at:
        pdf.para(
            _(
                "Safety flag raised on %(day)s: patients playing the solution stopped sessions for pain, or rated "
                "their pain, clearly worse than the comparison.",
                day=units.day(pilot.safety_flag_at.astimezone(tz)),
            )
        )
    else:
        pdf.para(_("The interim safety check has raised no flag."))
    pdf.ln(3)
    pdf.set_font("DejaVu", size=8)
    pdf.multi_cell(
        0,
        4.5,
        _(
            "All numbers are computed by SmartTouch from the sessions' raw sensor recordings, not typed. "
            "95% CI: 95% confidence interval. MCID: minimal clinically important difference."
        ),
    )
    return bytes(pdf.output())
