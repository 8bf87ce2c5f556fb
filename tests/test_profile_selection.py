"""Which profile a run switches: a name, ``--profile``, ``AWS_PROFILE``, else ``default``.

A name given without a flag wins over ``AWS_PROFILE`` (an environment
variable is a default, not a choice made for this run) and may be
repeated by ``--profile``; a ``--profile`` that contradicts it is refused,
as is ``--profile`` beside several names or ``--all``.  A bare run whose
``default`` profile holds long-term keys is pointed at ``--profile`` and
``--list``, not told to put a recipe into its own source.
"""
import configparser
import subprocess

import pytest

from tests.test_standalone import STANDALONE


def sections(aws):
    parser = configparser.RawConfigParser()
    parser.read(aws.credentials)
    return parser.sections()


def assert_refused(result, status, aws, before):
    assert result.returncode == status, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert aws.credentials.read_bytes() == before


def test_a_bare_run_on_long_term_keys_points_at_profile_and_list(aws):
    before = aws.credentials.read_bytes()
    result = aws.run("mfa-switch", "--token-code", aws.code())
    assert_refused(result, 253, aws, before)
    assert "The profile 'default' holds long-term access keys" in result.stderr
    assert "--profile NAME" in result.stderr and "--list" in result.stderr
    assert "mfa_source_profile = default" in result.stderr
    assert "add mfa_source_profile and mfa_serial" not in result.stderr


@pytest.mark.parametrize("args", [
    ("dev", "--profile", "session"),
    ("--profile", "session", "dev"),
])
def test_a_name_that_profile_contradicts_is_refused(aws, args):
    before = aws.credentials.read_bytes()
    result = aws.run("mfa-switch", *args, "--token-code", aws.code())
    assert_refused(result, 252, aws, before)
    assert "named twice, as 'dev' and with --profile session" in result.stderr


@pytest.mark.parametrize("args", [
    ("dev", "session", "--profile", "dev"),
    ("--all", "--profile", "dev"),
])
def test_profile_beside_several_names_or_all_is_refused(aws, args):
    before = aws.credentials.read_bytes()
    result = aws.run("mfa-switch", *args, "--token-code", aws.code())
    assert_refused(result, 252, aws, before)
    assert "--profile dev has no place beside" in result.stderr


def test_profile_may_repeat_the_name(aws):
    result = aws.run("mfa-switch", "dev", "--profile", "dev",
                     "--token-code", aws.code())
    assert result.returncode == 0, result.stderr
    assert sections(aws) == ["default", "default-mfa-session", "dev"]


def test_a_name_wins_over_aws_profile(aws):
    result = aws.run("mfa-switch", "dev", "--token-code", aws.code(),
                     env=aws.env(AWS_PROFILE="session"))
    assert result.returncode == 0, result.stderr
    assert sections(aws) == ["default", "default-mfa-session", "dev"]


def test_the_fast_path_refuses_what_the_full_command_refuses(aws):
    switch = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code())
    assert switch.returncode == 0, switch.stderr
    args = ("dev", "--profile", "session", "--credential-process")
    ours = subprocess.run([STANDALONE, *args], capture_output=True, text=True,
                          env=aws.env(), timeout=120, start_new_session=True)
    theirs = aws.run("mfa-switch", *args)
    assert ours.returncode == theirs.returncode == 252
    assert ours.stderr == theirs.stderr and ours.stdout == theirs.stdout == ""
