"""What ``--exec`` accepts, read into a Request (no CLI, no STS)."""
import types

import pytest

from awscli_mfa_plugin.errors import ChildCommandError, UsageError
from awscli_mfa_plugin.request.parse import Request, check, _exec_command


def request(**values):
    return Request(names=values.pop("names", ()), selected_profile="dev",
                   **values)


def test_the_command_is_what_follows_the_dashes():
    parsed = types.SimpleNamespace(exec=True)
    assert _exec_command(parsed, ["aws", "--region", "x"]) == (
        "aws", "--region", "x")
    assert _exec_command(parsed, None) == ()
    assert _exec_command(types.SimpleNamespace(exec=False), None) is None
    with pytest.raises(UsageError, match="What follows -- is a command"):
        _exec_command(types.SimpleNamespace(exec=False), ["true"])


@pytest.mark.parametrize("values, message", [
    (dict(exec_command=()), "--exec needs the command"),
    (dict(exec_command=("true",), names=("a", "b")), "one profile's"),
    (dict(exec_command=("true",), every=True), "one profile's"),
    (dict(exec_command=("true",), no_server=True, exec_port="1"),
     "--exec-port is the port"),
    (dict(no_server=True), "--no-server goes with --exec"),
    (dict(exec_port="8125"), "--exec-port goes with --exec"),
    (dict(exec_command=("true",), credential_process=True),
     "--credential-process and --exec cannot be used together"),
])
def test_combinations_that_mean_nothing_are_refused(values, message):
    with pytest.raises(UsageError, match=message):
        check(request(**values))


def test_exec_renews_itself_like_a_credential_process():
    assert request(exec_command=("true",)).renews_itself
    assert request(credential_process=True).renews_itself
    assert not request().renews_itself
    check(request(exec_command=("true",), no_server=True))


def test_no_command_is_a_usage_error_with_its_status():
    with pytest.raises(ChildCommandError) as raised:
        check(request(exec_command=()))
    assert raised.value.exit_code == 252
