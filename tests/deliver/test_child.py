"""The child of ``--exec``: what it sees, what it cannot reach, its signals and status."""
import datetime
import os
import signal
import subprocess
import sys
import textwrap

import pexpect
import pytest

from awscli_mfa_plugin.deliver import child
from awscli_mfa_plugin.deliver import endpoint as ep
from awscli_mfa_plugin.errors import ChildCommandError

UTC = datetime.timezone.utc
LONG_TERM = ("AKIALONGTERMEXAMPLE1", "longTermSecretThatMustNotBeUsed000000000")

USER_CONFIG = textwrap.dedent("""\
    [default]
    region = eu-west-1
    aws_access_key_id = AKIACONFIGKEYEXAMPL
    aws_secret_access_key = configSecretThatMustNotBeUsed00000000000
    s3 =
      max_concurrent_requests = 4
    [profile proc]
    credential_process = /bin/echo nope
    output = text
    [profile role]
    role_arn = arn:aws:iam::123456789012:role/R
    source_profile = default
    mfa_serial = arn:aws:iam::123456789012:mfa/alice
    [sso-session corp]
    sso_start_url = https://example.awsapps.com/start
    [profile sso]
    sso_session = corp
    sso_account_id = 123456789012
    sso_role_name = Admin
    region = us-east-1
    """)


def test_the_child_config_keeps_settings_and_drops_credential_sources():
    assert child.child_config(USER_CONFIG) == textwrap.dedent("""\
        [default]
        region = eu-west-1
        s3 =
          max_concurrent_requests = 4
        [profile proc]
        output = text
        [profile role]
        [profile sso]
        region = us-east-1
        """)


def test_the_environment_holds_no_credentials_of_its_own():
    environ = {"PATH": "/bin", "AWS_ACCESS_KEY_ID": "AKIA", "AWS_PROFILE": "x",
               "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t",
               "AWS_CONFIG_FILE": "/c", "AWS_SHARED_CREDENTIALS_FILE": "/k",
               "AWS_ENDPOINT_URL": "http://127.0.0.1:1"}
    env = child.environment(environ, "/tmp/c", "dev", "eu-west-1",
                            endpoint=("http://127.0.0.1:9/", "tok"))
    assert env == {
        "PATH": "/bin", "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_CONFIG_FILE": "/tmp/c",
        "BOTO_CONFIG": os.devnull, "MFA_SWITCH_PROFILE": "dev",
        "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9/",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": "tok"}


def test_the_variables_form_sets_keys_and_expiration():
    class Creds:
        access_key_id, secret_access_key, session_token = "ASIA1", "s", "t"
        expiration = datetime.datetime(2030, 1, 1, tzinfo=UTC)

    env = child.environment({}, os.devnull, "dev", credentials=Creds)
    assert env["AWS_CREDENTIAL_EXPIRATION"] == "2030-01-01T00:00:00Z"
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI" not in env
    assert "AWS_REGION" not in env


def _home_with_long_term_keys(home):
    dot_aws = home / ".aws"
    dot_aws.mkdir(exist_ok=True)
    (dot_aws / "config").write_text(USER_CONFIG)
    (dot_aws / "credentials").write_text(
        f"[default]\naws_access_key_id = {LONG_TERM[0]}\n"
        f"aws_secret_access_key = {LONG_TERM[1]}\n")
    (home / ".boto").write_text(
        f"[Credentials]\naws_access_key_id = {LONG_TERM[0]}\n"
        f"aws_secret_access_key = {LONG_TERM[1]}\n")
    return dot_aws / "config"


WHO = ("import boto3, os, sys\n"
       "profile = sys.argv[1] if len(sys.argv) > 1 else None\n"
       "c = boto3.Session(profile_name=profile).get_credentials()\n"
       "print(c.method, c.get_frozen_credentials().access_key,"
       " boto3.Session().region_name)\n")


@pytest.mark.parametrize("profile", [None, "proc", "role", "sso"])
def test_a_boto3_child_reaches_only_the_endpoint(isolated_home, profile):
    config = _home_with_long_term_keys(isolated_home)
    endpoint = ep.CredentialsEndpoint(lambda: Creds(), margin=1)
    endpoint.start()
    try:
        with child.Workspace(str(config)) as workspace:
            env = child.environment(
                dict(os.environ, AWS_ACCESS_KEY_ID=LONG_TERM[0],
                     AWS_SECRET_ACCESS_KEY=LONG_TERM[1], AWS_PROFILE="proc"),
                workspace.config, "dev", "eu-central-1",
                endpoint=(endpoint.url, endpoint.token))
            done = subprocess.run(
                [sys.executable, "-c", WHO] + ([profile] if profile else []),
                env=env, capture_output=True, text=True, timeout=60)
            folder = workspace.folder
    finally:
        endpoint.stop()
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["container-role", "ASIACHILDEXAMPLE0001",
                                   "eu-central-1"]
    assert not os.path.exists(folder)


class Creds:
    access_key_id = "ASIACHILDEXAMPLE0001"
    secret_access_key = "childSecret000000000000000000000000000000"
    session_token = "childToken"
    expiration = datetime.datetime.now(UTC) + datetime.timedelta(hours=1)


def test_a_missing_command_is_one_sentence_before_anything(tmp_path):
    with pytest.raises(ChildCommandError) as raised:
        child.check_command([], "/bin")
    assert raised.value.exit_code == 252
    with pytest.raises(ChildCommandError) as raised:
        child.check_command(["no-such-command-here"], str(tmp_path))
    assert (str(raised.value), raised.value.exit_code) == (
        "The command 'no-such-command-here' after --exec was not found on "
        "PATH; check its name, or give its path.", 127)
    script = tmp_path / "script"
    script.write_text("#!/bin/sh\n")
    with pytest.raises(ChildCommandError) as raised:
        child.check_command([str(script)], "/bin")
    assert raised.value.exit_code == 126
    child.check_command(["sh"], "/bin:/usr/bin")


PARENT = ("import os, sys\n"
          "from awscli_mfa_plugin.deliver import child\n"
          "sys.exit(child.run(sys.argv[1:], dict(os.environ)))\n")

TRAPPING = ("import os, signal, sys\n"
            "def got(n, f):\n"
            "    # os.write: the handler may interrupt print('ready') itself\n"
            "    os.write(1, f'got {signal.Signals(n).name}\\n'.encode())\n"
            "    os._exit(7)\n"
            "signal.signal(signal.SIGTERM, got)\n"
            "signal.signal(signal.SIGINT, got)\n"
            "print('ready', flush=True)\n"
            "signal.pause()\n")


@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGINT])
def test_signals_sent_to_the_command_reach_the_child(sent):
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, sys.executable, "-c", TRAPPING],
        stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert parent.stdout.readline() == "ready\n"
        parent.send_signal(sent)
        assert parent.wait(timeout=30) == 7
        assert parent.stdout.read() == f"got {sent.name}\n"
    finally:
        parent.kill()
        parent.stdout.close()


