"""``smarttouch export``: a patient's HL7 FHIR bundle, their data-rights archive, and the
challenge dataset built from donated sessions."""

from __future__ import annotations

from typing import Any

import click

from .common import fail, hub_app, write_atomic


def _patient_option(f: Any) -> Any:
    return click.option(
        "--patient",
        "code",
        required=True,
        metavar="CODE",
        help="The patient's pseudonymous code, e.g. PT-K7WM.",
    )(f)


@click.group()
def export() -> None:
    """Export patient data: HL7 FHIR bundles, data-rights archives, challenge datasets."""


@export.command("fhir")
@_patient_option
@click.option(
    "--from",
    "start",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="First day of sessions to include (local date, YYYY-MM-DD).",
)
@click.option(
    "--to",
    "end",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Last day of sessions to include (local date, YYYY-MM-DD).",
)
@click.option("--identified", is_flag=True, help="Include name, birth year and notes (clinical use only).")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="File to write the FHIR JSON Bundle to.",
)
def export_fhir(code: str, start: Any, end: Any, identified: bool, out: str) -> None:
    """Write a patient's HL7 FHIR R4 Bundle (plan, goals, session metrics, devices)."""
    from ..i18n.language import hub_tz, local_today
    from ..services.errors import ServiceError
    from ..services.rights import fhir_export
    from ..services.rights.fhir.codes import DEFAULT_BASE
    from ..storage.blobstore import get_blobstore
    from ..storage.db import session_scope

    app = hub_app()
    try:
        with app.test_request_context(), session_scope(app) as session:
            patient = fhir_export.patient_by_code(session, code=code)
            bundle = fhir_export.export_bundle(
                session,
                patient=patient,
                actor=None,
                store=get_blobstore(app),
                today=local_today(),
                identified=identified,
                start=start.date() if start else None,
                end=end.date() if end else None,
                tz=hub_tz(),
                base=app.config.get("FHIR_BASE_URL") or DEFAULT_BASE,
                via="cli",
                commit=False,
            )
            text = fhir_export.bundle_json(bundle).encode("utf-8")
            size = write_atomic(out, lambda fh: fh.write(text))
    except ServiceError as exc:
        raise fail(exc) from None
    kind = "identified" if identified else "pseudonymous"
    click.echo(f"wrote {out}: {len(bundle.entry or [])} resources, {kind}, {size} bytes")


@export.command("archive")
@_patient_option
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="ZIP file to write (profile, plan, sessions, recordings, audit, FHIR).",
)
def export_archive(code: str, out: str) -> None:
    """Write ALL of a patient's data as one ZIP archive (GDPR access/portability request)."""
    from ..i18n.language import hub_tz, local_today
    from ..services.errors import ServiceError
    from ..services.rights import data_rights, fhir_export
    from ..services.rights.fhir.codes import DEFAULT_BASE
    from ..storage.blobstore import get_blobstore
    from ..storage.db import session_scope

    app = hub_app()
    try:
        with app.test_request_context(), session_scope(app) as session:
            patient = fhir_export.patient_by_code(session, code=code)
            summary: list[Any] = []

            def write(fh: Any) -> None:
                summary.append(
                    data_rights.write_archive(
                        session,
                        patient=patient,
                        actor=None,
                        store=get_blobstore(app),
                        out=fh,
                        today=local_today(),
                        tz=hub_tz(),
                        base=app.config.get("FHIR_BASE_URL") or DEFAULT_BASE,
                        via="cli",
                        commit=False,
                    )
                )

            size = write_atomic(out, write)
    except ServiceError as exc:
        raise fail(exc) from None
    done = summary[0]
    click.echo(
        f"wrote {out}: {len(done.files)} files, {done.sessions} sessions, "
        f"{done.recordings} recordings, {size} bytes"
    )
    if done.missing_recordings:
        click.echo(
            f"warning: {len(done.missing_recordings)} recordings are missing from the blob store", err=True
        )


@export.command("dataset")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False),
    help="New (or empty) folder for recordings/, labels.json, manifest.json.",
)
@click.option("--movement", default=None, help="Only sessions of this movement.")
def export_dataset(out: str, movement: str | None) -> None:
    """Build a pseudonymised challenge dataset from the sessions donated with consent."""
    from pathlib import Path

    from ..services.errors import ServiceError
    from ..services.rights import donation
    from ..storage.blobstore import get_blobstore
    from ..storage.db import session_scope

    app = hub_app()
    try:
        with session_scope(app) as session:
            done = donation.build_dataset(
                session, store=get_blobstore(app), out_dir=Path(out), actor=None, movement=movement
            )
    except ServiceError as exc:
        raise fail(exc) from None
    click.echo(
        f"wrote {out}: {done.recordings} recordings of {done.subjects} pseudonymous "
        f"subjects (dataset {done.dataset_id})"
    )
