"""Pytest fixtures for the real peers (local Okta stand-in, moto STS server).

Registered by tests/conftest.py (`pytest_plugins = ["harness.fixtures"]`). Every server is
stopped by the fixture that started it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .aop import AopTarget, aop_target
from .okta import (
    DEFAULT_PASSWORD,
    DEFAULT_USER,
    BlackHole,
    OktaCA,
    OktaStandIn,
    OktaUser,
    refused_address,
)
from .sts import MotoSTS
from .sts_faults import STSStandIn


@pytest.fixture(scope="session")
def okta_ca(tmp_path_factory: pytest.TempPathFactory) -> OktaCA:
    """The session's throwaway CA; `.bundle_path` goes in REQUESTS_CA_BUNDLE."""
    return OktaCA(tmp_path_factory.mktemp("okta-ca"))


@pytest.fixture
def okta(okta_ca: OktaCA) -> Iterator[OktaStandIn]:
    """A running Okta stand-in with DEFAULT_USER / DEFAULT_PASSWORD (no MFA)."""
    with OktaStandIn(okta_ca, users=[OktaUser(DEFAULT_USER, DEFAULT_PASSWORD)]) as server:
        yield server


OktaFactory = Callable[..., OktaStandIn]


@pytest.fixture
def okta_factory(okta_ca: OktaCA) -> Iterator[OktaFactory]:
    """`okta_factory(**OktaStandIn kwargs)` → a running stand-in (session CA), stopped after."""
    started: list[OktaStandIn] = []

    def make(**kwargs: Any) -> OktaStandIn:
        kwargs.setdefault("users", [OktaUser(DEFAULT_USER, DEFAULT_PASSWORD)])
        server = OktaStandIn(okta_ca, **kwargs).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def sts_server() -> Iterator[MotoSTS]:
    """moto's STS for account 205810638802 (session-wide: it takes ~1 s to start)."""
    with MotoSTS() as server:
        yield server


@pytest.fixture
def aop(okta: OktaStandIn, sts_server: MotoSTS) -> AopTarget:
    """Arguments and environment that point aws-okta-processor at `okta` and `sts_server`."""
    return aop_target(okta, sts_server.url)


@pytest.fixture
def black_hole() -> Iterator[BlackHole]:
    """A loopback port that accepts connections and never answers."""
    with BlackHole() as server:
        yield server


@pytest.fixture
def refused_port() -> int:
    """A loopback port with no listener (connections are refused)."""
    return refused_address()[1]


@pytest.fixture
def untrusted_okta(tmp_path: Path) -> Iterator[OktaStandIn]:
    """An Okta stand-in whose certificate comes from a CA nobody trusts."""
    rogue = OktaCA(tmp_path / "rogue-ca")
    with OktaStandIn(rogue, users=[OktaUser(DEFAULT_USER, DEFAULT_PASSWORD)]) as server:
        yield server


@pytest.fixture
def sts_stand_in() -> Iterator[STSStandIn]:
    """A scripted STS endpoint: set `.status`, `.body` (see sts_faults), `.date_offset`."""
    with STSStandIn() as server:
        yield server
