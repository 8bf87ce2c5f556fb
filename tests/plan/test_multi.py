"""One code, many roles: one MFA session per device, each role assumed from it."""
import configparser
import datetime
import json
import threading

import boto3
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse

from awscli_mfa_plugin.deliver.sinks import CredentialsFile, Delivery, credential_values
from awscli_mfa_plugin.errors import Cancelled, ExitCode, UsageError
from awscli_mfa_plugin.plan import planner
from awscli_mfa_plugin.plan.recipe import Recipe
from awscli_mfa_plugin.report.sentences import switched_lines
from awscli_mfa_plugin.request.parse import Request
from awscli_mfa_plugin.sts import calls as sts
from awscli_mfa_plugin.sts import exchange
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
        # Ask for more time than the roles have (one hour) and less than
        # the 12-hour session has, so they are renewed - from the session.
        renew = ("--min-remaining", "4000")
        for args in (("ops", "dev"), ("--profile", "ops"),
                     ("--profile", "session")):
            again = aws.run("mfa-switch", *args, *renew, input="")
            assert again.returncode == 0, again.stderr
            assert "no code was needed" in again.stderr
        assert sections(aws)["default-mfa-session"] == kept
        # The minimum remaining time applies to the session too: more than
        # it has left, and a code is due.
        longer = aws.run("mfa-switch", "--profile", "ops", "--min-remaining",
                         "50000", input="")
        assert longer.returncode == 252
        assert "No MFA code" in longer.stderr
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


# -- the plan and the STS stage: what moto cannot refuse ---------------------

CREDS = {"AccessKeyId": "ASIAEXAMPLEEXAMPLE01", "SecretAccessKey": "s" * 40,
         "SessionToken": "SESSIONTOKENSECRET",
         "Expiration": datetime.datetime(2030, 1, 1, 13, tzinfo=UTC)}


def recipe(name, serial=SERIAL, source="default", duration=None):
    return Recipe(profile=name, target_profile=name, source_profile=source,
                  serial_number=serial,
                  role_arn=f"arn:aws:iam::222222222222:role/{name}",
                  role_session_name="alice", duration_seconds=duration)


def plan(recipes, sections=None, **request):
    return planner.exchanges(
        [planner.Target(r) for r in recipes],
        Request(names=tuple(r.profile for r in recipes),
                selected_profile="default", **request),
        sections or {}, NOW)


