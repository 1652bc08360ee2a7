"""The ONE OpenAPI document of ``/api/v1``: the device API (``api``) and the challenge API
(``challenge_api``) both register their operations here; ``GET /api/v1/openapi.json`` serves it.

Two bearer-token security schemes, one per kind of caller:

* ``deviceToken`` - a patient's paired computer (``stt_...``, from ``POST /pair``), scoped to
  that one patient;
* ``developerToken`` - a developer's personal API token (``stp_...``, from the profile page).
"""

from __future__ import annotations

from .openapi import ApiDocument, SecurityScheme

API_VERSION = "1.0.0"
DEVICE_TOKEN = "deviceToken"
DEVELOPER_TOKEN = "developerToken"

API_DOCUMENT = ApiDocument(
    title="SmartTouch hub API",
    version=API_VERSION,
    description=(
        "Patients' home clients (device token): pairing, today's plan, session upload, "
        "progress, approved game packages. Developers (personal API token): challenge "
        "leaderboards, submissions and their status. Errors are JSON: "
        '{"error": {"code", "message"}}. See docs/api.md and docs/hub-challenges.md.'
    ),
    security_schemes={
        DEVICE_TOKEN: SecurityScheme(
            DEVICE_TOKEN,
            "device token of a paired patient computer, from POST /pair: Authorization: Bearer stt_...",
        ),
        DEVELOPER_TOKEN: SecurityScheme(
            DEVELOPER_TOKEN,
            "a developer's personal API token from the profile page: Authorization: Bearer stp_...",
        ),
    },
)
