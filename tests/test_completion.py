"""``aws_completer`` (AWS CLI v1) completes ``mfa-switch`` and its options."""
import os
import subprocess

import pytest

from tests.awsenv import BIN

COMPLETER = str(BIN / "aws_completer")
OPTIONS = ("--role-arn", "--serial-number", "--source-profile", "--duration-seconds",
           "--role-session-name", "--external-id", "--token-code", "--target-profile")


@pytest.fixture
def aws(isolated_home):
    """A throw-away HOME whose config enables the plugin (no STS needed here)."""
    class Home:
        config = isolated_home / ".aws" / "config"

        def env(self, **extra):
            return dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", **extra)

    Home.config.parent.mkdir()
    Home.config.write_text("[plugins]\nmfa_switch = awscli_mfa_plugin\n\n"
                           "[profile dev]\nregion = eu-west-1\n")
    return Home()


def complete(aws, line):
    """What bash would get from ``aws_completer`` for ``line`` (cursor at the end)."""
    env = aws.env(COMP_LINE=line, COMP_POINT=str(len(line)))
    result = subprocess.run([COMPLETER], capture_output=True, text=True, env=env,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return [word.strip() for word in result.stdout.split("\n") if word.strip()]


def test_the_command_name_completes(aws):
    assert complete(aws, "aws mfa-sw") == ["mfa-switch"]


def test_every_option_is_offered(aws):
    offered = complete(aws, "aws mfa-switch --")
    for option in OPTIONS:
        assert option in offered
    assert "--profile" in offered  # the global options stay


@pytest.mark.parametrize("prefix, expected", [
    ("--ro", ["--role-arn", "--role-session-name"]),
    ("--tok", ["--token-code"]),
    ("--ta", ["--target-profile"]),
])
def test_a_prefix_completes_to_its_options(aws, prefix, expected):
    assert complete(aws, f"aws mfa-switch --profile dev {prefix}") == expected


def test_an_option_already_given_is_not_offered_again(aws):
    offered = complete(aws, "aws mfa-switch --role-arn x --")
    assert "--role-arn" not in offered and "--token-code" in offered


def test_other_commands_complete_as_before(aws):
    assert complete(aws, "aws s3 ls --recu") == ["--recursive"]
    assert complete(aws, "aws sts --reg") == ["--region"]


def test_without_the_plugin_there_is_nothing_to_complete(aws):
    aws.config.write_text(aws.config.read_text().replace(
        "mfa_switch = awscli_mfa_plugin", ""))
    assert complete(aws, "aws mfa-sw") == []


def test_a_plain_aws_run_does_not_load_the_completion_code():
    import sys

    code = (
        "import sys\n"
        "from botocore.hooks import HierarchicalEmitter\n"
        "import awscli_mfa_plugin\n"
        "awscli_mfa_plugin.awscli_initialize(HierarchicalEmitter())\n"
        "print('awscli_mfa_plugin.completion' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "False"


PROFILES = ("[profile prod]\nmfa_role_arn = arn:aws:iam::123456789012:role/Prod\n\n"
            "[profile dev-tools]\nmfa_role_arn = arn:aws:iam::123456789012:role/Tools\n\n"
            "[profile native]\nrole_arn = arn:aws:iam::123456789012:role/Native\n"
            "source_profile = dev\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n")


@pytest.fixture
def switchable(aws):
    """``dev`` without a recipe, three profiles that have one."""
    aws.config.write_text(aws.config.read_text() + "\n" + PROFILES)
    return aws


@pytest.mark.parametrize("line, expected", [
    ("aws mfa-switch --profile ", ["prod", "dev-tools", "native"]),
    ("aws mfa-switch --profile d", ["dev-tools"]),
    ("aws mfa-switch ", ["prod", "dev-tools", "native"]),
    ("aws mfa-switch prod ", ["dev-tools", "native"]),
    ("aws mfa-switch --region eu-west-1 n", ["native"]),
    ("aws mfa-switch --source-profile d", ["dev", "dev-tools"]),
    ("aws mfa-switch --role-arn ", []),
])
def test_profiles_complete(switchable, line, expected):
    assert complete(switchable, line) == expected


def test_other_commands_still_offer_every_profile(switchable):
    assert complete(switchable, "aws s3 ls --profile ") == [
        "dev", "prod", "dev-tools", "native"]
