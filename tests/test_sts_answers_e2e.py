"""STS's answers are checked whole before anything is written or believed.

The scripted STS (tests/fakests.py) answers with crafted successes; the
real ``aws`` must end each run in one sentence, with every file under
``~/.aws`` as it was.  What earlier runs stored is read with the same
suspicion: an expiration no clock can reach makes nobody crash.  The
error catalogue (tests/test_errors_e2e.py) has the AssumeRole cases.
"""
import configparser
import re
import subprocess

import pytest

from tests import fakests
from tests.awsenv import BIN
from tests.test_errors_e2e import snapshot

ROLE = "arn:aws:sts::123456789012:assumed-role/AccessToTestDev/alice"
STANDALONE = str(BIN / "aws-mfa-switch")
RFC3339_UTC = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def one_sentence(result):
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr


def test_identity_answer_without_arn_writes_nothing(offline_aws, fake_sts):
    aws = offline_aws
    fake_sts.answer(fakests.session_token_response(),
                    fakests.caller_identity_response(arn=fakests.OMIT))
    before = snapshot(aws.dot_aws)
    result = aws.run("mfa-switch", "--profile", "session", "--token-code", "123456")
    assert result.returncode == 255
    assert result.stderr.strip() == (
        "STS answered with no usable Arn for the caller's identity; nothing "
        "was written.")
    assert snapshot(aws.dot_aws) == before
    assert fake_sts.actions() == ["GetSessionToken", "GetCallerIdentity"]


def test_native_profile_gets_no_cache_entry_from_a_bad_answer(offline_aws,
                                                              fake_sts):
    """The AWS CLI's cache would hand the answer to every later command."""
    aws = offline_aws
    with open(aws.config, "a") as config:
        config.write(f"\n[profile native]\nrole_arn = {aws.account.role_arn}\n"
                     "source_profile = default\n"
                     f"mfa_serial = {aws.account.serial_number}\n")
    # The role is assumed from an MFA session, which STS gives first.
    fake_sts.answer(fakests.session_token_response(),
                    fakests.assume_role_response(
                        ROLE, expiration="9999-12-31T23:59:59Z"))
    before = snapshot(aws.dot_aws)
    result = aws.run("mfa-switch", "--profile", "native", "--token-code", "123456",
                     env=aws.env(TZ="JST-9"))
    assert result.returncode == 255
    one_sentence(result)
    assert "further ahead than the 36 hours STS grants" in result.stderr
    assert snapshot(aws.dot_aws) == before
    assert not (aws.dot_aws / "cli" / "cache").exists()


def test_one_bad_role_answer_leaves_the_others_switched(offline_aws, fake_sts):
    aws = offline_aws
    with open(aws.config, "a") as config:
        config.write(f"\n[profile prod]\nmfa_role_arn = {aws.account.role_arn}\n"
                     f"mfa_serial = {aws.account.serial_number}\n")
    fake_sts.answer(fakests.session_token_response(),
                    fakests.assume_role_response(ROLE),
                    fakests.assume_role_response(ROLE, expiration="soon"))
    result = aws.run("mfa-switch", "dev", "prod", "--token-code", "123456")
    assert result.returncode == 255
    assert "Traceback" not in result.stderr
    assert re.search(r"Profile '(dev|prod)' was not switched: STS answered with "
                     r"an Expiration that is not a date \('soon'\); nothing was "
                     r"written\.", result.stderr)
    parser = configparser.RawConfigParser()
    parser.read(aws.credentials)
    switched = {"dev", "prod"} & set(parser.sections())
    assert len(switched) == 1
    assert RFC3339_UTC.fullmatch(parser[switched.pop()]["expiration"])


ABSURD = [("9999-12-31T23:59:59Z", "JST-9"), ("9999-12-31T23:59:59Z", "EST5"),
          ("0001-01-01T00:00:00Z", "EST5"), ("1-01-01T00:00:00Z", "JST-9")]


def store_managed(aws, expiration):
    with open(aws.credentials, "a") as credentials:
        credentials.write(
            "\n[dev]\nmanaged_by = mfa-switch\n"
            "aws_access_key_id = ASIAOLDEXAMPLE000001\n"
            "aws_secret_access_key = oldSecretExample000000000000000000000000\n"
            "aws_session_token = OldTokenExample==\n"
            f"expiration = {expiration}\n")


@pytest.mark.parametrize("expiration,zone", ABSURD)
def test_fast_path_takes_an_absurd_stored_expiration_for_none(
        offline_aws, expiration, zone):
    aws = offline_aws
    store_managed(aws, expiration)
    before = snapshot(aws.dot_aws)
    # No terminal: the full command, which the fast path hands over to,
    # cannot ask for a code and says so.
    result = subprocess.run(
        [STANDALONE, "--profile", "dev", "--credential-process"], input="",
        capture_output=True, text=True, env=aws.env(TZ=zone), timeout=120,
        start_new_session=True)
    assert result.returncode == 252, result.stderr
    one_sentence(result)
    assert "need a new MFA code and there is no terminal" in result.stderr
    assert result.stdout == ""
    assert snapshot(aws.dot_aws) == before


@pytest.mark.parametrize("expiration,zone", ABSURD)
def test_switch_renews_credentials_stored_with_an_absurd_expiration(
        offline_aws, fake_sts, expiration, zone):
    aws = offline_aws
    store_managed(aws, expiration)
    fake_sts.answer(fakests.session_token_response(),
                    fakests.assume_role_response(ROLE))
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", "123456",
                     env=aws.env(TZ=zone))
    assert result.returncode == 0, result.stderr
    assert f"now uses {ROLE}" in result.stderr
    parser = configparser.RawConfigParser()
    parser.read(aws.credentials)
    assert RFC3339_UTC.fullmatch(parser["dev"]["expiration"])
    assert parser["dev"]["expiration"] != expiration
