"""What a check returns, and the read-only context every check works from."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from bootstrap.org import Org
from bootstrap.userconfig import UserConfig

Status = Literal["ok", "warn", "fail", "skip"]
STATUSES: tuple[Status, ...] = ("ok", "warn", "fail", "skip")


@dataclass(frozen=True)
class Result:
    """What a check function returns; the runner adds the id and the time it took."""

    status: Status
    summary: str
    hint: str = ""  # for anything not ok: what to run or do
    details: Mapping[str, Any] = field(default_factory=dict)


def ok(summary: str, **details: Any) -> Result:
    return Result("ok", summary, "", details)


def warn(summary: str, hint: str, **details: Any) -> Result:
    return Result("warn", summary, hint, details)


def fail(summary: str, hint: str, **details: Any) -> Result:
    return Result("fail", summary, hint, details)


def skip(summary: str, hint: str, **details: Any) -> Result:
    return Result("skip", summary, hint, details)


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report (and one object of its JSON)."""

    id: str
    status: Status
    summary: str
    hint: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    duration_ms: int = 0


@dataclass(frozen=True)
class Timeouts:
    """Every wait has a limit: the whole doctor must end within `total` seconds with the network gone."""

    connect: float = 3.0  # HTTP connect (Okta, STS)
    read: float = 3.0  # HTTP read
    process: float = 5.0  # a fresh shell or `tool --version`
    check: float = 8.0  # one check, whatever it does
    total: float = 10.0  # the whole run


T = TypeVar("T")


class Memo:
    """Computes each key once, even when several checks ask at the same time (one GET to Okta serves both
    `net.okta` and `net.clock`). Exceptions are remembered and raised to every caller."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._values: dict[str, tuple[bool, Any]] = {}

    def get(self, key: str, compute: Callable[[], T]) -> T:
        with self._lock:
            key_lock = self._locks.setdefault(key, threading.Lock())
        with key_lock:
            if key not in self._values:
                try:
                    self._values[key] = (True, compute())
                except Exception as exc:  # noqa: BLE001 - replayed to every caller below
                    self._values[key] = (False, exc)
            good, value = self._values[key]
        if not good:
            raise value
        return value  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Inputs:
    """Everything the checks read, gathered once before they start. Checks never change it.

    `environ` is what the local checks inspect (PATH lookups, AWS_* variables, the fresh shells' environment).
    requests and botocore read the process environment themselves; in the CLI the two are the same.
    """

    environ: Mapping[str, str]
    home: Path
    offline: bool = False
    cfg: UserConfig | None = None  # None: no config.toml (setup has not run) or a broken one
    cfg_error: str = ""  # why config.toml could not be read
    cfg_hint: str = ""
    org: Org | None = None  # None: the org file is broken; checks that need it skip
    org_error: str = ""
    detected_shell: str = ""  # "" when the shell could not be told
    shell_error: str = ""
    timeouts: Timeouts = field(default_factory=Timeouts)
    memo: Memo = field(default_factory=Memo, compare=False, repr=False)

    @property
    def shell(self) -> str:
        """The shell okta-login is meant for: the configured one, else the detected one."""
        return (self.cfg.shell if self.cfg and self.cfg.shell else "") or self.detected_shell
