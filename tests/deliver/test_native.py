"""Native role profiles: mfa-switch primes the AWS CLI's own cache."""
import configparser
import datetime
import json
import os
import re
import stat
import subprocess

import botocore.session
import pytest
from botocore.credentials import AssumeRoleProvider
from botocore.stub import Stubber

from awscli_mfa_plugin.deliver import clicache as native
from tests.awsenv import AWS

ROLE = "arn:aws:iam::222222222222:role/R"
SERIAL = "arn:aws:iam::111111111111:mfa/alice"


@pytest.mark.parametrize("extra", [
    {},
    {"role_session_name": "ops"},
    {"duration_seconds": "1800"},
    {"duration_seconds": "1h"},  # botocore drops what is not a number
    {"external_id": "ext-1", "role_session_name": "ops",
     "duration_seconds": "43200"},
])
def test_cache_key_is_the_one_botocore_writes(extra):
    """Let botocore's own provider assume the role into a dict; compare keys."""
    config = {"role_arn": ROLE, "source_profile": "default",
              "mfa_serial": SERIAL, **extra}
    client = botocore.session.Session().create_client(
        "sts", region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret")
    cache = {}
    provider = AssumeRoleProvider(
        load_config=lambda: {"profiles": {
            "native": config,
            "default": {"aws_access_key_id": "AKIDEXAMPLE",
                        "aws_secret_access_key": "secret"}}},
        client_creator=lambda *args, **kwargs: client,
        cache=cache, profile_name="native", prompter=lambda prompt: "123456")
    with Stubber(client) as stubber:
        stubber.add_response("assume_role", {
            "Credentials": {
                "AccessKeyId": "ASIAEXAMPLEEXAMPLE01", "SecretAccessKey": "s",
                "SessionToken": "t",
                "Expiration": datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)},
            "AssumedRoleUser": {"AssumedRoleId": "AROA:x",
                                "Arn": "arn:aws:sts::222222222222:assumed-role/R/x"}})
        provider.load().get_frozen_credentials()
    assert list(cache) == [native.cache_key(config)]


def run_without_terminal(aws, *args):
    """Run ``aws`` with no controlling terminal, so nothing can prompt."""
    return subprocess.run(
        [AWS, *args], input="", capture_output=True, text=True,
        env=aws.env(), timeout=60, start_new_session=True)


def add_native_profile(aws, extra=""):
    with open(aws.config, "a") as config:
        config.write(
            "\n[profile native]\n"
            f"role_arn = {aws.account.role_arn}\n"
            "source_profile = default\n"
            f"mfa_serial = {aws.account.serial_number}\n"
            "region = eu-west-1\n" + extra)


def test_switch_primes_the_cli_cache_so_the_cli_asks_nothing(aws):
    add_native_profile(aws, "duration_seconds = 1800\n")
    before = aws.credentials.read_bytes()
    # Without the switch the CLI needs a code and, with no terminal, fails.
    unprimed = run_without_terminal(aws, "sts", "get-caller-identity",
                                    "--profile", "native")
    assert unprimed.returncode != 0
    assert "Enter MFA code" in unprimed.stderr

    result = aws.run("mfa-switch", "--profile", "native",
                     "--token-code", aws.code())
    assert result.returncode == 0, result.stderr
    assert "assumed-role/AccessToTestDev/alice" in result.stderr
    assert "cli/cache" in result.stderr and result.stdout == ""

    after = run_without_terminal(aws, "sts", "get-caller-identity",
                                 "--profile", "native")
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout)["Arn"].endswith(
        ":assumed-role/AccessToTestDev/alice")
    assert "Enter MFA code" not in after.stderr
    # The credentials file gains only the kept MFA session, from which the
    # role is renewed without a code.
    text = aws.credentials.read_text()
    assert text.startswith(before.decode())
    assert re.findall(r"^\[(.*)\]$", text[len(before):], re.M) == [
        "default-mfa-session"]


def test_cache_entry_is_private_and_shaped_like_botocores(aws):
    add_native_profile(aws)
    result = aws.run("mfa-switch", "--profile", "native",
                     "--token-code", aws.code())
    assert result.returncode == 0, result.stderr
    cache = aws.dot_aws / "cli" / "cache"
    (entry,) = cache.iterdir()
    assert stat.S_IMODE(os.stat(entry).st_mode) == 0o600
    body = json.loads(entry.read_text())
    assert body["Credentials"]["AccountId"] == "123456789012"
    assert body["Credentials"]["Expiration"].endswith("UTC")
    assert body["AssumedRoleUser"]["Arn"].endswith("/alice")


def test_flags_that_would_change_the_cache_key_are_refused(aws):
    add_native_profile(aws)
    result = aws.run("mfa-switch", "--profile", "native",
                     "--token-code", aws.code(), "--duration-seconds", "900")
    assert result.returncode == 252
    assert "AWS CLI role profile" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (aws.dot_aws / "cli" / "cache").exists()


