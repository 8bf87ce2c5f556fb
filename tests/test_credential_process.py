"""``--credential-process``: the JSON another profile's ``credential_process`` runs.

The real CLI resolves ``[profile viaproc]`` by running the real
``aws mfa-switch --profile dev --credential-process`` (this virtualenv's
``aws``, by absolute path) as botocore does: stdout and stderr are pipes,
stdin and the controlling terminal are inherited.
"""
import configparser
import datetime
import io
import json
import os
import subprocess

import pexpect

from tests.awsenv import AWS
from tests.codes.test_prompt_pty import Terminal

UTC = datetime.timezone.utc
ROLE_ARN_END = ":assumed-role/AccessToTestDev/alice"


def viaproc(aws, *extra):
    """Add a profile whose credentials come from mfa-switch."""
    command = " ".join([AWS, "mfa-switch", "--profile", "dev",
                        "--credential-process", *extra])
    with open(aws.config, "a") as handle:
        handle.write(f"\n[profile viaproc]\ncredential_process = {command}\n"
                     "region = eu-west-1\n")


def stored(aws):
    parser = configparser.RawConfigParser()
    parser.read(aws.credentials)
    return dict(parser.items("dev")) if parser.has_section("dev") else None


def run_without_terminal(aws, *args, input="", **env):
    """Run ``aws`` in a new session: no controlling terminal, as under a CI job."""
    return subprocess.run([AWS, *args], input=input, capture_output=True,
                          text=True, env=aws.env(**env), timeout=120,
                          start_new_session=True)


def switch(aws, *extra):
    result = aws.run("mfa-switch", "--profile", "dev",
                     "--token-code", aws.code(), *extra)
    assert result.returncode == 0, result.stderr


def test_json_is_all_that_goes_to_stdout(aws):
    switch(aws)
    values = stored(aws)
    result = run_without_terminal(aws, "mfa-switch", "--profile", "dev",
                                  "--credential-process")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "Version": 1,
        "AccessKeyId": values["aws_access_key_id"],
        "SecretAccessKey": values["aws_secret_access_key"],
        "SessionToken": values["aws_session_token"],
        "Expiration": values["expiration"],
    }
    assert values["aws_secret_access_key"] not in result.stderr


def test_silent_on_stderr_when_it_keeps_and_when_it_switches(aws):
    # Terraform and other SDK users are shown a credential process's stderr.
    switched = run_without_terminal(aws, "mfa-switch", "--profile", "dev",
                                    "--credential-process", "--token-code",
                                    aws.code())
    assert switched.returncode == 0, switched.stderr
    assert switched.stderr == ""
    assert json.loads(switched.stdout)["Version"] == 1
    kept = run_without_terminal(aws, "mfa-switch", "--profile", "dev",
                                "--credential-process")
    assert kept.returncode == 0, kept.stderr
    assert kept.stderr == ""
    assert kept.stdout == switched.stdout


def test_a_failure_is_still_one_sentence(aws):
    result = run_without_terminal(aws, "mfa-switch", "--profile", "nope",
                                  "--credential-process")
    assert result.returncode == 253
    assert result.stderr.count("\n") == 1 and "nope" in result.stderr


def test_the_cli_uses_stored_credentials_through_the_profile_without_a_prompt(aws):
    switch(aws)
    viaproc(aws)
    before = aws.credentials.read_bytes(), os.stat(aws.credentials).st_mtime_ns
    result = run_without_terminal(aws, "sts", "get-caller-identity",
                                  "--profile", "viaproc")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Arn"].endswith(ROLE_ARN_END)
    assert (aws.credentials.read_bytes(),
            os.stat(aws.credentials).st_mtime_ns) == before


def test_aws_profile_naming_the_process_profile_does_not_recurse(aws):
    # The child inherits AWS_PROFILE=viaproc; its own --profile dev wins.
    switch(aws)
    viaproc(aws)
    result = run_without_terminal(aws, "sts", "get-caller-identity",
                                  AWS_PROFILE="viaproc")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Arn"].endswith(ROLE_ARN_END)


def test_without_a_terminal_a_needed_code_fails_with_one_sentence(aws):
    viaproc(aws)
    before = aws.credentials.read_bytes()
    # A code on stdin must not be taken: stdin belongs to the SDK.
    result = run_without_terminal(aws, "sts", "get-caller-identity",
                                  "--profile", "viaproc", input=aws.code() + "\n")
    assert result.returncode != 0
    assert result.stdout == ""
    assert ("need a new MFA code and there is no terminal to ask for it on; "
            "run 'aws mfa-switch --profile dev' in a terminal first.") \
        in result.stderr
    assert "Traceback" not in result.stderr
    assert aws.credentials.read_bytes() == before


def test_credentials_near_expiry_are_renewed_before_the_sdk_would_refresh(aws):
    # 10 minutes left: enough for a plain switch, not for an SDK that
    # refreshes process credentials 15 minutes ahead.
    switch(aws)
    text = aws.credentials.read_text()
    expiration = stored(aws)["expiration"]
    soon = datetime.datetime.now(UTC) + datetime.timedelta(minutes=10)
    aws.credentials.write_text(
        text.replace(expiration, f"{soon:%Y-%m-%dT%H:%M:%SZ}"))
    assert aws.run("mfa-switch", "--profile", "dev").returncode == 0
    result = run_without_terminal(aws, "mfa-switch", "--profile", "dev",
                                  "--credential-process", "--min-remaining", "300")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Expiration"] == f"{soon:%Y-%m-%dT%H:%M:%SZ}"
    # Renewed for the SDK - from the MFA session the switch kept, so no
    # code is needed even without a terminal.
    result = run_without_terminal(aws, "mfa-switch", "--profile", "dev",
                                  "--credential-process")
    assert result.returncode == 0, result.stderr
    renewed = json.loads(result.stdout)["Expiration"]
    assert renewed > f"{soon + datetime.timedelta(minutes=30):%Y-%m-%dT%H:%M:%SZ}"


def test_a_refresh_prompts_on_the_terminal_and_the_json_stays_off_it(aws):
    viaproc(aws)
    transcript = io.StringIO()  # everything the terminal showed
    child = Terminal(pexpect.spawn(
        AWS, ["sts", "get-caller-identity", "--profile", "viaproc"],
        env=aws.env(), encoding="utf-8", timeout=60, dimensions=(24, 120)))
    child.child.logfile_read = transcript
    child.expect("MFA code for " + aws.account.serial_number)
    child.expect(r"changes in\s+\d+ s")
    child.send(aws.code() + "\r")
    child.expect(pexpect.EOF)
    child.close()
    shown = transcript.getvalue()
    assert child.exitstatus == 0, shown
    assert json.loads(shown[shown.index("{"):])["Arn"].endswith(ROLE_ARN_END)
    values = stored(aws)
    assert values["managed_by"] == "mfa-switch"
    for secret in ('"Version"', "SecretAccessKey", values["aws_access_key_id"],
                   values["aws_secret_access_key"], values["aws_session_token"]):
        assert secret not in shown
