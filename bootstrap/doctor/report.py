"""Two views of one Diagnosis: text for people (✓ ! ✗ -, colour on a terminal), JSON for tools."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, TextIO

from bootstrap import __version__
from bootstrap.doctor.model import STATUSES, Check
from bootstrap.doctor.runner import Diagnosis

MARKS = {"ok": "✓", "warn": "!", "fail": "✗", "skip": "-"}
_COLORS = {"ok": "32", "warn": "33", "fail": "31", "skip": "2"}  # green, yellow, red, dim
_WORDS = {"ok": "ok", "warn": "warning", "fail": "failed", "skip": "skipped"}


def use_color(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _paint(text: str, code: str, color: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if color else text


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def _details_text(details: Mapping[str, Any]) -> str:
    lines = []
    for key, value in details.items():
        if key == "traceback":
            continue
        shown = json.dumps(value, default=str, ensure_ascii=False) if not isinstance(value, str) else value
        lines.append(f"{key}: {shown}")
    return "\n".join(lines)


def summary_line(diagnosis: Diagnosis) -> str:
    counts = ", ".join(f"{diagnosis.count(s)} {_WORDS[s]}" for s in STATUSES)
    mode = " (offline)" if diagnosis.offline else ""
    return f"{len(diagnosis.checks)} checks{mode}: {counts} in {diagnosis.duration_ms / 1000:.1f} s"


def to_text(diagnosis: Diagnosis, *, color: bool = False, verbose: bool = False) -> str:
    """One line per check, the hint under every non-ok line, a summary line at the end."""
    width = max((len(c.id) for c in diagnosis.checks), default=0)
    out = [f"bootstrap doctor {__version__}"]
    for check in diagnosis.checks:
        mark = _paint(MARKS[check.status], _COLORS[check.status], color)
        out.append(f"{mark} {check.id.ljust(width)}  {check.summary}")
        if check.status != "ok" and check.hint:
            first, _, rest = check.hint.partition("\n")
            out.append(f"    → {first}")
            if rest:
                out.append(_indent(rest, "      "))
        if verbose and check.details:
            out.append(_indent(_details_text(check.details), "      · "))
        if verbose and "traceback" in check.details:
            out.append(_indent(str(check.details["traceback"]).rstrip(), "      "))
    verdict = "something failed" if diagnosis.exit_code else "nothing failed"
    line = f"{summary_line(diagnosis)}: {verdict}"
    out.append(_paint(line, "31" if diagnosis.exit_code else "32", color))
    return "\n".join(out) + "\n"


def _check_json(check: Check) -> dict[str, Any]:
    return {
        "id": check.id,
        "status": check.status,
        "summary": check.summary,
        "hint": check.hint or None,
        "details": dict(check.details),
        "duration_ms": check.duration_ms,
    }


def to_json(diagnosis: Diagnosis) -> str:
    summary: dict[str, Any] = {s: diagnosis.count(s) for s in STATUSES}
    payload = {
        "version": __version__,
        "checks": [_check_json(c) for c in diagnosis.checks],
        "summary": {
            **summary,
            "total": len(diagnosis.checks),
            "offline": diagnosis.offline,
            "duration_ms": diagnosis.duration_ms,
            "exit_code": diagnosis.exit_code,
        },
    }
    return json.dumps(payload, indent=2, default=str, ensure_ascii=False) + "\n"