def test_credential_source_is_a_sentence(aws):
    with open(aws.config, "a") as config:
        config.write(
            "\n[profile native]\n"
            f"role_arn = {aws.account.role_arn}\n"
            "credential_source = Environment\n"
            f"mfa_serial = {aws.account.serial_number}\n")
    result = aws.run("mfa-switch", "--profile", "native",
                     "--token-code", aws.code())
    assert result.returncode == 253
    assert "source_profile" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_still_valid_cache_entry_is_kept_and_force_renews_it(aws):
    add_native_profile(aws)
    first = aws.run("mfa-switch", "--profile", "native",
                    "--token-code", aws.code())
    assert first.returncode == 0, first.stderr
    (entry,) = (aws.dot_aws / "cli" / "cache").iterdir()
    before = entry.read_bytes()
    again = aws.run("mfa-switch", "--profile", "native", input="")
    assert again.returncode == 0, again.stderr
    assert "keeps its credentials" in again.stderr
    assert entry.read_bytes() == before
    forced = aws.run("mfa-switch", "--profile", "native", "--force",
                     input=aws.code() + "\n")
    assert forced.returncode == 0, forced.stderr
    assert entry.read_bytes() != before


def test_the_listing_reads_the_entry_the_switch_wrote(aws):
    add_native_profile(aws)
    result = aws.run("mfa-switch", "--profile", "native",
                     "--token-code", aws.code())
    assert result.returncode == 0, result.stderr
    listing = aws.run("mfa-switch", "--list")
    assert listing.returncode == 0, listing.stderr
    (row,) = [line for line in listing.stdout.splitlines()
              if line.startswith("native ")]
    assert "never" not in row and row.rstrip().endswith("m")


CORRUPT_ENTRIES = {
    "expiration-beyond-any-calendar": lambda body: body["Credentials"].update(
        Expiration="1e300"),
    "expiration-infinite": lambda body: body["Credentials"].update(
        Expiration="inf"),
    "access-key-a-number": lambda body: body["Credentials"].update(
        AccessKeyId=12345),
    "token-missing": lambda body: body["Credentials"].pop("SessionToken"),
    "credentials-a-list": lambda body: body.update(Credentials=[1, 2]),
    "not-json": None,
}


def corrupt_the_entry(aws, kind):
    """Switch ``native`` once, then spoil its cache entry as ``kind`` says."""
    add_native_profile(aws)
    result = aws.run("mfa-switch", "--profile", "native",
                     "--token-code", aws.code())
    assert result.returncode == 0, result.stderr
    (entry,) = (aws.dot_aws / "cli" / "cache").iterdir()
    if CORRUPT_ENTRIES[kind] is None:
        entry.write_text('{"Credentials": {"AccessKeyId": "ASIA')
    else:
        body = json.loads(entry.read_text())
        CORRUPT_ENTRIES[kind](body)
        entry.write_text(json.dumps(body))
    return entry


@pytest.mark.parametrize("kind", CORRUPT_ENTRIES)
def test_the_listing_says_an_entry_is_unreadable(aws, kind):
    corrupt_the_entry(aws, kind)
    listing = aws.run("mfa-switch", "--list")
    assert listing.returncode == 0, listing.stderr
    assert "Traceback" not in listing.stderr
    (row,) = [line for line in listing.stdout.splitlines()
              if line.startswith("native ")]
    assert row.rstrip().endswith("unreadable cache entry")


@pytest.mark.parametrize("kind", CORRUPT_ENTRIES)
def test_an_unreadable_entry_is_switched_anew_and_exported(aws, kind):
    entry = corrupt_the_entry(aws, kind)
    result = aws.run("mfa-switch", "--profile", "native", "--export",
                     "--token-code", aws.code())
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "export AWS_ACCESS_KEY_ID='ASIA" in result.stdout
    body = json.loads(entry.read_text())
    assert result.stdout.count(body["Credentials"]["AccessKeyId"]) == 1
    # and botocore uses the entry now: no code asked for.
    after = run_without_terminal(aws, "sts", "get-caller-identity",
                                 "--profile", "native")
    assert after.returncode == 0, after.stderr


@pytest.mark.parametrize("kind", ["expiration-beyond-any-calendar",
                                  "access-key-a-number"])
def test_an_unreadable_entry_needs_a_code_rather_than_being_kept(aws, kind):
    corrupt_the_entry(aws, kind)
    # Without the MFA session the switch kept, a new code is due.
    section = configparser.RawConfigParser()
    section.read(aws.credentials)
    section.remove_section("default-mfa-session")
    with aws.credentials.open("w") as out:
        section.write(out)
    result = run_without_terminal(aws, "mfa-switch", "--profile", "native",
                                  "--credential-process")
    assert result.returncode == 252, result.stderr
    assert "no terminal to ask for it on" in result.stderr
    assert result.stdout == ""


def test_folders_made_for_the_cache_are_private_whatever_the_umask(aws):
    """Under umask 000 ~/.aws/cli and ~/.aws/cli/cache are still 0700: the
    cache holds secrets, and a folder others can write lets them swap it."""
    add_native_profile(aws)
    assert not (aws.dot_aws / "cli").exists()
    result = subprocess.run(
        [AWS, "mfa-switch", "--profile", "native", "--token-code", aws.code()],
        input="", capture_output=True, text=True, env=aws.env(), timeout=60,
        preexec_fn=lambda: os.umask(0))
    assert result.returncode == 0, result.stderr
    cli = aws.dot_aws / "cli"
    modes = {path.name: stat.S_IMODE(path.stat().st_mode)
             for path in (aws.dot_aws, cli, cli / "cache")}
    assert modes == {".aws": 0o700, "cli": 0o700, "cache": 0o700}
    (entry,) = (cli / "cache").iterdir()
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
