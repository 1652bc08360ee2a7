"""A challenge manager authors a challenge in a real browser (headless Chromium), in Italian:
writes the need in Markdown and previews it, chooses the kind, its metric and simulator data,
sets the phases, creates the draft (its data built by the job), previews the page as developers
will see it and publishes it; a developer then finds it on /challenges. Screenshots go to
``test-artifacts/web/``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask

from tests.platform.browser_support import browser, expect, login, screenshot, shown  # noqa: F401

pytestmark = pytest.mark.browser


def test_a_manager_creates_previews_and_publishes_in_italian(
    app: Flask, live_server: str, browser: Any, factories: Any
) -> None:
    boss = factories.user("therapist", is_challenge_manager=True, locale="it")
    developer = factories.user("developer")
    today = dt.datetime.now(dt.UTC).date()
    context = browser.new_context(locale="it-IT", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, live_server, boss.email)
    page.get_by_role("link", name="Gestisci le sfide").click()
    page.get_by_role("link", name="Nuova sfida").click()
    page.get_by_label("Titolo").fill("Mani ferme")
    page.get_by_label("Indirizzo web").fill("mani-ferme")
    page.get_by_label("Riassunto in una riga").fill("Un gioco calmo che tollera il tremore.")
    page.get_by_label("Il bisogno (Markdown)").fill(
        "# Il bisogno\n\nI pazienti con Parkinson smettono dopo **due minuti**.\n\n* calma\n* precisione"
    )
    page.get_by_role("button", name="Anteprima della descrizione").click()
    preview = page.locator("section[aria-labelledby=preview-title]")
    assert preview.locator("strong").inner_text() == "due minuti"
    page.get_by_label("Tipo di soluzione").select_option("game")
    page.get_by_label("Metrica della classifica").select_option("rep_exact_rate")
    page.get_by_label("Generati dal simulatore di movimento integrato").check()
    page.get_by_label("Generatore del simulatore").select_option("shoulder-reach-game")
    page.locator("#opens_at").fill(today.isoformat())
    page.locator("#final_opens_at").fill((today + dt.timedelta(days=14)).isoformat())
    page.locator("#closes_at").fill((today + dt.timedelta(days=30)).isoformat())
    page.get_by_label("Squadra più numerosa").fill("3")
    screenshot(page, "manage-new-it")
    page.get_by_role("button", name="Crea la bozza").click()
    page.wait_for_url(f"{live_server}/manage/challenges/mani-ferme")
    assert "Bozza" in page.locator("#phase").inner_text()
    assert "2 registrazioni pubbliche" in page.locator("#data-status").inner_text()
    screenshot(page, "manage-detail-it")
    page.get_by_role("link", name="Anteprima come sviluppatore").click()
    shown(page.get_by_role("heading", name="Mani ferme", level=1))
    assert page.locator(".prose strong").inner_text() == "due minuti"
    screenshot(page, "manage-preview-it")
    page.get_by_role("link", name="Torna alla gestione della sfida").click()
    page.get_by_role("button", name="Pubblica").click()
    expect(page.locator("#phase")).to_contain_text("Fase di sviluppo")
    context.close()

    visitor = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    dev_page = visitor.new_page()
    login(dev_page, live_server, developer.email)
    dev_page.goto(f"{live_server}/challenges")
    dev_page.get_by_role("link", name="Mani ferme").click()
    shown(dev_page.get_by_role("heading", name="Mani ferme", level=1))
    assert "Largest team: 3" in dev_page.content()
    screenshot(dev_page, "manage-published-developer")
    visitor.close()


def test_a_manager_edits_a_draft_then_only_the_description_once_published(
    app: Flask, live_server: str, browser: Any, factories: Any
) -> None:
    from sqlmodel import Session

    from smarttouch.platform.jobs.queue import HubQueue
    from smarttouch.platform.models import User
    from smarttouch.platform.services.challenges import authoring
    from smarttouch.platform.storage.blobstore import get_blobstore
    from smarttouch.platform.storage.db import get_engine

    boss = factories.user("therapist", is_challenge_manager=True)
    today = dt.datetime.now(dt.UTC).date()
    midnight = dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC)
    with Session(get_engine(app)) as db:
        _, job = authoring.create_challenge(
            db,
            data=authoring.ChallengeInput(
                title="Steady hands",
                slug="steady-hands",
                kind="game",
                source="simulator",
                generator="shoulder-reach-game",
                primary_metric="rep_exact_rate",
                description_md="# The need\n\nA calm game.",
                opens_at=midnight,
                closes_at=midnight + dt.timedelta(days=30),
            ),
            actor=db.get(User, boss.id),
            blobs=get_blobstore(app),
        )
        assert job is not None
        HubQueue(app).run("challenge_data", str(job.id))
    page = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900}).new_page()
    login(page, live_server, boss.email)
    page.goto(f"{live_server}/manage/challenges/steady-hands")
    page.get_by_role("link", name="Edit the draft").click()
    assert page.get_by_label("Title").input_value() == "Steady hands"
    page.get_by_label("Title").fill("Steadier hands")
    page.locator("#closes_at").fill((today - dt.timedelta(days=2)).isoformat())
    page.get_by_role("button", name="Save the changes").click()
    assert page.locator("#closes_at-error").inner_text() == "The challenge must close after it opens."
    shown(page.get_by_text("Nothing was saved."))
    page.locator("#closes_at").fill((today + dt.timedelta(days=40)).isoformat())
    page.get_by_label("Largest team").fill("4")
    screenshot(page, "manage-edit-draft")
    page.get_by_role("button", name="Save the changes").click()
    page.wait_for_url(f"{live_server}/manage/challenges/steady-hands")
    shown(page.get_by_role("heading", name="Steadier hands", level=1))
    assert "Ready:" in page.locator("#data-status").inner_text()  # built again, with the new title
    page.get_by_role("button", name="Publish").click()
    page.get_by_role("link", name="Edit the description").click()
    shown(page.locator("#published-note"))
    assert page.get_by_label("Title").get_attribute("readonly") is not None
    page.get_by_label("The need (Markdown)").fill("# The need\n\nA calm game, **ten minutes** long.")
    page.get_by_role("button", name="Save the changes").click()
    page.wait_for_url(f"{live_server}/manage/challenges/steady-hands")
    shown(page.get_by_text("The changes are saved."))
    page.goto(f"{live_server}/challenges/steady-hands")
    assert page.locator(".prose strong").inner_text() == "ten minutes"
    screenshot(page, "manage-edit-published")
    page.context.close()