@pytest.mark.parametrize("script, status", [
    ("import sys; sys.exit(3)", 3),
    ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", 137),
])
def test_the_exit_status_is_the_childs(script, status):
    assert subprocess.run([sys.executable, "-c", PARENT, sys.executable,
                           "-c", script], timeout=30).returncode == status


COUNTING = ("import os, signal, sys\n"
            "count = []\n"
            "# os.write: the handler may interrupt the print below\n"
            "signal.signal(signal.SIGINT, lambda n, f: count.append(n) or"
            " os.write(1, f'INT {len(count)}\\n'.encode()))\n"
            "os.write(1, f'tty {os.isatty(0)} "
            "{os.tcgetpgrp(0) == os.getpgrp()}\\n'.encode())\n"
            "sys.stdin.readline()\n"
            "print('total', len(count), flush=True)\n")


def test_the_terminal_is_the_childs_and_ctrl_c_arrives_once():
    run = pexpect.spawn(sys.executable, ["-c", PARENT, sys.executable, "-c",
                                         COUNTING], encoding="utf-8",
                        timeout=30)
    try:
        run.expect("tty True True")
        run.sendintr()
        run.expect("INT 1")
        run.sendline("end")
        run.expect("total (\\d+)")
        assert run.match.group(1) == "1"
        run.expect(pexpect.EOF)
    finally:
        run.close()
    assert run.exitstatus == 0


FOREGROUND = ("from awscli_mfa_plugin.deliver import child\n"
              "print('foreground', child._in_foreground(child._terminal_fd()))\n")


def test_terminal_signals_are_not_sent_twice_from_the_foreground():
    # Ctrl-C at the terminal reaches the whole foreground group, child
    # included; the command passes it on only when it is not there (the
    # kernel may merge two SIGINTs, so the count above cannot tell).
    run = pexpect.spawn(sys.executable, ["-c", FOREGROUND], encoding="utf-8",
                        timeout=30)
    run.expect("foreground (\\w+)")
    assert run.match.group(1) == "True"
    run.expect(pexpect.EOF)
    alone = subprocess.run([sys.executable, "-c", FOREGROUND],
                           capture_output=True, text=True,
                           start_new_session=True, timeout=30)
    assert alone.stdout == "foreground False\n"
