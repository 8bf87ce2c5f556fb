"""README's config examples work when pasted: each one is run through the real ``aws``.

Every ```` ```ini ```` block of README.md and docs/*.md is pasted, as it stands, into a
throw-away AWS home (the config file, or the credentials file for the block
that says so) and used the way README says, against moto's STS on
loopback.  A block this file does not know how to run fails the test, so a
new example cannot go unchecked.
"""
import configparser
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PLUGIN = "[plugins]\nmfa_switch = awscli_mfa_plugin\n\n"


def ini_blocks():
    return [text for page in PAGES
            for text in re.findall(r"^```ini\n(.*?)^```", page.read_text(), re.S | re.M)]


def blocks(header):
    """Every block that has the section ``header``."""
    return [text for text in ini_blocks()
            if re.search(rf"^\[{re.escape(header)}\]$", text, re.M)]


def block(header):
    """The first block that has the section ``header``."""
    return blocks(header)[0]


def source_keys(aws):
    a = aws.account
    return ("[default]\n"
            f"aws_access_key_id = {a.access_key_id}\n"
            f"aws_secret_access_key = {a.secret_access_key}\n")


def paste(aws, config="", credentials=None):
    aws.config.write_text(PLUGIN + config)
    aws.credentials.write_text(source_keys(aws) if credentials is None
                               else credentials)


def caller(aws, profile):
    """The ARN ``aws sts get-caller-identity --profile`` shows, as pasted.

    No region from the environment: a newcomer's shell has none, so the
    profile as README gives it must have one.
    """
    result = aws.run("sts", "get-caller-identity", "--profile", profile,
                     env=aws.env(AWS_DEFAULT_REGION=None, AWS_REGION=None))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["Arn"]


KNOWN = ("profile dev", "dev-long-term", "profile native", "profile dev-tools")


def test_every_block_is_one_this_file_runs():
    headers = [re.findall(r"^\[([^\]]+)\]$", text, re.M) for text in ini_blocks()]
    assert headers and all(names and names[0] in KNOWN for names in headers), \
        headers


@pytest.mark.parametrize("text", ini_blocks())
def test_no_value_holds_a_comment_or_a_block(text):
    parser = configparser.RawConfigParser()  # as botocore reads config files
    parser.read_string(text)
    for name in parser.sections():
        for key, value in parser.items(name):
            assert "\n" not in value, (name, key)
            assert not re.search(r"(^|\s)[#;]", value), (name, key, value)


@pytest.mark.parametrize("recipe", blocks("profile dev"))
def test_the_recipe_switches_as_pasted(aws, recipe):
    """The first use's short recipe and the reference's full one."""
    paste(aws, recipe)
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code())
    assert result.returncode == 0, result.stderr
    assert caller(aws, "dev").endswith(
        ":assumed-role/AccessToTestDev/alice")
    listing = aws.run("mfa-switch", "--list")
    assert listing.returncode == 0, listing.stderr
    (row,) = [line for line in listing.stdout.splitlines()
              if line.startswith("dev ")]
    assert "#" not in row
    assert row.split()[1:3] == [
        "arn:aws:iam::222222222222:role/AccessToTestDev", "default"]


def test_the_aws_mfa_layout_switches_as_pasted(aws):
    # Moto's STS takes any access key, so the "AKIA..." placeholders sign.
    paste(aws, credentials=block("dev-long-term"))
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code())
    assert result.returncode == 0, result.stderr
    # No region in that layout: the switch says so, and README's fix works.
    fix = "aws configure set region REGION --profile dev"
    assert fix in result.stderr
    fixed = aws.run(*fix.replace("REGION", "eu-west-1").split()[1:])
    assert fixed.returncode == 0, fixed.stderr
    assert "AccessToTestDev" in caller(aws, "dev")


def test_the_native_role_profile_switches_as_pasted(aws):
    paste(aws, block("profile native"))
    result = aws.run("mfa-switch", "--profile", "native",
                     "--token-code", aws.code())
    assert result.returncode == 0, result.stderr
    assert "AccessToTestDev" in caller(aws, "native")


def test_the_credential_process_profile_answers_as_pasted(aws):
    paste(aws, block("profile dev") + "\n" + block("profile dev-tools"))
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code())
    assert result.returncode == 0, result.stderr
    assert "AccessToTestDev" in caller(aws, "dev-tools")
