"""The run registry: one row per run, in ``.labrails/registry.sqlite``.

It answers "has this exact run (same config, same code) already completed?", "which crashed run of this
identity left a checkpoint?" and "which run started last?" without scanning the run directories, and it is
what the guard reads. Rows are only ever added or updated, never dropped.

Why SQLite (standard library ``sqlite3``), in WAL mode, with one short transaction per change:

- The cost of a start does not grow with the experiment. The JSON registry it replaces was read, scanned
  and rewritten whole (with fsync) on every start and every finish; here a start is one indexed lookup of
  its identity and one row insert, a finish one row update.
- Many processes. A write takes SQLite's write lock for the length of one transaction (a start holds it
  while it makes its directory and writes run.json, so the claim and run.json land together); readers are
  never blocked in WAL mode. A waiting writer says which process holds the lock (``registry.holder``) and
  gives up after ``LABRAILS_LOCK_TIMEOUT`` seconds with an error naming it.
- Crashes. A transaction is atomic and durable (``synchronous=FULL``): a process killed mid-write leaves
  the previous state, no temporary file, and SQLite releases the lock of a dead process by itself.
- Network filesystems. WAL needs shared memory between the processes, which NFS, Lustre, GPFS, CIFS and
  the like cannot give; there the registry uses SQLite's rollback journal, which locks through ``fcntl``
  byte-range locks that these filesystems implement in their protocols (``flock`` they often do not).
  ``LABRAILS_REGISTRY_JOURNAL=wal|delete`` overrides the detection.
- An append-only log plus an index was the alternative: it needs the same lock for its index and a
  compaction step, and a reader would have to replay it; SQLite is that log (the WAL) with the index built in.

Versions: ``PRAGMA user_version`` is the layout (2; version 1 was ``registry.json``). An existing
registry.json is migrated on first use and kept beside it as ``registry.json.migrated`` (never deleted).
Each row is stored whole as JSON next to the indexed columns, so rows keep any extra field a caller adds
(a review's verdict, its signature, ...).

Rebuilding (``labrails runs --rebuild``) recreates the rows from the run directories: a registry that
cannot be read is moved aside (kept), never overwritten. A status is never upgraded from a run's own files:
a run whose run.json says completed keeps the status its registry row had, or becomes ``unverified`` when
there was no row; failed and crashed outcomes are taken from the files.
"""

from __future__ import annotations

import json
import os
import time

from labrails.core.errors import LabrailsError, RunAlreadyCompleted

# typing.TYPE_CHECKING without importing typing, which the hook path avoids.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable, Iterable
    from pathlib import Path
    from typing import Any

VERSION = 2
APPLICATION_ID = 0x4C627267  # "Lbrg": marks the file as a labrails registry
FILE = "registry.sqlite"
LEGACY = "registry.json"
HOLDER = "registry.holder"
JOURNAL_ENV = "LABRAILS_REGISTRY_JOURNAL"
FINAL = ("completed", "failed", "crashed")
UNVERIFIED = "unverified"
REBUILD_FIX = ("labrails runs --rebuild  (moves the unreadable registry aside, kept, and rebuilds it from "
               "the run directories)")
_NETWORK_FS = ("nfs", "nfs4", "cifs", "smb3", "smbfs", "lustre", "gpfs", "beegfs", "ceph", "glusterfs",
               "fuse.sshfs", "fuse.glusterfs", "9p", "afs", "panfs", "wekafs")
_SCHEMA = (
    "CREATE TABLE runs ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"  # the order runs were registered in: no clock involved
    " run TEXT NOT NULL UNIQUE, identity TEXT, status TEXT, profile TEXT,"
    " row TEXT NOT NULL)",  # the whole row as JSON
    "CREATE INDEX runs_identity ON runs(identity)",
    "CREATE INDEX runs_status ON runs(status)",
    f"PRAGMA application_id = {APPLICATION_ID}",
    f"PRAGMA user_version = {VERSION}",
)


def registry_path(state: Path | str) -> str:
    return os.path.join(str(state), FILE)


def legacy_path(state: Path | str) -> str:
    return os.path.join(str(state), LEGACY)


