"""Entry point. `--version` is answered before Typer is imported: it is the hot path of scripts."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from bootstrap import __version__

        print(f"bootstrap {__version__}")
        return
    from bootstrap.cli import run

    sys.exit(run())


if __name__ == "__main__":
    main()
