"""aws-mfa users' layout: ``[<profile>-long-term]`` is read as the recipe."""
import configparser
import json
import re

import pytest

from awscli_mfa_plugin.plan.aws_mfa import wrote_section
from awscli_mfa_plugin.plan.recipe import resolve_recipe
from awscli_mfa_plugin.request.parse import Overrides

SERIAL = "arn:aws:iam::111111111111:mfa/alice"
ROLE = "arn:aws:iam::222222222222:role/R"


class TestRecipe:
    def test_role_layout(self):
        recipe = resolve_recipe({"dev-long-term": {
            "aws_access_key_id": "AKID", "aws_mfa_device": SERIAL,
            "assume_role": ROLE}}, "dev", user_name="bob")
        assert (recipe.source_profile, recipe.serial_number, recipe.role_arn,
                recipe.target_profile, recipe.duration_seconds,
                recipe.role_session_name, recipe.layout) == (
            "dev-long-term", SERIAL, ROLE, "dev", 3600, "bob", "aws-mfa")

    def test_session_token_layout_lasts_twelve_hours_like_aws_mfa(self):
        recipe = resolve_recipe({"default-long-term": {
            "aws_mfa_device": SERIAL}, "default": {}}, "default")
        assert not recipe.uses_role
        assert recipe.duration_seconds == 43200
        assert recipe.target_profile == "default"

    def test_flags_still_override(self):
        recipe = resolve_recipe(
            {"dev-long-term": {"aws_mfa_device": SERIAL, "assume_role": ROLE}},
            "dev", Overrides(duration_seconds="900"))
        assert recipe.duration_seconds == 900 and recipe.layout == "aws-mfa"

    def test_mfa_keys_win_over_the_layout(self):
        recipe = resolve_recipe({
            "dev": {"mfa_serial": SERIAL}, "default": {},
            "dev-long-term": {"aws_mfa_device": "other"}}, "dev")
        assert recipe.source_profile == "default" and recipe.layout == "mfa"

    @pytest.mark.parametrize("section, expected", [
        ({"aws_access_key_id": "ASIA", "aws_session_token": "t",
          "assumed_role": "True", "expiration": "2030-01-01 00:00:00"}, True),
        # long-term keys with aws-mfa's bookkeeping lines are still long-term
        ({"aws_access_key_id": "AKIA", "aws_secret_access_key": "s",
          "assumed_role": "False", "expiration": "2030-01-01 00:00:00"}, False),
        ({"aws_access_key_id": "ASIA", "aws_secret_access_key": "s",
          "assumed_role": "False", "expiration": "2030-01-01 00:00:00"}, False),
        ({"aws_access_key_id": "AKIA", "aws_session_token": "t",
          "assumed_role": "False", "expiration": "2030-01-01 00:00:00"}, False),
        ({"aws_access_key_id": "AKIA", "aws_secret_access_key": "s"}, False),
        ({"assumed_role": "True", "expiration": "x",
          "managed_by": "mfa-switch"}, False),
    ])
    def test_what_counts_as_written_by_aws_mfa(self, section, expected):
        assert wrote_section(section) is expected


def use_aws_mfa_layout(aws, short_term=""):
    """The files as an aws-mfa user has them: nothing for mfa-switch."""
    a = aws.account
    aws.config.write_text(
        "[plugins]\nmfa_switch = awscli_mfa_plugin\n\n"
        "[default]\nregion = eu-west-1\n")
    aws.credentials.write_text(
        "[dev-long-term]\n"
        f"aws_access_key_id = {a.access_key_id}\n"
        f"aws_secret_access_key = {a.secret_access_key}\n"
        f"aws_mfa_device = {a.serial_number}\n"
        f"assume_role = {a.role_arn}\n" + short_term)


def section(aws, name):
    parser = configparser.RawConfigParser()
    parser.read(aws.credentials)
    return dict(parser.items(name))


def test_aws_mfa_user_switches_without_editing(aws):
    use_aws_mfa_layout(aws)
    before = aws.credentials.read_bytes()
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code())
    assert result.returncode == 0, result.stderr
    assert aws.credentials.read_bytes().startswith(before)
    assert section(aws, "dev")["managed_by"] == "mfa-switch"
    identity = aws.run("sts", "get-caller-identity", "--profile", "dev",
                       env=aws.env(AWS_DEFAULT_REGION="eu-west-1"))
    assert identity.returncode == 0, identity.stderr
    assert json.loads(identity.stdout)["Arn"].split("/")[-2] == "AccessToTestDev"


