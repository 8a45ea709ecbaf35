"""Render the okta-login drop-ins and rc blocks from the Jinja2 templates, quoting per shell.

Values reach the templates already validated; the `sh` and `fish` filters quote them for the target shell
so that even an unexpected character can never run as code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from bootstrap import __version__, tool, validate
from bootstrap.errors import BootstrapError
from bootstrap.org import Org

if TYPE_CHECKING:
    import jinja2

SHELLS = ("bash", "zsh", "fish")
BEGIN_MARKER = "# >>> bootstrap okta-login >>>"
END_MARKER = "# <<< bootstrap okta-login <<<"


def sh_quote(value: str) -> str:
    """Quote for bash/zsh: single quotes, each ' written as '\\''."""
    if "\0" in value:
        raise BootstrapError(f"value {value!r} contains a NUL byte, which no shell can hold")
    return "'" + value.replace("'", "'\\''") + "'"


# Words fish_indent itself leaves unquoted; quoting them would fail the fish_indent round trip.
_FISH_BARE = re.compile(r"^[A-Za-z0-9_/][A-Za-z0-9_/-]*$")


def fish_quote(value: str) -> str:
    """Quote for fish: inside single quotes only \\ and ' are special."""
    if "\0" in value:
        raise BootstrapError(f"value {value!r} contains a NUL byte, which no shell can hold")
    if _FISH_BARE.match(value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def templates_dir() -> Path:
    """Inside an installed wheel the templates sit in the package; in a checkout, at the repo top."""
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).parent.parent / "templates"


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # shell code, not HTML: quoting is done by the filters
        # `{#` is Jinja's comment start but also shell's `${#var}` (string length).
        comment_start_string="{##",
        comment_end_string="##}",
    )
    env.filters["sh"] = lambda v: sh_quote(str(v))
    env.filters["fish"] = lambda v: fish_quote(str(v))
    return env


def _render(name: str, **context: object) -> str:
    import jinja2

    try:
        return _environment().get_template(name).render(**context)
    except jinja2.TemplateNotFound:
        raise BootstrapError(
            f"template {name} is missing from {templates_dir()}",
            "reinstall bootstrap (the templates ship inside the package)",
        ) from None


@dataclass(frozen=True)
class LoginSettings:
    """Everything the okta-login function needs; validated on construction."""

    user: str
    role: str
    org: Org
    # How okta-login calls aws-okta-processor (tool.command_word): found where setup runs.
    tool: str = field(default_factory=tool.command_word)

    def __post_init__(self) -> None:
        validate.user(self.user)
        validate.role(self.role)


def render_dropin(shell: str, settings: LoginSettings) -> str:
    if shell not in SHELLS:
        raise BootstrapError(f"--shell: unsupported shell {shell!r}: use bash, zsh or fish")
    org = settings.org
    return _render(
        f"okta-login.{shell}.j2",
        version=__version__,
        user=settings.user,
        role=settings.role,
        roles=list(org.roles),
        organization=org.organization,
        application=org.application,
        account_id=org.account_id,
        duration=org.duration_seconds,
        env_prefix=validate.env_prefix(org.env_prefix),
        sign_in_url=org.sign_in_url or "",
        tool=settings.tool,
    )


def render_fish_loader(function_file: Path, home: Path) -> str:
    try:
        word = '"$HOME"/' + fish_quote(str(function_file.relative_to(home)))
    except ValueError:
        word = fish_quote(str(function_file))
    return _render("okta-login-loader.fish.j2", version=__version__, function_file=word)


def shell_path_word(path: Path, home: Path) -> str:
    """A bash/zsh word for `path`: relative to $HOME when under it, so the rc file stays portable."""
    try:
        rel = path.relative_to(home)
    except ValueError:
        return sh_quote(str(path))
    return '"${HOME}"/' + sh_quote(str(rel))


def render_block(dropin: Path, home: Path, bash_only: bool = False) -> str:
    """The managed block for an rc file: it only sources the drop-in, and only if it is readable."""
    if str(dropin).startswith("/nix/store/"):
        # A store path breaks after garbage collection; never bake one into a user's file.
        raise BootstrapError(f"refusing to reference a /nix/store path in an rc file: {dropin}")
    text = _render("rc-block.sh.j2", dropin=shell_path_word(dropin, home), bash_only=bash_only)
    assert text.startswith(BEGIN_MARKER) and text.rstrip("\n").endswith(END_MARKER)
    return text
