"""The command line is checked before anything is read, asked for or created.

Through the real ``aws mfa-switch`` and ``aws-mfa-switch``, against the
scripted STS: a malformed ``--token-code`` is refused whether or not the run
needs a code, ``--profile`` given twice is refused in one sentence that
shows the positional form, and ``aws-mfa-switch --help``/``-h`` answer with
the usage.
"""
import subprocess

import pytest

from tests import fakests
from tests.awsenv import AWS
from tests.conftest import OFFLINE_ACCOUNT
from tests.test_standalone import STANDALONE

USAGE = 252
ENTRIES = ("aws", "aws-mfa-switch")


def run(aws, which, *args):
    """``aws mfa-switch *args`` or ``aws-mfa-switch *args``, no terminal, stdin empty."""
    argv = [AWS, "mfa-switch"] if which == "aws" else [STANDALONE]
    return subprocess.run([*argv, *args], input="", capture_output=True,
                          text=True, env=aws.env(), timeout=120,
                          start_new_session=True)


def everything(folder):
    """Every path under ``folder`` (mfa-switch's own state included) and its bytes."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


def one_sentence(result, status):
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr


@pytest.fixture
def switched(offline_aws, fake_sts):
    """``[dev]`` holds credentials valid for an hour: no code is needed."""
    fake_sts.answer(fakests.assume_role_response(OFFLINE_ACCOUNT.role_arn))
    result = offline_aws.run("mfa-switch", "--profile", "dev",
                             "--token-code", "654321")
    assert result.returncode == 0, result.stderr
    fake_sts.requests.clear()
    return offline_aws


@pytest.mark.parametrize("which", ENTRIES)
@pytest.mark.parametrize("code", ["12345", "12a456", "1234567"])
def test_a_malformed_code_is_refused_when_none_is_needed(
        switched, fake_sts, which, code):
    before = everything(switched.dot_aws)
    result = run(switched, which, "--profile", "dev", "--token-code", code)
    one_sentence(result, USAGE)
    assert "The MFA code from --token-code is not six digits (0-9)." in result.stderr
    assert everything(switched.dot_aws) == before
    assert fake_sts.requests == []


@pytest.mark.parametrize("which", ENTRIES)
def test_a_malformed_code_creates_nothing(offline_aws, fake_sts, which):
    before = everything(offline_aws.dot_aws)
    result = run(offline_aws, which, "--profile", "dev", "--token-code", "12345")
    one_sentence(result, USAGE)
    assert everything(offline_aws.dot_aws) == before
    assert not (offline_aws.dot_aws / "cli").exists()


@pytest.mark.parametrize("which", ENTRIES)
@pytest.mark.parametrize("flags", [
    ("--profile", "dev", "--profile", "dev2"),
    ("--profile=dev", "--profile", "dev2"),
])
def test_two_profile_flags_are_refused_with_the_positional_form(
        offline_aws, fake_sts, which, flags):
    with offline_aws.config.open("a") as config:
        config.write(f"\n[profile dev2]\nmfa_role_arn = {OFFLINE_ACCOUNT.role_arn}\n"
                     "mfa_source_profile = default\n"
                     f"mfa_serial = {OFFLINE_ACCOUNT.serial_number}\n")
    fake_sts.answer(fakests.assume_role_response(OFFLINE_ACCOUNT.role_arn))
    before = everything(offline_aws.dot_aws)
    result = run(offline_aws, which, *flags, "--token-code", "123456")
    one_sentence(result, USAGE)
    shown = "aws mfa-switch dev dev2" if which == "aws" else "aws-mfa-switch dev dev2"
    assert "--profile is given more than once (dev, dev2)" in result.stderr
    assert shown in result.stderr
    assert everything(offline_aws.dot_aws) == before
    assert fake_sts.requests == []


def test_the_same_profile_flag_twice_is_one_profile(offline_aws, fake_sts):
    fake_sts.answer(fakests.assume_role_response(OFFLINE_ACCOUNT.role_arn))
    result = run(offline_aws, "aws", "--profile", "dev", "--profile", "dev",
                 "--token-code", "123456")
    assert result.returncode == 0, result.stderr
    assert "[dev]" in offline_aws.credentials.read_text()


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_the_standalone_answers_help_with_its_usage(offline_aws, fake_sts, flag):
    before = everything(offline_aws.dot_aws)
    result = run(offline_aws, "aws-mfa-switch", "--profile", "dev", flag)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: aws-mfa-switch [PROFILE ...]")
    for option in ("--token-code TOKEN_CODE", "--export [EXPORT]", "--clear",
                   "'aws-mfa-switch help'"):
        assert option in result.stdout
    assert result.stderr == ""
    assert everything(offline_aws.dot_aws) == before
    assert fake_sts.requests == []
