"""``POST /api/v1/messages/read``: the game showed the therapist's messages (they travel
with today's plan, ``TodayPlan.messages``, so they are cached with it for offline play)."""

from __future__ import annotations

from ..services.clinic import messages
from ..storage.db import get_session
from .auth import current_patient, device_required, json_ok
from .document import DEVICE_TOKEN
from .message_schemas import MessagesRead, MessagesReadOut
from .routes import _json_body, api


@api.route(
    "/messages/read",
    "POST",
    summary="Mark the therapist's messages shown by the game as read",
    body=MessagesRead,
    responses={200: ("How many became read", MessagesReadOut)},
    security=DEVICE_TOKEN,
    errors=(400, 401, 415),
    tags=("plan",),
)
@device_required
def messages_read():
    """The patient saw the therapist's messages up to ``up_to_id`` before the session."""
    data = _json_body(MessagesRead)
    marked = messages.mark_read_on_device(get_session(), patient=current_patient(), up_to_id=data.up_to_id)
    return json_ok(MessagesReadOut(marked=marked))
