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


# Secrets with every character a pattern could stop at. Each piece carries a
# marker, so a piece left over by a redaction that stopped short is found
# whatever encoding it was printed in (URL, XML and JSON escapes leave
# letters alone).
ODD_SOURCE_SECRET = ("srcSECRETone srcSECRETtwo&srcSECRETthree,srcSECRETfour+"
                     "srcSECRETfive/srcSECRETsix  srcSECRETseven'srcSECRETeight")
ODD_NEW_SECRET = ("newSECRETone newSECRETtwo&newSECRETthree,newSECRETfour+"
                  'newSECRETfive/newSECRETsix<newSECRETseven"newSECRETeight')
ODD_TOKEN = ("newTOKENone newTOKENtwo&newTOKENthree,newTOKENfour+newTOKENfive/"
             "newTOKENsix  newTOKENseven;newTOKENeight==")
ODD_MARKERS = ("srcSECRET", "newSECRET", "newTOKEN")
ODD_CODE = "918273"


def with_odd_source_secret(aws):
    aws.credentials.write_text(aws.credentials.read_text().replace(
        aws.account.secret_access_key, ODD_SOURCE_SECRET))


@pytest.mark.parametrize("profile", ["dev", "session"])
def test_debug_redacts_odd_secrets_in_every_encoding(offline_aws, fake_sts,
                                                     profile):
    from tests import fakests

    aws = offline_aws
    with_odd_source_secret(aws)
    odd = {"secret": ODD_NEW_SECRET, "token": ODD_TOKEN}
    if profile == "dev":
        fake_sts.answer(fakests.assume_role_response(
            "arn:aws:sts::123456789012:assumed-role/AccessToTestDev/alice", **odd))
    else:
        # The identity call is signed with the new token: it is in the headers.
        fake_sts.answer(fakests.session_token_response(**odd),
                        fakests.caller_identity_response())
    # The code comes on stdin: the CLI logs its own command line, flags and
    # all, before any command of a plugin runs.
    result = aws.run("mfa-switch", "--profile", profile, "--debug",
                     input=ODD_CODE + "\n")
    assert result.returncode == 0, result.stderr[-3000:]
    section = written(aws, profile)
    # The odd values went through whole: the run really handled them.
    assert section["aws_secret_access_key"] == ODD_NEW_SECRET
    assert section["aws_session_token"] == ODD_TOKEN
    printed = result.stdout + result.stderr
    assert "Response body" in printed and "[REDACTED]" in printed
    for marker in ODD_MARKERS:
        assert marker not in printed, _around(printed, marker)
    assert ODD_CODE not in printed, _around(printed, ODD_CODE)


def test_debug_redacts_the_session_token_of_a_kept_mfa_session(offline_aws,
                                                              fake_sts):
    """Roles assumed from an MFA session are signed with its token."""
    from tests import fakests

    aws = offline_aws
    with_odd_source_secret(aws)
    with open(aws.config, "a") as config:
        config.write(f"\n[profile prod]\nmfa_role_arn = {aws.account.role_arn}\n"
                     f"mfa_serial = {aws.account.serial_number}\n")
    role = "arn:aws:sts::123456789012:assumed-role/AccessToTestDev/alice"
    fake_sts.answer(
        fakests.session_token_response(secret=ODD_NEW_SECRET, token=ODD_TOKEN),
        fakests.assume_role_response(role), fakests.assume_role_response(role))
    result = aws.run("mfa-switch", "dev", "prod", "--debug",
                     input=ODD_CODE + "\n")
    assert result.returncode == 0, result.stderr[-3000:]
    assert written(aws, "default-mfa-session")["aws_session_token"] == ODD_TOKEN
    printed = result.stdout + result.stderr
    for marker in ODD_MARKERS:
        assert marker not in printed, _around(printed, marker)
    assert ODD_CODE not in printed, _around(printed, ODD_CODE)


def _around(text, marker):
    at = text.index(marker)
    return f"{marker!r} printed: ...{text[max(0, at - 300):at + 100]}..."


@pytest.mark.parametrize("profile", ["dev", "session"])
def test_cli_history_records_no_secret(offline_aws, fake_sts, profile):
    """With cli_history enabled the CLI stores every request and answer."""
    import sqlite3

    from tests import fakests

    aws = offline_aws
    with_odd_source_secret(aws)
    aws.config.write_text(aws.config.read_text().replace(
        "[default]\n", "[default]\ncli_history = enabled\n").replace(
        f"[profile {profile}]\n", f"[profile {profile}]\ncli_history = enabled\n"))
    odd = {"secret": ODD_NEW_SECRET, "token": ODD_TOKEN}
    # First a command of the CLI's own, signed with the source profile, so
    # the history demonstrably records requests and answers.
    if profile == "dev":
        fake_sts.answer(fakests.caller_identity_response(),
                        fakests.assume_role_response(
            "arn:aws:sts::123456789012:assumed-role/AccessToTestDev/alice", **odd))
    else:
        fake_sts.answer(fakests.caller_identity_response(),
                        fakests.session_token_response(**odd),
                        fakests.caller_identity_response())
    assert aws.run("sts", "get-caller-identity").returncode == 0
    result = aws.run("mfa-switch", "--profile", profile, input=ODD_CODE + "\n")
    assert result.returncode == 0, result.stderr
    assert written(aws, profile)["aws_session_token"] == ODD_TOKEN

    database = aws.home / ".aws" / "cli" / "history" / "history.db"
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT event_type, payload FROM records").fetchall()
    recorded = "\n".join(f"{kind} {payload}" for kind, payload in rows)
    assert "HTTP_RESPONSE" in recorded and "GetCallerIdentityResponse" in recorded
    # mfa-switch's command line and exit status are recorded as usual.
    assert "mfa-switch" in recorded and recorded.count("CLI_RC") == 2
    for marker in ODD_MARKERS:
        assert marker not in recorded, _around(recorded, marker)
    assert ODD_CODE not in recorded, _around(recorded, ODD_CODE)
