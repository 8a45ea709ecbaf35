"""Atomic, mode-preserving file writes and a cross-process lock."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bootstrap.errors import BootstrapError


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace `path` with `data`: a temp file in the same directory, fsync, rename.

    A crash leaves either the old or the new file, never a mix. Without `mode`, an existing file keeps its
    permission bits; a new one gets 0644 (0600 for private files is the caller's choice).
    """
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".bootstrap-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # directory fsync makes the rename durable; best effort
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def ensure_private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)


@contextlib.contextmanager
def locked(lock_path: Path, what: str = "another `bootstrap` run") -> Iterator[None]:
    """Hold an exclusive lock so two setup/uninstall runs never interleave their edits.

    `uninstall` deletes the lock file (and the directory) while holding the lock; a run that was waiting
    then holds a lock on a deleted file, which guards nothing: it starts over on the current file.
    """
    while True:
        ensure_private_dir(lock_path.parent)
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except FileNotFoundError:
            continue  # the directory was removed between mkdir and open
        try:
            _acquire(fd, lock_path, what)
            try:
                current = os.stat(lock_path)
            except FileNotFoundError:
                current = None
            mine = os.fstat(fd)
        except BaseException:
            os.close(fd)
            raise
        if current is not None and (current.st_dev, current.st_ino) == (mine.st_dev, mine.st_ino):
            break
        os.close(fd)
    try:
        yield
    finally:
        os.close(fd)


def _acquire(fd: int, lock_path: Path, what: str) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        # Wait for the other run instead of failing: it finishes in well under a second.
        import signal

        def _timeout(_sig: int, _frame: object) -> None:
            raise TimeoutError

        old = signal.signal(signal.SIGALRM, _timeout)
        signal.alarm(30)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except TimeoutError:
            raise BootstrapError(
                f"{what} holds {lock_path} for over 30 s",
                "wait for it to finish, or remove the lock file if no bootstrap is running",
            ) from None
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