class RegistryCorrupt(LabrailsError):
    """The registry file is not a registry this labrails can read."""

    def __init__(self, path: str, what: str):
        super().__init__(f"the run registry is unreadable: {what}", path=path, fix=REBUILD_FIX)


# ------------------------------------------------------------------------------------------- reading
def _uri(path: str, **params: str) -> str:
    quoted = path.replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    return "file:" + quoted + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def _sqlite_error(exc: Exception, path: str) -> LabrailsError:
    """What a sqlite3 error means for the user: a corrupt file, a full or read-only disk, or a busy lock."""
    code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    if code in (11, 26):  # SQLITE_CORRUPT, SQLITE_NOTADB
        return RegistryCorrupt(path, str(exc))
    if code == 10 and _disk_full(path):  # SQLITE_IOERR: making the shared-memory file on a full disk
        code = 13
    if code == 10:
        return LabrailsError(f"the run registry could not be read or written: {exc}", path=path,
                             fix="check that filesystem (free space, dmesg, mount state), then retry")
    if code == 13:  # SQLITE_FULL
        return LabrailsError(f"cannot write the run registry: the disk is full ({exc})", path=path,
                             fix="free space on that filesystem, then re-run")
    if code in (3, 8, 14, 23):  # SQLITE_PERM, SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_AUTH
        if _read_only_fs(path):
            return LabrailsError(f"cannot write the run registry: the filesystem is read-only ({exc})", path=path,
                                 fix="run from a writable copy of the experiment, or remount it read-write")
        return LabrailsError(f"cannot open the run registry for writing ({exc})", path=path,
                             fix="make the experiment's .labrails/ folder writable by you, or run from a writable copy")
    if code in (5, 6):  # SQLITE_BUSY, SQLITE_LOCKED
        return LabrailsError(f"the run registry stayed locked ({exc})", path=path,
                             fix="another labrails process is writing it; retry, or stop a stuck process")
    return LabrailsError(f"the run registry failed: {exc}", path=path, fix=REBUILD_FIX)


def _disk_full(path: str) -> bool:
    try:
        st = os.statvfs(os.path.dirname(path) or ".")
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < 64 * 1024