class StubbedSts:
    """STS clients whose answers are scripted per operation and role.

    The roles of a group are assumed in threads through one client, in no
    fixed order, so an answer is matched to its call by what it answers
    (the operation and the RoleArn, or the device of a GetSessionToken),
    never by position.  Each answer is
    given once, to a call with exactly its expected parameters; anything
    else fails the test.  ``created`` has the keyword arguments of every
    client made (its config as the size of its connection pool).
    ``together``, when set, is how many AssumeRole calls must be in flight
    at once before any is answered: a wave smaller than that never
    completes, and the test fails.
    """

    def __init__(self, *scripts, together=None):
        self.answers = {}
        self.created = []
        self._lock = threading.Lock()
        self._together = together and threading.Barrier(together)
        for script in scripts:
            script(self)

    def add(self, operation, params, parsed, status=200):
        key = (operation, params.get("RoleArn") or params.get("SerialNumber"))
        assert key not in self.answers, f"two answers for {key}"
        self.answers[key] = (params, (AWSResponse(None, status, {}, None),
                                      dict(parsed)))

    def add_error(self, operation, params, status, code, message):
        self.add(operation, params, {
            "ResponseMetadata": {"HTTPStatusCode": status},
            "Error": {"Code": code, "Message": message}}, status)

    def creator(self, recipe):
        def create(service, **kwargs):
            assert service == "sts"
            config = kwargs.get("config")
            self.created.append(kwargs if config is None else dict(
                kwargs, config=config.max_pool_connections))
            client = botocore.session.Session().create_client(
                "sts", region_name="us-east-1",
                aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x")
            client.meta.events.register("before-parameter-build.sts.*",
                                        self._take_params)
            client.meta.events.register("before-call.sts.*", self._answer)
            return client
        return create

    @staticmethod
    def _take_params(params, context, **kwargs):
        context["stub_params"] = dict(params)

    def _answer(self, model, context, **kwargs):
        params = context["stub_params"]
        if self._together and model.name == "AssumeRole":
            # A deadlock guard, not a time limit: the wave either holds
            # every call at once or never completes.
            self._together.wait(timeout=60)
        key = (model.name, params.get("RoleArn") or params.get("SerialNumber"))
        with self._lock:
            assert key in self.answers, f"unexpected call {key}: {params}"
            expected, response = self.answers.pop(key)
        assert params == expected, f"{key}: {params} != {expected}"
        return response

    def done(self):
        assert not self.answers, f"calls never made: {sorted(self.answers)}"


class Codes:
    """A code source that records which devices it was asked for."""

    def __init__(self, cancel_for=None):
        self.asked = []
        self.cancel_for = cancel_for

    def exchange(self, recipe, use):
        self.asked.append(recipe.serial_number)
        if recipe.serial_number == self.cancel_for:
            raise Cancelled()
        return use("123456")


def session_token(stubs, serial=SERIAL):
    stubs.add("GetSessionToken", {"SerialNumber": serial, "TokenCode": "123456"},
              {"Credentials": CREDS})


def session_token_of(serial):
    return lambda stubs: session_token(stubs, serial)


def role_arn(name):
    return f"arn:aws:iam::222222222222:role/{name}"


def role_answer(name):
    return {"Credentials": CREDS,
            "AssumedRoleUser": {"AssumedRoleId": "AROA:alice",
                                "Arn": f"arn:aws:sts::2:assumed-role/{name}/alice"}}


def assumed(name):
    def script(stubs):
        stubs.add("AssumeRole", {
            "RoleArn": role_arn(name), "RoleSessionName": "alice",
            "DurationSeconds": 3600}, role_answer(name))
    return script


def assumed_with_code(name, serial=SERIAL):
    def script(stubs):
        stubs.add("AssumeRole", {
            "RoleArn": role_arn(name), "RoleSessionName": "alice",
            "SerialNumber": serial, "TokenCode": "123456"}, role_answer(name))
    return script


def denied(name):
    def script(stubs):
        stubs.add_error(
            "AssumeRole", {"RoleArn": role_arn(name), "RoleSessionName": "alice",
                           "DurationSeconds": 3600},
            403, "AccessDenied",
            "User is not authorized to perform: sts:AssumeRole")
    return script


def session_keys(roles):
    """What a client signing with the MFA session is created with: its keys,
    and a connection for each of the ``roles`` assumed at once."""
    return {"aws_access_key_id": CREDS["AccessKeyId"],
            "aws_secret_access_key": CREDS["SecretAccessKey"],
            "aws_session_token": CREDS["SessionToken"],
            "config": roles}


def test_one_refused_role_does_not_stop_the_others():
    planned = plan([recipe("a"), recipe("b"), recipe("c")])
    assert len(planned) == 1 and not planned[0].direct
    stubs = StubbedSts(session_token, assumed("a"), denied("b"), assumed("c"))
    codes = Codes()
    outcome = exchange.run(planned, stubs.creator, codes, NOW)
    assert codes.asked == [SERIAL]
    # One client for the code, one signing with the session for the roles.
    assert stubs.created == [{}, session_keys(3)]
    assert [s.target.name for s in outcome.switched] == ["a", "c"]
    assert [t.name for t, _ in outcome.failed] == ["b"]
    assert outcome.exit_code() == ExitCode.SERVICE
    written = CredentialsFile("unused").sections(Delivery(
        outcome.switched, tuple(outcome.new_sessions())))
    assert set(written) == {"a", "c", "default-mfa-session"}
    text = "\n".join(switched_lines(outcome, NOW, several=True))
    assert "'b' was not switched: " in text and "trust" in text
    assert "s" * 40 not in text and "SESSIONTOKENSECRET" not in text
    stubs.done()


def test_twenty_roles_share_the_session_client_and_keep_their_order():
    names = [f"r{i:02d}" for i in range(20)]
    refused = {"r03", "r10", "r19"}
    planned = plan([recipe(name) for name in names])
    # All twenty in one wave: two round trips against a far STS, not four.
    stubs = StubbedSts(session_token, *(
        denied(name) if name in refused else assumed(name) for name in names),
        together=20)
    outcome = exchange.run(planned, stubs.creator, Codes(), NOW)
    assert stubs.created == [{}, session_keys(20)]
    assert [s.target.name for s in outcome.switched] == \
        [name for name in names if name not in refused]
    assert [s.credentials.arn for s in outcome.switched] == [
        f"arn:aws:sts::2:assumed-role/{name}/alice"
        for name in names if name not in refused]
    assert [t.name for t, _ in outcome.failed] == sorted(refused)
    stubs.done()


def test_one_code_per_device_and_token_code_serves_only_one():
    two_devices = [recipe("a"), recipe("b", serial=SERIAL + "2")]
    with pytest.raises(UsageError, match="serves one MFA device"):
        plan(two_devices, token_code="123456")
    planned = plan(two_devices)
    # Alone on its device, each role is assumed from an MFA session of its
    # own, made with its code (and kept, so renewals need none).
    assert [e.direct for e in planned] == [False, False]
    stubs = StubbedSts(session_token, session_token_of(SERIAL + "2"),
                       assumed("a"), assumed("b"))
    codes = Codes()
    outcome = exchange.run(planned, stubs.creator, codes, NOW)
    assert codes.asked == [SERIAL, SERIAL + "2"]
    assert not outcome.failed and len(outcome.new_sessions()) == 2
    stubs.done()


def kept_sections(expires=NOW + datetime.timedelta(hours=1), **extra):
    values = dict(credential_values(sts.Credentials(
        "ASIAEXAMPLEEXAMPLE01", "s", "t", expires)),
        managed_by="mfa-switch", mfa_session_serial=SERIAL)
    values.update(extra)
    return {"default-mfa-session": values}


def test_a_kept_session_is_reused_only_for_its_device_and_while_fresh():
    kept = kept_sections()
    assert planner.kept_session(kept, recipe("a"), NOW).reused
    assert planner.kept_session(kept, recipe("a", serial="other"), NOW) is None
    late = NOW + datetime.timedelta(minutes=56)
    assert planner.kept_session(kept, recipe("a"), late) is None
    unmarked = kept_sections(managed_by="someone")
    assert planner.kept_session(unmarked, recipe("a"), NOW) is None


def test_a_kept_session_serves_what_role_chaining_can_give():
    long = recipe("long", duration=43200)
    planned = plan([recipe("a"), long], kept_sections())
    assert [(e.needs_code, [t.name for t in e.targets]) for e in planned] == \
        [(False, ["a"]), (True, ["long"])]
    assert planned[1].direct
    # --force and --token-code both mean: not from the kept session.
    assert all(e.needs_code for e in plan([recipe("a")], kept_sections(),
                                          force=True))
    assert all(e.needs_code for e in plan([recipe("a")], kept_sections(),
                                          token_code="123456"))


def test_a_refused_code_for_one_device_keeps_the_other_devices_roles():
    def wrong_code(stubs):
        stubs.add_error(
            "GetSessionToken", {"SerialNumber": SERIAL + "2",
                                "TokenCode": "123456"},
            403, "AccessDenied",
            "MultiFactorAuthentication failed with invalid MFA one time "
            "pass code.")
    stubs = StubbedSts(session_token, assumed("a"), wrong_code)
    outcome = exchange.run(
        plan([recipe("a"), recipe("b", serial=SERIAL + "2")]),
        stubs.creator, Codes(), NOW)
    assert [s.target.name for s in outcome.switched] == ["a"]
    assert [t.name for t, _ in outcome.failed] == ["b"]
    assert "already used" in "\n".join(switched_lines(outcome, NOW, True))
    stubs.done()


def test_cancelling_at_the_second_device_stops_everything():
    stubs = StubbedSts(session_token, assumed("a"))
    with pytest.raises(Cancelled):
        exchange.run(plan([recipe("a"), recipe("b", serial=SERIAL + "2")]),
                     stubs.creator, Codes(cancel_for=SERIAL + "2"), NOW)
    stubs.done()


def test_one_profile_goes_through_an_mfa_session_unless_it_asks_for_longer():
    (alone,) = plan([recipe("a")])
    assert not alone.direct and alone.needs_code
    (longer,) = plan([recipe("a", duration=43200)])
    assert longer.direct
    token = Recipe(profile="s", target_profile="s", source_profile="default",
                   serial_number=SERIAL)
    (session_profile,) = plan([token])
    assert session_profile.direct


def test_the_minimum_remaining_time_applies_to_the_kept_session():
    kept = kept_sections(expires=NOW + datetime.timedelta(minutes=20))
    (served,) = plan([recipe("a")], kept)
    assert not served.needs_code
    (asked,) = plan([recipe("a")], kept, mode="credential-process")  # 15 min
    assert not asked.needs_code
    profiles = {"a": {"mfa_min_remaining": "1500"}}
    (refused,) = planner.exchanges(
        [planner.Target(recipe("a"))],
        Request(names=("a",), selected_profile="default"), kept, NOW, profiles)
    assert refused.needs_code
    (flag,) = plan([recipe("a")], kept, min_remaining="1201")
    assert flag.needs_code


def test_a_direct_role_says_what_it_trades():
    stubs = StubbedSts(lambda s: s.add("AssumeRole", {
        "RoleArn": role_arn("a"), "RoleSessionName": "alice",
        "SerialNumber": SERIAL, "TokenCode": "123456",
        "DurationSeconds": 43200}, role_answer("a")))
    outcome = exchange.run(plan([recipe("a", duration=43200)]), stubs.creator,
                           Codes(), NOW)
    assert switched_lines(outcome, NOW, several=False)[-1] == (
        "Profile 'a' asks for 43200 s, longer than the hour a role assumed "
        "from an MFA session may last, so the code went into its own "
        "AssumeRole: it gets its full duration, but no MFA session is kept "
        "and its next renewal needs a new code.")
    stubs.done()


def test_the_session_lasts_mfa_session_duration_of_profile_or_source():
    from awscli_mfa_plugin.plan.recipe import resolve_recipe

    profiles = {"dev": {"mfa_role_arn": role_arn("dev"), "mfa_serial": SERIAL},
                "default": {"mfa_session_duration": "28800"}}
    assert resolve_recipe(profiles, "dev").session_duration == 28800
    profiles["dev"]["mfa_session_duration"] = "3600"
    assert resolve_recipe(profiles, "dev").session_duration == 3600
    profiles["dev"]["mfa_session_duration"] = "600"
    with pytest.raises(UsageError, match=r"\(mfa_session_duration\) is outside"):
        resolve_recipe(profiles, "dev")
    stubs = StubbedSts(
        lambda s: s.add("GetSessionToken", {
            "SerialNumber": SERIAL, "TokenCode": "123456",
            "DurationSeconds": 7200}, {"Credentials": CREDS}),
        assumed("a"))
    exchange.run(plan([recipe("a").replace(session_duration=7200)]),
                 stubs.creator, Codes(), NOW)
    stubs.done()
