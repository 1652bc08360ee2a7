"""How the hub's long-running processes use memory: :func:`keep_freed_memory`.

Both kinds of process handle one recording after another: a hub process reads each upload's
body (a 2-minute session is about 0.6 MB) and inflates its arrays to check them; a scoring
worker reads the blob, inflates it and runs the analysis. Each request or job allocates a few
MB of sub-MB buffers and frees them all at its end. glibc's defaults serve blocks from 128 kB
up by ``mmap`` and give a heap top larger than about twice the largest block freed so far back
to the system, so every request faulted its buffers in again page by page (about 250 page
faults per upload check and 500 per scored session, measured on the 2-core bench machine).
"""

from __future__ import annotations

import ctypes
import ctypes.util

#: glibc's mallopt parameters (``malloc.h``)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: blocks below this come from the heap (glibc's default starts at 128 kB)
MMAP_THRESHOLD_BYTES = 16 * 2**20
#: free memory at the heap's top kept for the next request or job, up to this
TRIM_THRESHOLD_BYTES = 64 * 2**20


def keep_freed_memory() -> bool:
    """Make glibc's allocator keep freed memory in this process for the next request or job
    instead of handing it back after each one (the heap stays at its high-water mark, tens of
    MB); returns whether it could (not glibc: nothing is changed). Called by a scoring
    worker's warm-up and by a hub process at start (:mod:`smarttouch.platform.wsgi`)."""
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )


__all__ = ["MMAP_THRESHOLD_BYTES", "TRIM_THRESHOLD_BYTES", "keep_freed_memory"]