def _read_only_fs(path: str) -> bool:
    try:
        return bool(os.statvfs(os.path.dirname(path) or ".").f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _check_layout(con: sqlite3.Connection, path: str) -> bool:
    """True when the file holds a registry; False when it is still empty; raises when it is something else."""
    app_id = con.execute("PRAGMA application_id").fetchone()[0]
    version = con.execute("PRAGMA user_version").fetchone()[0]
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables and app_id == 0 and version == 0:
        return False
    if app_id != APPLICATION_ID or "runs" not in tables:
        raise RegistryCorrupt(path, "it is an SQLite database, but not a labrails registry")
    if version > VERSION:
        raise LabrailsError(f"registry layout {version} is newer than this labrails understands ({VERSION})",
                            path=path, fix="upgrade labrails (pip install -U labrails)")
    return True


def _open_read(path: str) -> sqlite3.Connection | None:
    """A read-only connection, or None when there is no registry file (or it was never written)."""
    import sqlite3

    if not os.path.isfile(path):
        return None
    try:
        con = sqlite3.connect(_uri(path, mode="ro"), uri=True, isolation_level=None)
        con.execute("PRAGMA busy_timeout = 5000")
        try:
            ready = _check_layout(con, path)
        except sqlite3.OperationalError as exc:
            if (exc.sqlite_errorcode & 0xFF) not in (8, 10, 13, 14):
                raise
            # A read-only or full filesystem: a WAL reader cannot make its shared-memory file, so read the
            # database file as it is (without the changes of a writer killed before its WAL was merged).
            con.close()
            con = sqlite3.connect(_uri(path, immutable="1"), uri=True, isolation_level=None)
            ready = _check_layout(con, path)
    except sqlite3.Error as exc:
        raise _sqlite_error(exc, path) from None
    if not ready:
        con.close()
        return None
    return con


def _decode(text: str, path: str) -> dict[str, Any]:
    try:
        row = json.loads(text)
    except ValueError:
        raise RegistryCorrupt(path, "a row is not valid JSON") from None
    if not isinstance(row, dict):
        raise RegistryCorrupt(path, "a row is not a mapping")
    return row


def read_legacy(state: Path | str) -> dict[str, dict[str, Any]] | None:
    """The rows of a registry.json (layout 1), or None when there is none; raises when it is not one."""
    path = legacy_path(state)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LabrailsError(f"cannot read the run registry ({exc.strerror})", path=path, fix=REBUILD_FIX) from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise RegistryCorrupt(path, f"not valid JSON ({exc})") from None
    if isinstance(data, dict) and isinstance(data.get("version", 1), int) and data.get("version", 1) > 1:
        raise LabrailsError(f"registry version {data['version']} is newer than this labrails understands",
                            path=path, fix="upgrade labrails (pip install -U labrails)")
    runs = data.get("runs") if isinstance(data, dict) else None
    if not isinstance(runs, dict):
        shape = type(runs).__name__ if isinstance(data, dict) else type(data).__name__
        raise RegistryCorrupt(path, f"expected {{\"version\": 1, \"runs\": {{name: row}}}}, found a {shape}")
    for name, row in runs.items():
        if not isinstance(row, dict):
            raise RegistryCorrupt(path, f"the row of {name!r} is a {type(row).__name__}, not a mapping")
        row.setdefault("run", name)
    return runs


def read_rows(state: Path | str, where: str = "", args: tuple = ()) -> dict[str, dict[str, Any]]:
    """Rows (name -> row) in registration order, optionally filtered by an SQL condition on the columns.

    The guard's reader: imports sqlite3 only here, writes nothing, works on a read-only experiment.
    """
    path = registry_path(state)
    con = _open_read(path)
    if con is None:
        rows = read_legacy(state) or {}
        return _filter_legacy(rows, where, args) if where else rows
    import sqlite3

    try:
        cursor = con.execute(f"SELECT row FROM runs {('WHERE ' + where) if where else ''} ORDER BY seq", args)
        found = [_decode(r[0], path) for r in cursor]
    except sqlite3.Error as exc:
        raise _sqlite_error(exc, path) from None
    finally:
        con.close()
    return {row["run"]: row for row in found}


def _filter_legacy(rows: dict[str, dict[str, Any]], where: str, args: tuple) -> dict[str, dict[str, Any]]:
    # The few conditions this module asks, for a registry.json not yet migrated: "col = ?" joined by AND,
    # or "col IN (?, ...)".
    import sqlite3

    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE runs (seq INTEGER PRIMARY KEY, run TEXT, identity TEXT, status TEXT, profile TEXT, row TEXT)")
    con.executemany("INSERT INTO runs (run, identity, status, profile, row) VALUES (?, ?, ?, ?, ?)",
                    [_columns(r) for r in rows.values()])
    keep = {r[0] for r in con.execute(f"SELECT run FROM runs WHERE {where}", args)}
    return {k: v for k, v in rows.items() if k in keep}


def _columns(row: dict[str, Any]) -> tuple:
    return (row["run"], row.get("identity"), row.get("status"), row.get("profile"), json.dumps(row, default=str))


# ------------------------------------------------------------------------------------------- writing
def _on_network_fs(path: str) -> bool:
    mode = os.environ.get(JOURNAL_ENV, "").lower()
    if mode in ("wal", "delete"):
        return mode == "delete"
    try:
        with open("/proc/mounts", encoding="utf-8") as fh:
            mounts = [line.split()[1:3] for line in fh if len(line.split()) > 2]
    except OSError:
        return False
    real = os.path.realpath(path)
    best, fstype = "", ""
    for mount, kind in mounts:
        mount = mount.replace("\\040", " ")
        if (real == mount or real.startswith(mount.rstrip("/") + "/")) and len(mount) >= len(best):
            best, fstype = mount, kind
    return fstype in _NETWORK_FS


class _Writer:
    """One write transaction (BEGIN IMMEDIATE ... COMMIT) on the registry, waiting politely for the lock."""

    def __init__(self, state: Path | str, timeout: float):
        self.state = str(state)
        self.path = registry_path(state)
        self.timeout = timeout
        self.migrated = False

    def __enter__(self) -> sqlite3.Connection:
        import sqlite3

        from labrails.core.fsutil import disk_errors

        with disk_errors(self.state):
            os.makedirs(self.state, exist_ok=True)
        try:
            self.con = sqlite3.connect(self.path, isolation_level=None, timeout=0)
            self.con.execute("PRAGMA busy_timeout = 200")
            _check_layout(self.con, self.path)  # before changing anything in a file that may not be ours
            mode = "DELETE" if _on_network_fs(self.path) else "WAL"
            if self.con.execute("PRAGMA journal_mode").fetchone()[0].upper() != mode:
                self._begin_wait(lambda: self.con.execute(f"PRAGMA journal_mode = {mode}"))
            self.con.execute("PRAGMA synchronous = FULL")
            self._begin_wait(lambda: self.con.execute("BEGIN IMMEDIATE"))
        except sqlite3.Error as exc:
            self._close_quietly()
            raise _sqlite_error(exc, self.path) from None
        except BaseException:
            self._close_quietly()
            raise
        self._note_holder()
        try:
            if not _check_layout(self.con, self.path):
                self._create()
        except BaseException:
            self._rollback()
            raise
        return self.con

    def _close_quietly(self) -> None:
        con = getattr(self, "con", None)
        if con is not None:
            con.close()

    def _begin_wait(self, attempt: Callable[[], Any]) -> None:
        import sqlite3

        deadline = time.monotonic() + self.timeout
        told = False
        while True:
            try:
                attempt()
                return
            except sqlite3.OperationalError as exc:
                if (exc.sqlite_errorcode & 0xFF) not in (5, 6):
                    raise
            if not told:
                told = True
                import sys

                print(f"labrails: waiting for the run registry {self.path}, held by {self._holder()} "
                      f"(up to {self.timeout:.0f} s)", file=sys.stderr)
            if time.monotonic() >= deadline:
                from labrails.core.fsutil import LOCK_TIMEOUT_ENV

                raise LabrailsError(
                    f"gave up after {self.timeout:.0f} s waiting for the run registry, held by {self._holder()}",
                    path=self.path, fix=f"if that process is stuck, stop it; or wait longer with {LOCK_TIMEOUT_ENV}=SECONDS")

    def _holder(self) -> str:
        try:
            with open(os.path.join(self.state, HOLDER), encoding="utf-8") as fh:
                return fh.read().strip() or "another process"
        except OSError:
            return "another process"

    def _note_holder(self) -> None:
        # Informational only (who a waiter waits for); the lock itself is SQLite's.
        import socket

        note = f"pid {os.getpid()} on {socket.gethostname()} since {time.strftime('%H:%M:%S')}\n".encode()
        try:
            fd = os.open(os.path.join(self.state, HOLDER), os.O_WRONLY | os.O_CREAT, 0o644)
            try:
                os.pwrite(fd, note.ljust(96), 0)
            finally:
                os.close(fd)
        except OSError:
            pass

    def _create(self) -> None:
        """First use: make the tables, and bring in a registry.json if there is one (kept as a backup)."""
        legacy = read_legacy(self.state)
        for statement in _SCHEMA:
            self.con.execute(statement)
        rows = sorted((legacy or {}).values(), key=lambda r: (r.get("started_ts") or 0, r["run"]))
        self.con.executemany("INSERT INTO runs (run, identity, status, profile, row) VALUES (?, ?, ?, ?, ?)",
                             [_columns(r) for r in rows])
        self.migrated = legacy is not None

    def _rollback(self) -> None:
        try:
            self.con.execute("ROLLBACK")
        except Exception:
            pass
        self.con.close()

    def __exit__(self, exc_type, exc, tb) -> bool:
        import sqlite3

        if exc_type is not None:
            self._rollback()
            if isinstance(exc, sqlite3.Error):
                raise _sqlite_error(exc, self.path) from None
            return False
        try:
            self.con.execute("COMMIT")
        except sqlite3.Error as err:
            self._rollback()
            raise _sqlite_error(err, self.path) from None
        self.con.close()
        if self.migrated:
            _keep_legacy(self.state, "migrated")
        return False


def _keep_legacy(state: str, why: str) -> str | None:
    """Move registry.json aside (never deleted) once its rows live in the SQLite registry."""
    src = legacy_path(state)
    if not os.path.exists(src):
        return None
    dest = f"{src}.{why}"
    n = 1
    while os.path.exists(dest):
        n += 1
        dest = f"{src}.{why}-{n}"
    try:
        os.replace(src, dest)
    except FileNotFoundError:  # another process moved it first
        return None
    return dest


def _get(con: sqlite3.Connection, path: str, run: str) -> dict[str, Any] | None:
    found = con.execute("SELECT row FROM runs WHERE run = ?", (run,)).fetchone()
    return _decode(found[0], path) if found else None


def _put(con: sqlite3.Connection, row: dict[str, Any]) -> None:
    con.execute(
        "INSERT INTO runs (run, identity, status, profile, row) VALUES (?, ?, ?, ?, ?) ON CONFLICT(run) DO UPDATE SET "
        "identity = excluded.identity, status = excluded.status, profile = excluded.profile, row = excluded.row",
        _columns(row))


class Registry:
    """The registry of one experiment, given its state folder (``.labrails/``)."""

    def __init__(self, state: Path | str, *, timeout: float | None = None):
        self.state = state
        self.path = registry_path(state)
        self._timeout = timeout

    def _write(self) -> _Writer:
        from labrails.core.fsutil import lock_timeout

        return _Writer(self.state, lock_timeout() if self._timeout is None else self._timeout)

    # ------------------------------------------------------------------ reads
    def rows(self) -> dict[str, dict[str, Any]]:
        return read_rows(self.state)

    def get(self, run: str) -> dict[str, Any] | None:
        return read_rows(self.state, "run = ?", (run,)).get(run)

    def find(self, *, identity: str | None = None, status: Iterable[str] | None = None) -> list[dict[str, Any]]:
        where, args = [], []
        if identity is not None:
            where.append("identity = ?")
            args.append(identity)
        if status is not None:
            wanted = list(status)
            where.append(f"status IN ({', '.join('?' * len(wanted))})")
            args.extend(wanted)
        return list(read_rows(self.state, " AND ".join(where), tuple(args)).values())

    def latest(self, runs_dir: Path | str) -> str | None:
        """The run registered last whose directory still has its run.json (start order, not the clock)."""
        path = self.path
        con = _open_read(path)
        if con is None:
            return None
        import sqlite3

        try:
            for (name,) in con.execute("SELECT run FROM runs ORDER BY seq DESC"):
                if os.path.isfile(os.path.join(str(runs_dir), name, "run.json")):
                    return name
        except sqlite3.Error as exc:
            raise _sqlite_error(exc, path) from None
        finally:
            con.close()
        return None

    # ------------------------------------------------------------------ writes
    def claim(self, create: Callable[[], dict[str, Any]], *, identity: str, force: bool,
              runs_dir: Path | str) -> dict[str, Any]:
        """Refuse a run identical to one that completed (or is alive now), then register ``create()``'s row.

        ``create`` makes the run directory and writes its run.json; it runs inside the write transaction,
        so the claim, the directory and run.json appear together (and concurrent starts serialise).
        A 'running' row whose process is gone is marked crashed here and does not block.
        """
        from labrails.core.runinfo import row_is_dead

        with self._write() as con:
            for other in self._same_identity(con, identity):
                earlier = os.path.join(str(runs_dir), other["run"])
                status = other.get("status")
                if status == "running" and row_is_dead(other, earlier):
                    other.update(status="crashed", crashed_seen_at=time.time())
                    _put(con, other)
                    continue
                if force or not os.path.isdir(earlier):
                    continue
                if status == "completed":
                    raise RunAlreadyCompleted(identity, earlier)
                if status == "running":
                    raise LabrailsError(
                        f"an identical run ({identity}) is running now: {earlier} (pid {other.get('pid')} on {other.get('host')})",
                        fix="wait for it (tail -f its logs/train.log), or pass --force to run a second copy")
            row = create()
            _put(con, row)
            from labrails.core.fsutil import fault  # (the guard reads the registry without fsutil)

            fault("registry-write")
            return row

    def _same_identity(self, con: sqlite3.Connection, identity: str) -> list[dict[str, Any]]:
        return [_decode(r[0], self.path) for r in con.execute("SELECT row FROM runs WHERE identity = ? ORDER BY seq", (identity,))]

    def update(self, run_name: str, /, **fields: Any) -> None:
        """Merge ``fields`` into a run's row (made if missing); fields other writers added are kept."""
        with self._write() as con:
            row = _get(con, self.path, run_name) or {"run": run_name}
            row.update(fields)
            _put(con, row)

    def refresh(self, runs_dir: Path | str) -> dict[str, str]:
        """Mark 'running' rows whose process is gone as crashed (or as their files say). Writes rows only.

        Returns {run name: new status} for the rows that changed.
        """
        from labrails.core.runinfo import observed_status

        changed: dict[str, dict[str, Any]] = {}
        for row in self.find(status=["running"]):
            status, error = observed_status(os.path.join(str(runs_dir), row["run"]), row)
            if status not in ("running", "completed"):  # never upgrade a row from the files alone
                changed[row["run"]] = {"status": status}
                if error:  # the same (type, message) pair registry_row() records
                    changed[row["run"]]["error"] = (error.get("type"), error.get("message"))
        if changed:
            with self._write() as con:
                for name, fields in changed.items():
                    row = _get(con, self.path, name)
                    if row is not None and row.get("status") == "running":
                        row.update(fields)
                        _put(con, row)
        return {name: fields["status"] for name, fields in changed.items()}

    def rebuild(self, runs_dir: Path | str) -> dict[str, Any]:
        """Recreate the rows from the run directories; see the module's docstring for what is kept.

        Returns what happened: {"runs": n, "moved_aside": [paths], "unverified": [names], "missing_dir": [names]}.
        """
        from labrails.core.runinfo import rebuilt_row, scan_run_dirs

        report: dict[str, Any] = {"moved_aside": [], "unverified": [], "missing_dir": []}
        old = self._readable_rows(report)
        found = scan_run_dirs(runs_dir)
        rows = {name: rebuilt_row(info, old.get(name), run_dir) for name, (run_dir, info) in found.items()}
        for name, row in old.items():
            if name not in rows:
                rows[name] = {**row, "missing_dir": True}
                report["missing_dir"].append(name)
        report["unverified"] = [n for n, r in rows.items() if r.get("status") == UNVERIFIED]
        report["runs"] = len(found)
        with self._write() as con:
            known = {r[0] for r in con.execute("SELECT run FROM runs")}
            ordered = sorted(rows.values(), key=lambda r: (r["run"] in known, r.get("started_ts") or 0, r["run"]))
            for row in ordered:
                _put(con, row)
        _keep_legacy(str(self.state), "migrated")
        return report

    def _readable_rows(self, report: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The rows of whatever store is there now; an unreadable one is moved aside and counts as empty."""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        try:
            return read_rows(self.state)
        except RegistryCorrupt as exc:
            bad = str(exc.path)
        moved = []
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(bad + suffix):
                dest = f"{bad}.corrupt-{stamp}{suffix}"
                os.replace(bad + suffix, dest)
                moved.append(dest)
        report["moved_aside"] = moved
        if bad.endswith(FILE):  # the SQLite file was bad; a registry.json may still be readable
            try:
                return read_legacy(self.state) or {}
            except RegistryCorrupt as exc:
                dest = _keep_legacy(str(self.state), f"corrupt-{stamp}")
                report["moved_aside"].append(dest)
                del exc
        return {}


def rebuild_summary(report: dict[str, Any]) -> str:
    """What ``labrails runs --rebuild`` did, in words."""
    lines = [f"registry rebuilt from {report['runs']} run directories"]
    for path in report["moved_aside"]:
        lines.append(f"  the unreadable registry was moved aside, kept: {path}")
    if report["unverified"]:
        lines.append(f"  {len(report['unverified'])} run(s) say completed in their run.json but were not recorded as "
                     "completed in the registry: shown as 'unverified' (re-run them, or review them, to trust them)")
    if report["missing_dir"]:
        lines.append(f"  {len(report['missing_dir'])} registered run(s) have no directory any more (rows kept)")
    return "\n".join(lines)
