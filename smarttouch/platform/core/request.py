"""The hub's request class: uploaded file parts stay in memory up to a few MiB.

werkzeug's default spools a part over 500 KiB to a temporary file on disk, so every
2-minute recording (about 570 KiB) was written to disk and read back before the upload
could even be validated. Parts up to :data:`MEMORY_PART_BYTES` now stay in memory (the API
caps the whole body at 32 MiB; web forms at their own limits); larger ones still spill.
"""

from __future__ import annotations

from tempfile import SpooledTemporaryFile
from typing import IO, cast

from flask import Request

#: A file part up to this size is kept in memory (a recording of about 15 minutes at 100 Hz).
MEMORY_PART_BYTES = 4 * 1024 * 1024


class HubRequest(Request):
    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return cast(IO[bytes], SpooledTemporaryFile(max_size=MEMORY_PART_BYTES, mode="rb+"))


__all__ = ["MEMORY_PART_BYTES", "HubRequest"]
