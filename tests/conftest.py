"""Shared fixtures: an isolated HOME for every test, and a loopback STS/IAM.

No test can reach the real ``~/.aws``: HOME points at a temporary folder
and every ``AWS_*`` variable is removed before each test.  End-to-end tests
run the real ``aws`` executable of this virtualenv against moto's server,
started once per session on a free port of 127.0.0.1 and always stopped.
"""
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests import awsenv, fakests

FIXTURES = Path(__file__).parent / "fixtures"


#: Fixtures that start the real ``aws`` or an STS stand-in.
E2E_FIXTURES = {"aws", "offline_aws", "sts", "moto_endpoint", "fake_sts",
                "one_time_sts", "switched"}


def pytest_collection_modifyitems(items):
    """Mark the end-to-end tests ``e2e``: ``make check`` leaves them out.

    A test is end-to-end when it uses one of :data:`E2E_FIXTURES` or runs
    programs itself (it imports ``subprocess`` or ``pexpect``).
    """
    for item in items:
        module = getattr(item, "module", None)
        starts = module is not None and any(
            name in vars(module) for name in ("subprocess", "pexpect"))
        if starts or E2E_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """Point HOME at a fresh folder; the rest of the environment is chosen.

    Every ``AWS_*`` and ``PYTHON*`` variable, the locale, the display and
    the desktop session are removed or set as :func:`awsenv.chosen` says,
    so a test passes or fails alike from a login shell, a developer's
    terminal or CI.  The folder is not inside ``tmp_path``, which stays
    empty for the test.
    """
    home = tmp_path_factory.mktemp("home")
    chosen = awsenv.chosen(os.environ)
    for name in list(os.environ):
        if name not in chosen:
            monkeypatch.delenv(name)
    for name, value in chosen.items():
        if os.environ.get(name) != value:
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", str(home))
    # Never wait for EC2 instance metadata on a machine without it.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return home


@pytest.fixture(scope="session")
def moto_endpoint():
    """moto's server on a free loopback port, for the whole test session."""
    server = awsenv.start_moto()
    try:
        yield awsenv.endpoint_of(server)
    finally:
        server.stop()


@pytest.fixture
def sts(moto_endpoint):
    """A clean loopback STS/IAM with one IAM user and a virtual MFA device."""
    urllib.request.urlopen(
        urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")
    ).read()
    return awsenv.seed_account(moto_endpoint)


@pytest.fixture
def aws(isolated_home, sts, moto_endpoint):
    """A throw-away AWS home with the plugin enabled, and a way to run ``aws``."""
    return awsenv.AwsHome(isolated_home, moto_endpoint, sts)


#: An account that exists nowhere: for runs against :class:`fakests.FakeSts`.
OFFLINE_ACCOUNT = awsenv.Account(
    access_key_id="AKIAOFFLINEEXAMPLE01",
    secret_access_key="offlineSourceSecretKeyExample000000000000",
    user_arn="arn:aws:iam::123456789012:user/alice",
    serial_number="arn:aws:iam::123456789012:mfa/alice",
    role_arn="arn:aws:iam::123456789012:role/AccessToTestDev",
    mfa_seed=b"12345678901234567890",
)


def _running(server):
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fake_sts():
    """A scripted STS on a free loopback port (see tests/fakests.py), stopped after."""
    yield from _running(fakests.FakeSts())


@pytest.fixture
def one_time_sts():
    """An STS that takes each one-time code once (see fakests.OneTimeSts), stopped after."""
    yield from _running(fakests.OneTimeSts())


@pytest.fixture
def offline_aws(isolated_home, fake_sts):
    """Like ``aws``, but every endpoint is the scripted STS instead of moto."""
    return awsenv.AwsHome(isolated_home, fake_sts.url, OFFLINE_ACCOUNT)
