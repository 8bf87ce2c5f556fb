"""What ``--exec`` accepts, read into a Request (no CLI, no STS)."""
import pytest

from awscli_mfa_plugin.errors import ChildCommandError, UsageError
from awscli_mfa_plugin.request import modes
from awscli_mfa_plugin.request.parse import Request, check, _exec_command


def request(**values):
    if values.get("exec_command") is not None:
        values["mode"] = "exec"
    return Request(names=values.pop("names", ()), selected_profile="dev",
                   **values)


def test_the_command_is_what_follows_the_dashes():
    exec_mode, switch = modes.BY_NAME["exec"], modes.BY_NAME["switch"]
    assert _exec_command(exec_mode, ["aws", "--region", "x"]) == (
        "aws", "--region", "x")
    assert _exec_command(exec_mode, None) == ()
    assert _exec_command(switch, None) is None
    with pytest.raises(UsageError, match="What follows -- is a command"):
        _exec_command(switch, ["true"])
    with pytest.raises(UsageError, match="--credential-process and --exec "
                       "cannot be used together"):
        modes.select({"--credential-process", "--exec"})


@pytest.mark.parametrize("values, message", [
    (dict(exec_command=()), "--exec needs the command"),
    (dict(exec_command=("true",), names=("a", "b")), "one profile's"),
    (dict(exec_command=("true",), every=True), "one profile's"),
    (dict(exec_command=("true",), no_server=True, exec_port="1"),
     "--exec-port is the port"),
    (dict(no_server=True), "--no-server goes with --exec"),
    (dict(exec_port="8125"), "--exec-port goes with --exec"),
])
def test_combinations_that_mean_nothing_are_refused(values, message):
    with pytest.raises(UsageError, match=message):
        check(request(**values))


def test_exec_renews_itself_like_a_credential_process():
    assert request(exec_command=("true",)).renews_itself
    assert request(mode="credential-process").renews_itself
    assert not request().renews_itself
    check(request(exec_command=("true",), no_server=True))


def test_no_command_is_a_usage_error_with_its_status():
    with pytest.raises(ChildCommandError) as raised:
        check(request(exec_command=()))
    assert raised.value.exit_code == 252
