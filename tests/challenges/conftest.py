"""Fixtures of the challenges room: a small bundle, a sandbox, built-in cache in tmp."""

from __future__ import annotations

from pathlib import Path

import pytest

from smarttouch.challenges.bundle import load_bundle
from smarttouch.challenges.sandbox import Sandbox, SandboxUnavailable
from tests.challenges.helpers import make_bundle


@pytest.fixture(scope="session")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_bundle(tmp_path_factory.mktemp("bundle") / "test-reps")


@pytest.fixture(scope="session")
def challenge(bundle_dir: Path):
    return load_bundle(bundle_dir)


@pytest.fixture(scope="session")
def sandbox() -> Sandbox:
    try:
        return Sandbox()
    except SandboxUnavailable as exc:  # pragma: no cover - bubblewrap is a test dependency
        pytest.skip(f"bubblewrap sandbox unavailable: {exc}")


@pytest.fixture(autouse=True)
def _builtin_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Built-in bundles go to one cache per test session, never the user's cache."""
    root = tmp_path_factory.getbasetemp() / "challenge-cache"
    monkeypatch.setenv("SMARTTOUCH_CHALLENGE_CACHE", str(root))