def test_a_section_aws_mfa_wrote_is_taken_over(aws):
    use_aws_mfa_layout(aws, (
        "\n[dev]\n"
        "assumed_role = True\n"
        f"assumed_role_arn = {aws.account.role_arn}\n"
        "aws_access_key_id = ASIAOLDOLDOLDOLDOLD1\n"
        "aws_secret_access_key = old\n"
        "aws_session_token = old\n"
        "aws_security_token = old\n"
        "expiration = 2020-01-01 00:00:00\n"))
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code())
    assert result.returncode == 0, result.stderr
    dev = section(aws, "dev")
    assert dev["managed_by"] == "mfa-switch"
    assert dev["aws_access_key_id"] != "ASIAOLDOLDOLDOLDOLD1"
    assert not {"assumed_role", "assumed_role_arn",
                "aws_security_token"} & set(dev)
    assert dev["expiration"].endswith("Z")


def test_long_term_keys_under_the_profile_name_are_still_refused(aws):
    """Only aws-mfa's own output is taken over, never real long-term keys."""
    use_aws_mfa_layout(aws, (
        "\n[dev]\naws_access_key_id = AKIAKEEPKEEPKEEPKEEP\n"
        "aws_secret_access_key = keep\n"))
    before = aws.credentials.read_bytes()
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code())
    assert result.returncode == 253
    assert "did not write" in result.stderr
    assert aws.credentials.read_bytes() == before


def listed(aws):
    result = aws.run("mfa-switch", "--list")
    assert result.returncode == 0, result.stderr
    return {line.split()[0]: line.split()[1:]
            for line in result.stdout.splitlines()[1:]}


def test_the_listing_shows_what_all_switches(aws):
    use_aws_mfa_layout(aws)
    with aws.credentials.open("a") as credentials:
        credentials.write("\n[ops-long-term]\n"
                          f"aws_access_key_id = {aws.account.access_key_id}\n"
                          f"aws_secret_access_key = {aws.account.secret_access_key}\n"
                          f"aws_mfa_device = {aws.account.serial_number}\n")
    before = listed(aws)
    assert before == {
        "dev": [aws.account.role_arn, "dev-long-term", "never", "switched"],
        "ops": ["session", "token", "ops-long-term", "never", "switched"],
    }
    result = aws.run("mfa-switch", "--all", "--token-code", aws.code())
    assert result.returncode == 0, result.stderr
    after = listed(aws)
    assert after["dev"][:2] == [aws.account.role_arn, "dev-long-term"]
    assert re.fullmatch(r"0h5\dm|1h00m", after["dev"][2])


@pytest.mark.parametrize("key_id, token", [
    ("AKIAKEEPKEEPKEEPKEEP", ""),
    # whatever the prefix, no session token means the keys may be long-term
    ("ASIAKEEPKEEPKEEPKEEP", ""),
    ("AKIAKEEPKEEPKEEPKEEP", "aws_session_token = t\n"),
])
def test_long_term_keys_with_aws_mfas_bookkeeping_are_refused(
        offline_aws, fake_sts, key_id, token):
    """aws-mfa's lines next to long-term keys do not make them aws-mfa's:
    refused before a code is asked for or sent, the file as it was."""
    aws = offline_aws
    use_aws_mfa_layout(aws, (
        "\n[dev]\n"
        f"aws_access_key_id = {key_id}\n"
        "aws_secret_access_key = keep-this-secret\n" + token +
        "assumed_role = False\n"
        "expiration = 2020-01-01 00:00:00\n"))
    before = aws.credentials.read_bytes()
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", "123456")
    assert result.returncode == 253, result.stderr
    assert result.stderr.startswith(
        f"The section [dev] in {aws.credentials} holds credentials that "
        "mfa-switch did not write")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "keep-this-secret" not in result.stderr
    assert fake_sts.requests == []
    assert aws.credentials.read_bytes() == before
