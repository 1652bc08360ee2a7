"""``smarttouch pair`` and ``smarttouch outbox``: the patient's link to the hub."""

from __future__ import annotations

import json
import platform as _platform
import time
from datetime import UTC, datetime

import click

from smarttouch.client.http import HubClient, HubError, HubRejected, normalise_hub_url, parse_pairing_url
from smarttouch.client.outbox import Outbox
from smarttouch.client.store import ClientStore, HubLink, NotPaired
from smarttouch.client.uploader import Uploader


@click.command()
@click.option(
    "--hub",
    "hub_url",
    default=None,
    help="Address of the hub, e.g. https://hub.example.org (not needed with a pairing link).",
)
@click.option("--label", default=None, help="Name of this computer as the therapist will see it.")
@click.argument("code")
def pair(hub_url: str | None, label: str | None, code: str) -> None:
    """Pair this computer with the hub: give the pairing LINK your therapist's page shows
    (https://.../pair/ABCD-3479), or --hub and the one-time CODE.

    The device token is stored in your user configuration folder, readable only by you.
    """
    if "://" in code:
        try:
            link_hub, code = parse_pairing_url(code)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        if hub_url is not None and normalise_hub_url(hub_url) != link_hub:
            raise click.ClickException(f"the pairing link is for {link_hub}, not {hub_url}")
        hub_url = link_hub
    if hub_url is None:
        raise click.ClickException("give the pairing link, or --hub and the code")
    store = ClientStore()
    try:
        client = HubClient(normalise_hub_url(hub_url))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        answer = client.pair(code, label or _platform.node()[:120])
    except HubRejected as exc:
        raise click.ClickException(exc.message) from None
    except HubError as exc:
        raise click.ClickException(f"could not pair: {exc.message}") from None
    finally:
        client.close()
    link = HubLink(
        hub_url=client.hub_url,
        token=answer["token"],
        device_id=answer["device_id"],
        patient_code=answer.get("patient_code", ""),
        paired_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    path = store.save_link(link)
    click.echo(
        f"Paired with {client.hub_url} as patient {link.patient_code} "
        f"(device {link.device_id}, token {answer.get('token_prefix', '')}...). "
        f"Saved in {path}."
    )


def _age(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M")


@click.command()
@click.option("--upload", "upload_now", is_flag=True, help="Try to upload the waiting sessions now.")
@click.option(
    "--retry-rejected",
    is_flag=True,
    help="Also send again the sessions the hub refused (after a fix on either side).",
)
@click.option("--all", "show_all", is_flag=True, help="Also list the sessions already uploaded.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (one JSON object).")
def outbox(upload_now: bool, retry_rejected: bool, show_all: bool, as_json: bool) -> None:
    """Show the sessions waiting to be uploaded to the hub (and upload them with --upload)."""
    store = ClientStore()
    box = Outbox(store.outbox_path)
    report = None
    if upload_now or retry_rejected:
        try:
            link = store.load_link()
        except NotPaired as exc:
            raise click.ClickException(str(exc)) from None
        box.retry_now(include_rejected=retry_rejected)
        client = HubClient(link.hub_url, link.token)
        try:
            report = Uploader(box, client).flush()
        finally:
            client.close()
    items = box.items() if show_all else [i for i in box.items() if i.status != "sent"]
    if as_json:
        click.echo(
            json.dumps(
                {
                    "counts": box.counts(),
                    "uploaded_now": report.uploaded if report else [],
                    "items": [
                        {
                            "session_id": i.session_id,
                            "status": i.status,
                            "summary": i.summary,
                            "hub_url": i.hub_url,
                            "attempts": i.attempts,
                            "last_error": i.last_error,
                            "hub_id": i.hub_id,
                            "created_at": i.created_at,
                            "recording_bytes": i.recording_bytes,
                        }
                        for i in items
                    ],
                }
            )
        )
        return
    if report is not None:
        click.echo(
            f"uploaded {len(report.uploaded)}, refused {len(report.rejected)}, "
            f"still waiting {len(report.failed)}"
        )
        if report.token_error:
            click.echo(f"the hub refused this computer: {report.token_error}")
    if not items:
        click.echo("outbox empty: every session is on the hub")
        return
    now = time.time()
    for i in items:
        if i.status == "pending":
            state = "waiting" if i.next_attempt_at <= now else f"retry in {int(i.next_attempt_at - now)} s"
        else:
            state = i.status
        line = f"{_age(i.created_at)}  {i.session_id[:8]}  {state:<14} {i.summary}"
        if i.last_error and i.status != "sent":
            line += f"  [{i.attempts} attempt(s): {i.last_error}]"
        click.echo(line)
