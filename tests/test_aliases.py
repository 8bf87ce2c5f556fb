"""The shipped aliases, installed by the installer and run through the real ``aws``."""
import json
import re

import pytest

from tests.test_install import installer


@pytest.fixture
def aliased(aws):
    """The ``aws`` home with the shipped aliases merged in by the installer."""
    result = installer("install", "--cli-version", "1")
    assert result.returncode == 0, result.stderr
    assert (aws.dot_aws / "cli" / "alias").is_file()
    return aws


def identity(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["Arn"]


def test_mfa_switches_a_profile(aliased):
    result = aliased.run("mfa", "--profile", "dev", "--token-code", aliased.code())
    assert result.returncode == 0, result.stderr
    assert "now uses" in result.stderr and "AccessToTestDev" in result.stderr


def test_whoami_names_the_identity_of_a_profile(aliased):
    assert identity(aliased.run("whoami")) == aliased.account.user_arn
    aliased.run("mfa", "--profile", "dev", "--token-code", aliased.code())
    assert identity(aliased.run("whoami", "--profile", "dev")).endswith(
        ":assumed-role/AccessToTestDev/alice")


def test_mfa_status_is_mfa_switch_list(aliased):
    # Whatever `mfa-switch --list` does (it lists profiles where the CLI
    # has that option), the alias must behave exactly the same.
    # (Numbers are masked: a listing may count down while the two run.)
    alias = aliased.run("mfa-status")
    direct = aliased.run("mfa-switch", "--list")
    assert alias.returncode == direct.returncode
    assert masked(alias.stdout) == masked(direct.stdout)
    assert masked(alias.stderr) == masked(direct.stderr)


def masked(text):
    return re.sub(r"[0-9]+", "N", text)


class TestMfaRun:
    """``mfa-run`` is ``mfa-switch --exec``: the command after ``--`` is the child."""

    def test_runs_a_command_with_the_switched_profile(self, aliased):
        aliased.run("mfa", "--profile", "dev", "--token-code", aliased.code())
        result = aliased.run("mfa-run", "dev", "--", "aws", "sts",
                             "get-caller-identity")
        assert identity(result).endswith(":assumed-role/AccessToTestDev/alice")

    def test_keys_in_the_environment_do_not_win_over_the_profile(self, aliased):
        aliased.run("mfa", "--profile", "dev", "--token-code", aliased.code())
        env = aliased.env(AWS_ACCESS_KEY_ID="AKIASTALE", AWS_SECRET_ACCESS_KEY="stale",
                          AWS_SESSION_TOKEN="stale", AWS_PROFILE="default")
        result = aliased.run("mfa-run", "dev", "--", "aws", "sts",
                             "get-caller-identity", env=env)
        assert identity(result).endswith(":assumed-role/AccessToTestDev/alice")

    def test_arguments_reach_the_command_unchanged(self, aliased):
        aliased.run("mfa", "--profile", "dev", "--token-code", aliased.code())
        script = ("import os, sys; print(os.environ['MFA_SWITCH_PROFILE']); "
                  "print(sys.argv[1:])")
        result = aliased.run("mfa-run", "dev", "--", "python", "-c", script,
                             "two words", "it's", "$HOME", "*", "--region",
                             "x", "--output", "text")
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["dev", repr(
            ["two words", "it's", "$HOME", "*", "--region", "x", "--output",
             "text"])]

    def test_the_command_exit_status_is_passed_on(self, aliased):
        aliased.run("mfa", "--profile", "dev", "--token-code", aliased.code())
        result = aliased.run("mfa-run", "dev", "--", "python", "-c",
                             "raise SystemExit(7)")
        assert result.returncode == 7

    def test_without_a_command_it_says_how(self, aliased):
        result = aliased.run("mfa-run", "dev")
        assert result.returncode == 252
        assert result.stderr.startswith("--exec needs the command to run after --")
