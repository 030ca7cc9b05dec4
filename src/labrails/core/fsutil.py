"""Small file-system primitives the rest of labrails relies on to never lose data.

- ``write_atomic`` writes the whole new content first and then swaps it in with ``os.replace``, so a reader
  sees the old file or the new one, never half of one. Where the kernel offers ``O_TMPFILE`` (Linux, local
  filesystems) the content is written to an unnamed file that is linked under a temporary name only for the
  instant before the rename, so a process killed mid-write leaves nothing behind; elsewhere the temporary
  name carries the host and pid, and :func:`remove_stale_temps` clears the ones whose process is gone.
- ``locked`` is an exclusive advisory lock (``fcntl.flock``) on a side file that records who holds it:
  journal lines and approvals are written under it. A waiter says whom it waits for and gives up after a
  timeout (``LABRAILS_LOCK_TIMEOUT`` seconds, default 120) with an error naming the holder.
- ``append_line`` appends one line with O_APPEND and fsync, under the caller's lock.
- ``os_error`` turns what a full, read-only or forbidden disk raises into a LabrailsError naming the path.

When to fsync (``write_atomic(..., fsync=...)``). A process that is killed loses nothing either way (the page
cache outlives it); fsync matters only when the machine itself goes down, and each one costs a flush. So a
write is fsynced when it is the last word on something nothing else holds: a run's outcome (the outcome file
at the end, the final run.json, metrics.json), what a run started from and loaded (config.yaml, command.txt,
env.json, git.json, diff.patch, data.json, the split), appended records (journal, approvals, refusals, the
data pin) and the registry (SQLite, ``synchronous=FULL``). It is not fsynced when it will be rewritten before
it matters (run.json while the run is going: the claim, the heartbeat, record_data; the outcome file's
pre-allocation) or can be made again from the files above (README.txt, summary.json, review.json and
review.md, `labrails analyze`'s tables): a machine crash then costs at most such a file, and a crashed run
reads as crashed from the registry. ``write_atomic`` flushes once, after its temporary file is linked, so a
refused O_TMPFILE link (some sandboxes) costs no second flush; after one refusal it writes named files.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from labrails.core.errors import LabrailsError

try:  # POSIX; on other systems locking degrades to a no-op with a clear note in the docs
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

LOCK_TIMEOUT_ENV = "LABRAILS_LOCK_TIMEOUT"
FAULT_ENV = "LABRAILS_FAULT"  # names a point at which a test has this process kill itself: see fault()
DEFAULT_LOCK_TIMEOUT_S = 120.0
_TMP_SUFFIX = ".tmp"
_TMPFILE_LINK_REFUSED: list[int] = []  # errno of a refused O_TMPFILE link in this process (a sandbox, no /proc)

# What each disk-level failure means to the person who has to fix it.
_DISK_FIXES = {
    errno.ENOSPC: ("the disk is full", "free space on that filesystem (or move the experiment), then re-run"),
    errno.EDQUOT: ("the disk quota is exhausted", "free space within your quota, then re-run"),
    errno.EROFS: ("the filesystem is read-only", "run from a writable copy of the experiment, or remount it read-write"),
    errno.EACCES: ("permission denied", "make the experiment folder writable by you (ls -ld; chmod/chown), then re-run"),
    errno.EPERM: ("operation not permitted", "make the experiment folder writable by you (ls -ld; chmod/chown), then re-run"),
}


def os_error(exc: OSError, path: Path | str | None = None) -> LabrailsError | OSError:
    """The LabrailsError a full/read-only/forbidden disk deserves (naming the path), or ``exc`` itself."""
    known = _DISK_FIXES.get(exc.errno or 0)
    if known is None:
        return exc
    where = path if path is not None else (exc.filename or None)
    return LabrailsError(f"cannot write: {known[0]} ({exc.strerror})", path=where, fix=known[1])


@contextlib.contextmanager
def disk_errors(path: Path | str) -> Iterator[None]:
    """Re-raise ENOSPC/EROFS/EACCES/... inside the block as a LabrailsError naming ``path``."""
    try:
        yield
    except OSError as exc:
        err = os_error(exc, exc.filename or path)
        if err is exc:
            raise
        raise err from None


def fault(point: str) -> None:
    """SIGKILL this process when ``LABRAILS_FAULT`` names ``point``: how tests reproduce a crash at that instant.

    Points: ``after-mkdir``, ``write:<file name>`` (content written, not yet in place), ``registry-write``
    (row inserted, transaction not committed), ``after-claim`` (committed, nothing else written yet).
    """
    if os.environ.get(FAULT_ENV) == point:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def _hostname() -> str:
    import socket  # only writers need it; the hook imports this module's readers

    return socket.gethostname()


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{_hostname()}.{os.getpid()}.{time.monotonic_ns()}{_TMP_SUFFIX}")


def _write_fd(fd: int, data: bytes, fsync: bool) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    if fsync:
        os.fsync(fd)


def write_atomic(path: Path, text: str, *, make_parents: bool = True, fsync: bool = True) -> None:
    """Replace ``path`` with ``text`` atomically.

    ``make_parents=False`` refuses to recreate a missing folder (a run directory deleted under a running run
    must be reported, not silently remade): the FileNotFoundError reaches the caller.
    """
    path = Path(path)
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    tmpfile = getattr(os, "O_TMPFILE", 0)
    if tmpfile and not _TMPFILE_LINK_REFUSED:
        try:
            fd = os.open(path.parent, os.O_WRONLY | tmpfile, 0o644)
        except OSError as exc:
            if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                raise  # ENOENT here means the folder itself is gone
            fd = -1
        if fd >= 0:
            tmp = _temp_name(path)
            try:
                _write_fd(fd, data, False)
                fault(f"write:{path.name}")
                os.link(f"/proc/self/fd/{fd}", tmp)  # named only from here to the rename below
                if fsync:  # after the link, so a link that is refused costs no flush of content written again
                    os.fsync(fd)
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.ENOENT, errno.EXDEV, errno.EPERM) and not os.path.exists(tmp):
                    if os.path.isdir(path.parent):  # refused, not a folder gone: it will be refused again
                        _TMPFILE_LINK_REFUSED.append(exc.errno)
                    return _write_named(path, data, fsync)  # no /proc, or linking refused: the portable way
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            os.close(fd)
            _replace(tmp, path)
            return None
    return _write_named(path, data, fsync)


def _write_named(path: Path, data: bytes, fsync: bool) -> None:
    tmp = _temp_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        try:
            _write_fd(fd, data, fsync)
            fault(f"write:{path.name}")
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _replace(tmp, path)


def _replace(tmp: Path, path: Path) -> None:
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def remove_stale_temps(directory: Path) -> list[Path]:
    """Delete this host's temporary files in ``directory`` whose writing process is gone; return them."""
    from labrails.core.liveness import pid_alive

    host = _hostname()
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not (name.startswith(".") and name.endswith(_TMP_SUFFIX)):
            continue
        parts = name[: -len(_TMP_SUFFIX)].rsplit(".", 2)  # .NAME.HOST . PID . NS (a host name may hold dots)
        if len(parts) != 3 or not parts[0].endswith("." + host) or not parts[1].isdigit() or pid_alive(int(parts[1])):
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def write_json(path: Path, data: Any, **kw: Any) -> None:
    write_atomic(path, json.dumps(data, indent=2, sort_keys=False, default=str) + "\n", **kw)


