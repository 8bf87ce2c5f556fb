"""One code, many roles: one MFA session per device, each role assumed from it."""
import configparser
import datetime
import json

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber

from awscli_mfa_plugin.sts import exchange as multi
from awscli_mfa_plugin.errors import ExitCode, UsageError
from awscli_mfa_plugin.plan.recipe import Recipe
from tests.awsenv import REGION

UTC = datetime.timezone.utc
NOW = datetime.datetime(2030, 1, 1, 12, tzinfo=UTC)
SERIAL = "arn:aws:iam::111111111111:mfa/alice"


def role_profiles(aws, *roles, durations=None):
    """Create ``roles`` in the loopback IAM and a role profile for each."""
    iam = boto3.client("iam", endpoint_url=aws.endpoint, region_name=REGION,
                       aws_access_key_id="testing",
                       aws_secret_access_key="testing")
    durations = durations or {}
    text = ""
    for name in roles:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")[
            "Role"]["Arn"]
        text += (f"\n[profile {name.lower()}]\nmfa_role_arn = {arn}\n"
                 f"mfa_serial = {aws.account.serial_number}\nregion = {REGION}\n")
        if name in durations:
            text += f"mfa_duration_seconds = {durations[name]}\n"
    with open(aws.config, "a") as config:
        config.write(text)


def sections(aws):
    parser = configparser.RawConfigParser()
    parser.read(aws.credentials)
    return {name: dict(parser.items(name)) for name in parser.sections()}


