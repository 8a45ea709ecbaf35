"""moto's STS server on http://127.0.0.1:<port>, in a child process.

Why a child process: moto reads `MOTO_ACCOUNT_ID` from `os.environ` on every request
(`BaseResponse.get_current_account`), not at import. In-process, the variable would have to stay
set in the pytest process for the whole session and would silently move every other use of moto
(e.g. `mock_aws` in someone else's test) to our account. A child gets its own environment, cannot
be reached by the conftest's per-test environment edits, and dies with a plain SIGTERM.

Without `MOTO_ACCOUNT_ID`, AssumeRoleWithSAML stores the session in account 123456789012's
backend while GetCallerIdentity with the new keys looks in 205810638802's, and answers
`arn:aws:sts::123456789012:user/moto`.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from typing import Self

from .okta import _Background

DEFAULT_ACCOUNT_ID = "205810638802"

# Runs in the child: start moto on port 0, report the bound port, live until stdin closes
# (so the server also goes away if pytest is killed without running fixture teardown).
_CHILD = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
"""


class MotoSTS(_Background):
    """A running moto server whose STS answers for `account_id`."""

    def __init__(self, account_id: str = DEFAULT_ACCOUNT_ID, start_timeout: float = 30.0) -> None:
        self.account_id = account_id
        self.start_timeout = start_timeout
        self.startup_seconds: float | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._port: int | None = None

    def start(self) -> Self:
        if self._proc is not None:
            return self
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_"))}
        env["MOTO_ACCOUNT_ID"] = self.account_id
        begin = time.monotonic()
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
            start_new_session=True,  # keep terminal signals (Ctrl-C) for pytest itself
        )
        assert self._proc.stdout is not None
        # moto prints the port once it is listening; do not wait for ever on a broken child.
        ready, _, _ = select.select([self._proc.stdout], [], [], self.start_timeout)
        line = self._proc.stdout.readline() if ready else ""
        if not line.strip().isdigit():
            self.stop()
            raise RuntimeError(f"moto server did not start (got {line!r})")
        self._port = int(line)
        self.startup_seconds = time.monotonic() - begin
        return self

    def stop(self) -> None:
        proc, self._proc, self._port = self._proc, None, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("MotoSTS is not running")
        return self._port

    @property
    def url(self) -> str:
        """The value for AWS_ENDPOINT_URL_STS."""
        return f"http://127.0.0.1:{self.port}"
