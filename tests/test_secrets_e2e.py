"""No secret reaches the screen, not even with ``--debug``.

botocore logs whole STS response bodies, request headers and the canonical
request it signs at DEBUG, and ``aws --debug`` prints all of it. These runs
grep everything the real ``aws`` printed for the values it actually wrote to
the credentials file, and for the source profile's secret key.
"""
import configparser
import re

import pytest


def written(aws, profile):
    parser = configparser.RawConfigParser()
    parser.read(aws.credentials)
    return dict(parser.items(profile))


@pytest.mark.parametrize("profile", ["dev", "session"])
@pytest.mark.parametrize("debug", [True, False], ids=["debug", "quiet"])
def test_no_secret_is_printed(aws, profile, debug):
    args = ["mfa-switch", "--profile", profile, "--token-code", aws.code()]
    result = aws.run(*args, *(["--debug"] if debug else []))
    assert result.returncode == 0, result.stderr[-2000:]
    section = written(aws, profile)
    secrets = {
        "new secret key": section["aws_secret_access_key"],
        "new session token": section["aws_session_token"],
        "source secret key": aws.account.secret_access_key,
    }
    printed = result.stdout + result.stderr
    for what, value in secrets.items():
        assert value not in printed, f"the {what} was printed"
    # The access key ID is no secret; the summary may name the identity.
    if debug:
        # The run did log the response body: the test would see a leak.
        assert "Response body" in printed
        assert "<SecretAccessKey>[REDACTED]</SecretAccessKey>" in printed
        assert "<SessionToken>[REDACTED]</SessionToken>" in printed


def test_session_token_header_of_the_identity_call_is_redacted(aws):
    """Session mode signs GetCallerIdentity with the new token: headers show it."""
    result = aws.run("mfa-switch", "--profile", "session",
                     "--token-code", aws.code(), "--debug")
    assert result.returncode == 0, result.stderr[-2000:]
    token = written(aws, "session")["aws_session_token"]
    assert token not in result.stderr
    assert re.search(r"x-amz-security-token:\[REDACTED\]", result.stderr, re.I)
    assert "'X-Amz-Security-Token': b'[REDACTED]'" in result.stderr


def test_failure_with_debug_prints_no_source_secret(offline_aws):
    from tests import fakests

    result = offline_aws.run("mfa-switch", "--profile", "dev",
                             "--token-code", "123456", "--debug")
    assert result.returncode == 254
    assert "STS rejected the MFA code" in result.stderr.splitlines()[-1]
    assert offline_aws.account.secret_access_key not in result.stderr
    assert "Traceback" not in result.stderr
    assert fakests.INVALID_CODE[2].strip() in result.stderr  # the body was logged
