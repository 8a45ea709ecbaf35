"""The managed block in a user's rc file: found by its markers at line start, rewritten in place.

Works on bytes so that everything outside the block (CRLF, no final newline, non-UTF-8) is kept exactly.
"""

from __future__ import annotations

import re
from pathlib import Path

from bootstrap.errors import BootstrapError
from bootstrap.render import BEGIN_MARKER, END_MARKER

_BEGIN = re.compile(rb"^" + re.escape(BEGIN_MARKER.encode()), re.MULTILINE)
_END = re.compile(rb"^" + re.escape(END_MARKER.encode()), re.MULTILINE)


def _line(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def find(data: bytes, path: Path) -> tuple[int, int] | None:
    """Byte span of our block (end includes the end marker's newline), None if absent.

    Duplicated or unbalanced markers raise, naming the file and the line numbers: guessing which block is
    ours could delete the user's code.
    """
    begins = [m.start() for m in _BEGIN.finditer(data)]
    ends = [m.start() for m in _END.finditer(data)]
    if not begins and not ends:
        return None
    if len(begins) == 1 and len(ends) == 1 and begins[0] < ends[0]:
        newline = data.find(b"\n", ends[0])
        return begins[0], (len(data) if newline < 0 else newline + 1)
    where = ", ".join(
        [f"begin marker at line {_line(data, b)}" for b in begins]
        + [f"end marker at line {_line(data, e)}" for e in ends]
    )
    raise BootstrapError(
        f"{path}: bootstrap's block markers are duplicated or unbalanced ({where})",
        f"remove the stray '{BEGIN_MARKER}' / '{END_MARKER}' lines by hand, then run again",
    )


def insert(data: bytes, block: str, path: Path) -> bytes:
    """`data` with our block replaced by `block`, or `block` appended when there is none."""
    new = block.encode("utf-8")
    span = find(data, path)
    if span is not None:
        start, end = span
        return data[:start] + new + data[end:]
    separator = b"" if not data or data.endswith(b"\n") else b"\n"
    return data + separator + new


def remove(data: bytes, path: Path) -> bytes:
    span = find(data, path)
    if span is None:
        return data
    start, end = span
    return data[:start] + data[end:]


def present(data: bytes, path: Path) -> bool:
    return find(data, path) is not None
