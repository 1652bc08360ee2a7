"""``/admin/audit``: who did what, when, on which patient; filterable, exportable as CSV.
``/admin/access``: who read which patient's record, searchable by patient, reader, kind of
read and period (patients appear by their pseudonymous code only).

Only GET routes: nothing here can change or delete an audit event (the trail is append-only;
the models refuse ORM updates and deletes too).
"""

from __future__ import annotations

from flask import Response, render_template, request, stream_with_context

from ..auth.access import role_required, signed_in_user
from ..i18n.language import hub_tz
from ..models import Role, utcnow
from ..services import audit
from ..services.accounts import audit_search
from ..services.errors import Invalid
from ..services.rights import access_log
from ..storage.db import get_session
from . import bp


@bp.get("/audit")
@role_required(Role.admin)
def audit_trail():
    db = get_session()
    error = None
    try:
        filt = audit_search.parse_filter(request.args)
    except Invalid as exc:
        filt, error = audit_search.AuditFilter(), exc.message
    page = audit_search.search(db, filt=filt, tz=hub_tz(), page=request.args.get("page", 1, type=int) or 1)
    return render_template(
        "admin/audit.html", page=page, filt=filt, error=error, actions=audit_search.known_actions(db)
    ), 400 if error else 200


@bp.get("/audit.csv")
@role_required(Role.admin)
def audit_csv():
    db = get_session()
    filt = audit_search.parse_filter(request.args)
    audit.record(
        db,
        action="audit.exported",
        actor=signed_in_user(),
        ip=request.remote_addr,
        details={"filter": filt.as_query()},
    )
    db.commit()
    lines = audit_search.csv_lines(audit_search.iter_events(db, filt=filt, tz=hub_tz()))
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="smarttouch-audit-{stamp}.csv"'},
    )


@bp.get("/access")
@role_required(Role.admin)
def record_access() -> tuple[str, int]:
    db = get_session()
    error = None
    try:
        filt = audit_search.parse_filter(request.args)
        if filt.action and filt.action not in access_log.KINDS:
            raise Invalid(f"what: {filt.action!r} is not a kind of read")
    except Invalid as exc:
        filt, error = audit_search.AuditFilter(), exc.message
    page = access_log.search(db, filt=filt, tz=hub_tz(), page=request.args.get("page", 1, type=int) or 1)
    return render_template(
        "admin/access.html", page=page, filt=filt, error=error, kinds=access_log.KINDS
    ), 400 if error else 200