def seconds_left(section):
    expiration = datetime.datetime.strptime(
        section["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return (expiration - datetime.datetime.now(UTC)).total_seconds()


def role_of(aws, profile):
    result = aws.run("sts", "get-caller-identity", "--profile", profile)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["Arn"].split("/")[1]


class TestThroughTheCli:
    def test_all_switches_every_role_with_one_code(self, aws):
        role_profiles(aws, "Ops", "Audit")
        # One line on stdin: a second request for a code would find nothing.
        result = aws.run("mfa-switch", "--all", input=aws.code() + "\n")
        assert result.returncode == 0, result.stderr
        written = sections(aws)
        assert {"dev", "ops", "audit", "default-mfa-session"} <= set(written)
        assert "session" not in written  # --all means profiles with a role
        assert written["default-mfa-session"]["mfa_session_serial"] == \
            aws.account.serial_number
        assert "at most one hour" in result.stderr
        assert result.stdout == ""
        # The kept session is no recipe: not listed, not switchable.
        listed = aws.run("mfa-switch", "--list").stdout
        assert "dev " in listed and "default-mfa-session" not in listed
        assert [role_of(aws, p) for p in ("dev", "ops", "audit")] == \
            ["AccessToTestDev", "Ops", "Audit"]

    def test_named_profiles_only(self, aws):
        role_profiles(aws, "Ops", "Audit")
        result = aws.run("mfa-switch", "dev", "ops", "--token-code", aws.code())
        assert result.returncode == 0, result.stderr
        assert "audit" not in sections(aws)
        assert role_of(aws, "ops") == "Ops"

    def test_a_kept_session_needs_no_code(self, aws):
        role_profiles(aws, "Ops")
        first = aws.run("mfa-switch", "dev", "ops", "--token-code", aws.code())
        assert first.returncode == 0, first.stderr
        kept = sections(aws)["default-mfa-session"]
        # Ask for more time than the written profiles have (even the 12-hour
        # session token), so they are renewed - from the kept session.
        renew = ("--min-remaining", "50000")
        for args in (("ops", "dev"), ("--profile", "ops"),
                     ("--profile", "session")):
            again = aws.run("mfa-switch", *args, *renew, input="")
            assert again.returncode == 0, again.stderr
            assert "no code was needed" in again.stderr
        assert sections(aws)["default-mfa-session"] == kept
        # --force renews everything, the MFA session included: a code is due.
        forced = aws.run("mfa-switch", "ops", "dev", "--force", input="")
        assert forced.returncode == 252
        assert "No MFA code" in forced.stderr

    def test_still_valid_profiles_are_kept_and_need_no_code(self, aws):
        role_profiles(aws, "Ops")
        first = aws.run("mfa-switch", "ops", "dev", "--token-code", aws.code())
        assert first.returncode == 0, first.stderr
        before = aws.credentials.read_bytes()
        again = aws.run("mfa-switch", "ops", "dev", input="")
        assert again.returncode == 0, again.stderr
        assert again.stderr.count("keeps its credentials") == 2
        assert aws.credentials.read_bytes() == before

    def test_longer_roles_are_capped_together_and_direct_alone(self, aws):
        role_profiles(aws, "Ops", durations={"Ops": 43200})
        together = aws.run("mfa-switch", "dev", "ops", "--token-code", aws.code())
        assert together.returncode == 0, together.stderr
        assert "'ops' asked for longer" in together.stderr
        assert seconds_left(sections(aws)["ops"]) <= 3600
        # Alone, it asks for a code (the kept session cannot serve 12 hours);
        # --min-remaining says its one hour left is not enough to keep.
        renew = ("--min-remaining", "7200")
        without_code = aws.run("mfa-switch", "--profile", "ops", *renew,
                               input="")
        assert without_code.returncode == 252
        alone = aws.run("mfa-switch", "--profile", "ops", *renew,
                        input=aws.code() + "\n")
        assert alone.returncode == 0, alone.stderr
        assert seconds_left(sections(aws)["ops"]) > 3600

    def test_recipe_flags_are_refused_with_several_profiles(self, aws):
        role_profiles(aws, "Ops")
        before = aws.credentials.read_bytes()
        result = aws.run("mfa-switch", "dev", "ops", "--token-code", aws.code(),
                         "--role-arn", aws.account.role_arn)
        assert result.returncode == 252
        assert "apply to one profile" in result.stderr
        export = aws.run("mfa-switch", "--all", "--export",
                         "--token-code", aws.code())
        assert export.returncode == 252 and export.stdout == ""
        assert aws.credentials.read_bytes() == before

    def test_an_unmanaged_session_section_is_refused_before_any_code(self, aws):
        role_profiles(aws, "Ops")
        with open(aws.credentials, "a") as creds:
            creds.write("\n[default-mfa-session]\naws_access_key_id = AKIAMINE\n"
                        "aws_secret_access_key = mine\n")
        before = aws.credentials.read_bytes()
        result = aws.run("mfa-switch", "--all", input="")
        assert result.returncode == 253
        assert "[default-mfa-session]" in result.stderr
        assert aws.credentials.read_bytes() == before

    def test_all_without_role_recipes_is_a_sentence(self, aws):
        aws.config.write_text(aws.config.read_text().split("[profile dev]")[0])
        result = aws.run("mfa-switch", "--all", "--token-code", aws.code())
        assert result.returncode == 253
        assert "mfa_role_arn" in result.stderr
        assert "Traceback" not in result.stderr


# -- partial failures and several devices: what moto cannot refuse ----------

CREDS = {"AccessKeyId": "ASIAEXAMPLEEXAMPLE01", "SecretAccessKey": "s" * 40,
         "SessionToken": "SESSIONTOKENSECRET",
         "Expiration": datetime.datetime(2030, 1, 1, 13, tzinfo=UTC)}


def recipe(name, serial=SERIAL, source="default"):
    return Recipe(profile=name, target_profile=name, source_profile=source,
                  serial_number=serial,
                  role_arn=f"arn:aws:iam::222222222222:role/{name}",
                  role_session_name="alice")


class StubbedSts:
    """Clients handed out in creation order, each with its own Stubber."""

    def __init__(self, *scripts):
        self.stubbers = []
        self.clients = []
        for script in scripts:
            client = botocore.session.Session().create_client(
                "sts", region_name="us-east-1",
                aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x")
            stubber = Stubber(client)
            script(stubber)
            stubber.activate()
            self.stubbers.append(stubber)
            self.clients.append(client)

    def creator(self, recipe):
        return lambda service, **kwargs: self.clients.pop(0)


def session_token(stubber):
    stubber.add_response("get_session_token", {"Credentials": CREDS})


def assumed(name):
    def script(stubber):
        stubber.add_response("assume_role", {
            "Credentials": CREDS,
            "AssumedRoleUser": {"AssumedRoleId": "AROA:alice",
                                "Arn": f"arn:aws:sts::2:assumed-role/{name}/alice"}},
            {"RoleArn": f"arn:aws:iam::222222222222:role/{name}",
             "RoleSessionName": "alice", "DurationSeconds": 3600})
    return script


def denied(stubber):
    stubber.add_client_error(
        "assume_role", service_error_code="AccessDenied", http_status_code=403,
        service_message="User is not authorized to perform: sts:AssumeRole")


def test_one_refused_role_does_not_stop_the_others():
    stubs = StubbedSts(session_token, assumed("a"), denied, assumed("c"))
    codes = []
    tools = multi.Tools(stubs.creator, lambda r, use: codes.append(r) or use("123456"))
    outcome = multi.switch_many([recipe("a"), recipe("b"), recipe("c")],
                                tools, {}, NOW)
    assert len(codes) == 1
    assert [r.profile for r, _ in outcome.switched] == ["a", "c"]
    assert [r.profile for r, _ in outcome.failed] == ["b"]
    assert outcome.exit_code() == ExitCode.SERVICE
    assert set(outcome.sections()) == {"a", "c", "default-mfa-session"}
    text = multi.summary(outcome, NOW)
    assert "'b' was not switched: " in text and "trust" in text
    assert "s" * 40 not in text and "SESSIONTOKENSECRET" not in text
    for stubber in stubs.stubbers:
        stubber.assert_no_pending_responses()


def test_one_code_per_device_and_token_code_serves_only_one():
    two_devices = [recipe("a"), recipe("b", serial=SERIAL + "2")]
    tools = multi.Tools(None, None, token_code_given=True)
    with pytest.raises(UsageError, match="serves one MFA device"):
        multi.switch_many(two_devices, tools, {}, NOW)
    stubs = StubbedSts(session_token, assumed("a"), session_token, assumed("b"))
    asked = []
    tools = multi.Tools(stubs.creator,
                        lambda r, use: asked.append(r.serial_number) or use("123456"))
    outcome = multi.switch_many(two_devices, tools, {}, NOW)
    assert asked == [SERIAL, SERIAL + "2"]
    assert not outcome.failed


def test_a_kept_session_is_reused_only_for_its_device_and_while_fresh():
    values = dict(multi.credential_values(multi.sts.Credentials(
        "ASIAEXAMPLEEXAMPLE01", "s", "t", NOW + datetime.timedelta(hours=1))),
        managed_by="mfa-switch", mfa_session_serial=SERIAL)
    kept = {"default-mfa-session": values}
    assert multi.kept_session(kept, recipe("a"), NOW).reused
    assert multi.kept_session(kept, recipe("a", serial="other"), NOW) is None
    late = NOW + datetime.timedelta(minutes=56)
    assert multi.kept_session(kept, recipe("a"), late) is None
    unmarked = {"default-mfa-session": dict(values, managed_by="someone")}
    assert multi.kept_session(unmarked, recipe("a"), NOW) is None


def test_a_refused_code_for_one_device_keeps_the_other_devices_roles():
    def wrong_code(stubber):
        stubber.add_client_error(
            "get_session_token", service_error_code="AccessDenied",
            http_status_code=403, service_message=(
                "MultiFactorAuthentication failed with invalid MFA one time "
                "pass code."))
    stubs = StubbedSts(session_token, assumed("a"), wrong_code)
    tools = multi.Tools(stubs.creator, lambda r, use: use("123456"))
    outcome = multi.switch_many(
        [recipe("a"), recipe("b", serial=SERIAL + "2")], tools, {}, NOW)
    assert [r.profile for r, _ in outcome.switched] == ["a"]
    assert [r.profile for r, _ in outcome.failed] == ["b"]
    assert set(outcome.sections()) == {"a", "default-mfa-session"}
    assert "already used" in multi.summary(outcome, NOW)


def test_cancelling_at_the_second_device_stops_everything():
    from awscli_mfa_plugin.errors import Cancelled

    def code(recipe, use):
        if recipe.serial_number != SERIAL:
            raise Cancelled()
        return use("123456")
    stubs = StubbedSts(session_token, assumed("a"), lambda stubber: None)
    with pytest.raises(Cancelled):
        multi.switch_many([recipe("a"), recipe("b", serial=SERIAL + "2")],
                          multi.Tools(stubs.creator, code), {}, NOW)
