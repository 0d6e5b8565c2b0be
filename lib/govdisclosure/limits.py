"""Limits on what one input may cost: bytes on disk, seconds and memory while it is read.

Folders as analysts keep them hold files that would otherwise take unbounded time or memory:
a download that is really a device or a pipe, a Word file whose XML inflates to gigabytes, a
"number" of a million digits glued to a label (which once cost 227 s and 19 GB).  Every file is
read under these limits; a file that reaches one is refused or recorded as failed with the
limit named, and the other files go on.

The limits are far above what real reports need: the largest bundled report (a 225 KB
Word-exported HTML page) reads in 0.1 s and 150 MB; a 50 MB text file in 0.7 s and 360 MB.
"""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from typing import Iterator

MiB = 2 ** 20
# bytes on disk: text, HTML and Markdown are decoded whole; PDF and DOCX may carry images
MAX_TEXT_BYTES = 64 * MiB
MAX_FILE_BYTES = 128 * MiB
# DOCX: the XML parts inflated (python-docx parses them whole, about ten times their size in memory)
MAX_DOCX_XML_BYTES = 32 * MiB
# reading and checking one file
FILE_SECONDS = 120.0
FILE_MEMORY_BYTES = 2 * 2 ** 30
# rendering one report (the notebook and its HTML)
RENDER_SECONDS = 600.0
RENDER_MEMORY_BYTES = 3 * 2 ** 30


class TimeLimitExceeded(BaseException):
    """A file took longer than its time limit.

    A ``BaseException`` (like ``KeyboardInterrupt``) so that no ``except Exception`` on the
    way mistakes it for the file's own error.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        super().__init__(f"stopped after {seconds:g} s (the time limit for one file)")


def _address_space() -> int | None:
    """This process's virtual memory size in bytes (Linux), None where unknown."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`TimeLimitExceeded` in this thread after ``seconds`` (SIGALRM).

    Only in the main thread of a POSIX process (signals are delivered there); elsewhere, and
    with ``seconds`` None, it does nothing: the batch's parent process still watches its
    workers (see :mod:`.batch`).  Python code is interrupted between bytecodes; a long call into
    C ends first.
    """
    usable = (seconds and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def expire(signum, frame):
        raise TimeLimitExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def memory_limit(extra_bytes: int | None) -> Iterator[None]:
    """Let this process grow by at most ``extra_bytes`` of address space (``RLIMIT_AS``) inside
    the block: an allocation beyond raises :class:`MemoryError` instead of exhausting the
    machine.  Restored afterwards; a no-op where the limit cannot be set."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    current = _address_space()
    if not extra_bytes or current is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    target = current + extra_bytes
    if hard != resource.RLIM_INFINITY:
        target = min(target, hard)
    if soft != resource.RLIM_INFINITY and soft <= target:
        yield  # already limited at least as tightly
        return
    try:
        resource.setrlimit(resource.RLIMIT_AS, (target, hard))
    except (ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextmanager
def file_limits(seconds: float | None = FILE_SECONDS, memory: int | None = FILE_MEMORY_BYTES) -> Iterator[None]:
    """:func:`time_limit` and :func:`memory_limit` together: the limits one file is read under."""
    with memory_limit(memory), time_limit(seconds):
        yield


def die_with_parent() -> None:
    """Linux: end this (worker) process when the process that started it ends, even by
    ``kill -9`` — no worker outlives its batch.  Elsewhere a no-op."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        parent = os.getppid()
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the call: nothing will signal us
            os._exit(1)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass

