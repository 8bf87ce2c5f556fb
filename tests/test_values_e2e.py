"""Values that are not one value: indented blocks and inline comments.

botocore reads an indented block under a key as a dict of settings and
keeps ``# ...`` after a value as part of it.  Wherever mfa-switch reads such
a value - a switch, ``--list``, ``--all``, the ``aws-mfa-switch`` fast path,
any of the three layouts - the run ends in one sentence naming the profile
and the key, exit status 253, before any call to STS and with every file
as it was.  Each case runs the real ``aws`` (or ``aws-mfa-switch``) against
the scripted STS, which counts the requests.
"""
import subprocess

import pytest

from tests.conftest import OFFLINE_ACCOUNT
from tests.test_errors_e2e import snapshot
from tests.test_standalone import STANDALONE

ROLE = OFFLINE_ACCOUNT.role_arn
SERIAL = OFFLINE_ACCOUNT.serial_number
NESTED = "\n  nested = value\n"


def profile(name, **keys):
    lines = [f"[profile {name}]"] + [f"{k} ={v}" if v.startswith("\n")
                                     else f"{k} = {v}" for k, v in keys.items()]
    return "\n" + "\n".join(lines) + "\n"


# (id, config appended, credentials appended, profile, key)
NESTED_CASES = [
    ("mfa_role_arn", profile("bad", mfa_role_arn=NESTED, mfa_serial=SERIAL),
     "", "bad", "mfa_role_arn"),
    ("mfa_serial", profile("bad", mfa_role_arn=ROLE, mfa_serial=NESTED),
     "", "bad", "mfa_serial"),
    ("mfa_source_profile", profile("bad", mfa_role_arn=ROLE, mfa_serial=SERIAL,
                                   mfa_source_profile=NESTED),
     "", "bad", "mfa_source_profile"),
    ("mfa_process", profile("bad", mfa_role_arn=ROLE, mfa_serial=SERIAL,
                            mfa_process=NESTED), "", "bad", "mfa_process"),
    ("serial-on-the-source", profile("bad", mfa_role_arn=ROLE,
                                     mfa_source_profile="src")
     + profile("src", mfa_serial=NESTED),
     "\n[src]\naws_access_key_id = AKIASRCEXAMPLE000000\n"
     "aws_secret_access_key = srcSecret\n", "src", "mfa_serial"),
    ("native-role_arn", profile("bad", role_arn=NESTED, mfa_serial=SERIAL,
                                source_profile="default"),
     "", "bad", "role_arn"),
    ("native-source_profile", profile("bad", role_arn=ROLE, mfa_serial=SERIAL,
                                      source_profile=NESTED),
     "", "bad", "source_profile"),
    ("aws-mfa-layout", "",
     "\n[bad-long-term]\naws_access_key_id = AKIALONGEXAMPLE00000\n"
     "aws_secret_access_key = longSecret\n"
     f"aws_mfa_device = {SERIAL}\nassume_role =" + NESTED,
     "bad-long-term", "assume_role"),
]


def assert_refused(result, name, key, aws, before, fake_sts):
    assert result.returncode == 253, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"'{name}'" in result.stderr and key in result.stderr
    assert result.stdout == ""
    assert fake_sts.requests == []
    assert snapshot(aws.dot_aws) == before


@pytest.fixture
def bad(offline_aws, request):
    """The home with one case's files; yields (aws, profile, key, before)."""
    _, config, credentials, name, key = request.param
    aws = offline_aws
    aws.config.write_text(aws.config.read_text() + config)
    aws.credentials.write_text(aws.credentials.read_text() + credentials)
    return aws, name, key, snapshot(aws.dot_aws)


@pytest.mark.parametrize("bad", NESTED_CASES, ids=[c[0] for c in NESTED_CASES],
                         indirect=True)
class TestIndentedBlock:
    def test_switching_the_profile(self, bad, fake_sts):
        aws, name, key, before = bad
        result = aws.run("mfa-switch", "--profile", "bad",
                         "--token-code", "123456")
        assert "indented block" in result.stderr
        assert_refused(result, name, key, aws, before, fake_sts)

    def test_listing(self, bad, fake_sts):
        aws, name, key, before = bad
        result = aws.run("mfa-switch", "--list")
        assert "indented block" in result.stderr
        assert_refused(result, name, key, aws, before, fake_sts)

    def test_the_fast_path_of_aws_mfa_switch(self, bad, fake_sts):
        aws, name, key, before = bad
        result = subprocess.run(
            [STANDALONE, "--profile", "bad", "--credential-process"],
            input="", capture_output=True, text=True, env=aws.env(),
            timeout=120, start_new_session=True)
        assert "indented block" in result.stderr
        assert_refused(result, name, key, aws, before, fake_sts)


@pytest.mark.parametrize("bad", [c for c in NESTED_CASES
                                 if not c[0].startswith("native")],
                         ids=[c[0] for c in NESTED_CASES
                              if not c[0].startswith("native")],
                         indirect=True)
def test_switching_all(bad, fake_sts):
    aws, name, key, before = bad
    result = aws.run("mfa-switch", "--all", "--token-code", "123456")
    assert "indented block" in result.stderr
    assert_refused(result, name, key, aws, before, fake_sts)


COMMENT_CASES = [
    ("after-a-role", profile(
        "bad", mfa_role_arn=ROLE + "  # absent: GetSessionToken",
        mfa_serial=SERIAL), "", "bad", "mfa_role_arn"),
    ("after-a-serial", profile(
        "bad", mfa_role_arn=ROLE,
        mfa_serial=SERIAL + "   # may sit on the source profile"),
     "", "bad", "mfa_serial"),
    ("after-a-duration", profile(
        "bad", mfa_role_arn=ROLE, mfa_serial=SERIAL,
        mfa_duration_seconds="3600 ; one hour"), "", "bad",
     "mfa_duration_seconds"),
    ("after-a-source", profile(
        "bad", mfa_role_arn=ROLE, mfa_serial=SERIAL,
        mfa_source_profile="default        # long-term credentials"),
     "", "bad", "mfa_source_profile"),
    ("a-whole-value", profile(
        "bad", mfa_role_arn=ROLE, mfa_serial=SERIAL,
        mfa_role_session_name="# default: the device's name"),
     "", "bad", "mfa_role_session_name"),
    ("after-a-command", profile(
        "bad", mfa_role_arn=ROLE, mfa_serial=SERIAL,
        mfa_process="ykman oath accounts code --single AWS   # optional"),
     "", "bad", "mfa_process"),
    ("native", profile("bad", role_arn=ROLE + " # the role", mfa_serial=SERIAL,
                       source_profile="default"), "", "bad", "role_arn"),
    ("aws-mfa-layout", "",
     "\n[bad-long-term]\naws_access_key_id = AKIALONGEXAMPLE00000\n"
     "aws_secret_access_key = longSecret\n"
     f"aws_mfa_device = {SERIAL}\nassume_role = {ROLE}   # optional\n",
     "bad-long-term", "assume_role"),
]


@pytest.mark.parametrize("bad", COMMENT_CASES, ids=[c[0] for c in COMMENT_CASES],
                         indirect=True)
class TestInlineComment:
    def test_switching_the_profile_names_inline_comments(self, bad, fake_sts):
        aws, name, key, before = bad
        result = aws.run("mfa-switch", "--profile", "bad",
                         "--token-code", "123456")
        assert "inline comment" in result.stderr
        assert_refused(result, name, key, aws, before, fake_sts)

    def test_listing_names_inline_comments(self, bad, fake_sts):
        aws, name, key, before = bad
        result = aws.run("mfa-switch", "--list")
        assert "inline comment" in result.stderr
        assert_refused(result, name, key, aws, before, fake_sts)


@pytest.mark.parametrize("process", [
    "sh -c 'echo 123456 # a comment the shell drops'",
    "ykman oath accounts code --single 'AWS #2'",
    "sh -c 'true; echo 123456'",
])
def test_hash_or_semicolon_inside_a_quoted_command_is_not_a_comment(
        offline_aws, process):
    aws = offline_aws
    aws.config.write_text(aws.config.read_text() + profile(
        "quoted", mfa_role_arn=ROLE, mfa_serial=SERIAL, mfa_process=process))
    result = aws.run("mfa-switch", "--list")
    assert result.returncode == 0, result.stderr
    assert "quoted" in result.stdout