def read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def lock_timeout() -> float:
    try:
        return float(os.environ.get(LOCK_TIMEOUT_ENV, DEFAULT_LOCK_TIMEOUT_S))
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT_S


def _holder(fh) -> str:
    with contextlib.suppress(OSError, ValueError):
        fh.seek(0)
        text = fh.read().strip()
        if text:
            return text
    return "another process"


@contextlib.contextmanager
def locked(lock_path: Path, *, timeout: float | None = None) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path``; the file says who holds it (``pid N on HOST since T``)."""
    lock_path = Path(lock_path)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    timeout = lock_timeout() if timeout is None else timeout
    with disk_errors(lock_path), open(lock_path, "a+", encoding="utf-8") as fh:
        if fcntl is not None:
            _acquire(fh, lock_path, timeout)
        try:
            with contextlib.suppress(OSError):
                fh.seek(0)
                fh.truncate()
                fh.write(f"pid {os.getpid()} on {_hostname()} since {time.strftime('%H:%M:%S')}\n")
                fh.flush()
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _acquire(fh, lock_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    delay, told = 0.005, False
    while True:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        if not told:
            told = True
            print(f"labrails: waiting for {lock_path}, held by {_holder(fh)} (up to {timeout:.0f} s)", file=sys.stderr)
        if time.monotonic() >= deadline:
            raise LabrailsError(
                f"gave up after {timeout:.0f} s waiting for the lock held by {_holder(fh)}",
                path=lock_path,
                fix=f"if that process is stuck, stop it; or wait longer with {LOCK_TIMEOUT_ENV}=SECONDS",
            )
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def append_line(path: Path, line: str) -> None:
    """Append ``line`` (newline added) durably; never rewrites what is already there."""
    path = Path(path)
    if not line.endswith("\n"):
        line += "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
