"""Absurd ids in URLs are 404s, never a database overflow (found by fuzzing the API)."""

from __future__ import annotations

import pytest

HUGE = 9223372036854775808  # 2**63: overflows SQLite and PostgreSQL integers


@pytest.mark.parametrize(
    "role,path",
    [
        ("developer", f"/submissions/{HUGE}"),
        ("therapist", f"/patients/{HUGE}"),
        ("therapist", f"/sessions/{HUGE}"),
        ("therapist", f"/needs/{HUGE}"),
    ],
)
def test_huge_ids_are_not_found(client, login_as, role: str, path: str) -> None:
    login_as(role)
    response = client.get(path)
    assert response.status_code == 404


def test_largest_valid_id_still_routes(client, login_as) -> None:
    login_as("therapist")
    assert client.get(f"/patients/{2**31 - 1}").status_code == 404
    assert client.get(f"/patients/{2**31}").status_code == 404
