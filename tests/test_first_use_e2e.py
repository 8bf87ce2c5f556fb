"""A newcomer's first switch: what the switched profile still lacks is said.

Through the real ``aws`` against moto: ``[default]``'s region does not
apply to ``[profile dev]``, so a switch into a profile with no region (in
the profile or the environment) ends with one line naming the fix, and
that fix makes the next ``aws`` command work.
"""
import json
import re

import pytest

NOTE = "has no region, so AWS commands with it will fail"
FIX = "aws configure set region REGION --profile dev"


def without_region(aws):
    """``[profile dev]`` as AwsHome writes it, minus its region line."""
    text = aws.config.read_text()
    start = text.index("[profile dev]")
    end = text.index("\n[", start)
    section = "\n".join(line for line in text[start:end].splitlines()
                        if not line.startswith("region")) + "\n"
    aws.config.write_text(text[:start] + section + text[end:])


def identity(aws, profile):
    return aws.run("sts", "get-caller-identity", "--profile", profile)


def test_a_switch_into_a_profile_without_region_says_how_to_add_one(aws):
    without_region(aws)
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code())
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stderr.splitlines() if NOTE in line]
    assert line == (
        "Profile 'dev' has no region, so AWS commands with it will fail with "
        f"'You must specify a region'; give it one: {FIX}")
    assert "region" in identity(aws, "dev").stderr  # as said
    fixed = aws.run(*FIX.replace("REGION", "eu-west-1").split()[1:])
    assert fixed.returncode == 0, fixed.stderr
    answer = identity(aws, "dev")
    assert answer.returncode == 0, answer.stderr
    assert "AccessToTestDev" in json.loads(answer.stdout)["Arn"]


@pytest.mark.parametrize("variable", ["AWS_REGION", "AWS_DEFAULT_REGION"])
def test_a_region_from_the_environment_is_enough(aws, variable):
    without_region(aws)
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code(),
                     env=aws.env(**{variable: "eu-west-1"}))
    assert result.returncode == 0, result.stderr
    assert NOTE not in result.stderr


def test_a_profile_with_its_region_gets_no_note(aws):
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code())
    assert result.returncode == 0, result.stderr
    assert NOTE not in result.stderr


@pytest.mark.parametrize("zone, local", [("UTC", None), ("Europe/Paris", "CET local time")])
def test_the_summary_gives_local_time_only_where_it_differs(aws, zone, local):
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code(),
                     env=aws.env(TZ=zone))
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stderr.splitlines()
               if line.startswith("until ")]
    if local is None:
        assert "local time" not in line and line.count("UTC") == 1, line
    else:
        assert local in line, line


def test_the_help_page_names_what_the_command_does(aws):
    result = aws.run("mfa-switch", "help", env=aws.env(PAGER="cat", MANPAGER="cat"))
    assert result.returncode == 0, result.stderr
    text = re.sub(".\b", "", result.stdout)  # groff's bold by overstriking
    name = text[text.index("NAME"):text.index("DESCRIPTION")]
    assert "mfa-switch - turn an MFA code into temporary credentials" in \
        " ".join(name.split()), name
