"""``smarttouch patient``: patient records' erasure on request (GDPR Art. 17)."""

from __future__ import annotations

import click

from .common import fail, hub_app


@click.group()
def patient() -> None:
    """Patient records: erasure on request (GDPR Art. 17)."""


@patient.command("erase")
@click.argument("code")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def patient_erase(code: str, yes: bool) -> None:
    """Erase patient CODE: record, account, sessions and recordings; keeps only anonymous
    monthly aggregates and a redacted audit trail. Cannot be undone."""
    from ..services.errors import ServiceError
    from ..services.rights import erasure, fhir_export
    from ..storage.blobstore import get_blobstore
    from ..storage.db import session_scope

    app = hub_app()
    if not yes:
        click.confirm(f"Erase patient {code.upper()} and all their data for good?", abort=True)
    try:
        with session_scope(app) as session:
            found = fhir_export.patient_by_code(session, code=code)
            report = erasure.erase_patient(
                session, patient=found, actor=None, store=get_blobstore(app), confirm_code=found.code
            )
    except ServiceError as exc:
        raise fail(exc) from None
    click.echo(
        f"erased (reference {report.reference}): {report.sessions} sessions, "
        f"{report.recordings_deleted} recordings deleted, "
        f"{report.recordings_kept_shared} kept (shared with other records), "
        f"{report.events_redacted} audit events redacted"
    )
    if report.blob_errors:
        raise click.ClickException(
            f"{len(report.blob_errors)} recordings could not be deleted from the blob store; see the log"
        )
