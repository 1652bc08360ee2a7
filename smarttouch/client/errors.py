"""The error of hub play (``smarttouch play`` with the hub)."""


class PlayError(RuntimeError):
    """Something stops hub play; the message tells the patient what to do."""
