"""Keeping still-valid credentials, exporting them and listing profiles, end to end.

Every test runs the real ``aws`` with the plugin against moto on loopback.
"""
import configparser
import datetime
import io
import json
import os
import re
import shutil
import subprocess

import pexpect
import pytest

from tests.awsenv import AWS
from tests.codes.test_prompt_pty import Terminal

UTC = datetime.timezone.utc
NO_CODE = "No MFA code"  # what a run says when it would need a code
#: What a run says when it renewed from the kept MFA session.
RENEWED_FROM_SESSION = "no code was needed"


def section(aws, name):
    parser = configparser.RawConfigParser()
    parser.read(aws.credentials)
    return dict(parser.items(name)) if parser.has_section(name) else None


def switch(aws, *extra):
    result = aws.run("mfa-switch", "--profile", "dev",
                     "--token-code", aws.code(), *extra)
    assert result.returncode == 0, result.stderr
    return section(aws, "dev")


def other_role(aws, name):
    """Create another role in the loopback IAM; its ARN."""
    import boto3

    iam = boto3.client("iam", endpoint_url=aws.endpoint, region_name="us-east-1",
                       aws_access_key_id="testing",
                       aws_secret_access_key="testing")
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")[
        "Role"]["Arn"]


def snapshot(path):
    return path.read_bytes(), os.stat(path).st_mtime_ns


def add_managed_section(aws, name, expiration):
    with open(aws.credentials, "a") as handle:
        handle.write(
            f"\n[{name}]\naws_access_key_id = ASIAOLDOLDOLDOLDOLD0\n"
            "aws_secret_access_key = old-secret\n"
            "aws_session_token = old-token\n"
            f"expiration = {expiration:%Y-%m-%dT%H:%M:%SZ}\n"
            "managed_by = mfa-switch\n")


def add_config(aws, text):
    with open(aws.config, "a") as handle:
        handle.write("\n" + text)


class TestStillValid:
    def test_valid_credentials_are_kept_without_a_code_and_the_file_untouched(self, aws):
        stored = switch(aws)
        before = snapshot(aws.credentials)
        # No --token-code and an empty stdin: asking for a code would fail.
        result = aws.run("mfa-switch", "--profile", "dev")
        assert result.returncode == 0, result.stderr
        assert result.stdout == ""
        assert "'dev' keeps its credentials" in result.stderr
        assert aws.account.role_arn in result.stderr
        assert stored["aws_access_key_id"] in result.stderr
        assert re.search(r"[01]h\d\dm from now", result.stderr)
        assert stored["aws_secret_access_key"] not in result.stderr
        assert stored["aws_session_token"] not in result.stderr
        assert snapshot(aws.credentials) == before

    def test_a_given_code_is_not_spent_while_credentials_are_valid(self, aws):
        switch(aws)
        before = snapshot(aws.credentials)
        result = aws.run("mfa-switch", "--profile", "dev",
                         "--token-code", aws.code())
        assert result.returncode == 0, result.stderr
        assert "keeps its credentials" in result.stderr
        assert snapshot(aws.credentials) == before

    def test_force_renews(self, aws):
        old = switch(aws)
        result = aws.run("mfa-switch", "--profile", "dev", "--force")
        assert result.returncode != 0 and NO_CODE in result.stderr
        new = switch(aws, "--force")
        assert new["aws_access_key_id"] != old["aws_access_key_id"]

    def test_min_remaining_flag_decides(self, aws):
        switch(aws, "--duration-seconds", "900")
        before = snapshot(aws.credentials)
        kept = aws.run("mfa-switch", "--profile", "dev", "--min-remaining", "600")
        assert kept.returncode == 0, kept.stderr
        assert snapshot(aws.credentials) == before
        # Renewed - from the MFA session the first switch kept, no code.
        renew = aws.run("mfa-switch", "--profile", "dev", "--min-remaining", "1000")
        assert renew.returncode == 0, renew.stderr
        assert RENEWED_FROM_SESSION in renew.stderr
        assert snapshot(aws.credentials) != before

    def test_profile_key_sets_the_minimum_and_the_flag_overrides_it(self, aws):
        switch(aws, "--duration-seconds", "900")
        aws.config.write_text(aws.config.read_text().replace(
            "[profile dev]\n", "[profile dev]\nmfa_min_remaining = 1000\n"))
        renew = aws.run("mfa-switch", "--profile", "dev")
        assert renew.returncode == 0 and RENEWED_FROM_SESSION in renew.stderr
        kept = aws.run("mfa-switch", "--profile", "dev", "--min-remaining", "60")
        assert kept.returncode == 0, kept.stderr
        assert "keeps its credentials" in kept.stderr

    def test_credentials_within_five_minutes_of_expiry_are_renewed(self, aws):
        soon = datetime.datetime.now(UTC) + datetime.timedelta(seconds=240)
        add_managed_section(aws, "dev", soon)
        result = aws.run("mfa-switch", "--profile", "dev")
        assert result.returncode != 0 and NO_CODE in result.stderr
        assert switch(aws)["aws_access_key_id"] != "ASIAOLDOLDOLDOLDOLD0"

    def test_expired_credentials_are_renewed(self, aws):
        past = datetime.datetime.now(UTC) - datetime.timedelta(hours=1)
        add_managed_section(aws, "dev", past)
        assert switch(aws)["aws_access_key_id"] != "ASIAOLDOLDOLDOLDOLD0"

    def test_kept_only_for_the_role_they_were_made_for(self, aws):
        other = other_role(aws, "ReadOnly")
        written = switch(aws)
        assert written["mfa_switch_role_arn"] == aws.account.role_arn
        # The same role by flag is what is stored: kept, and said so.
        same = aws.run("mfa-switch", "--profile", "dev",
                       "--role-arn", aws.account.role_arn)
        assert same.returncode == 0, same.stderr
        assert f"keeps its credentials for {aws.account.role_arn}" in same.stderr
        # Another role by flag needs new credentials (from the kept MFA
        # session: no code).
        result = aws.run("mfa-switch", "--profile", "dev", "--role-arn", other)
        assert result.returncode == 0 and RENEWED_FROM_SESSION in result.stderr
        assert section(aws, "dev")["mfa_switch_role_arn"] == other
        listed = aws.run("mfa-switch", "--list")
        assert listed.returncode == 0, listed.stderr
        dev_row = next(line for line in listed.stdout.splitlines()
                       if line.startswith("dev "))
        assert "ReadOnly" in dev_row and "other role" in dev_row
        # Back to the recipe: the stored credentials are the other role's,
        # so they are neither kept nor reported as the configured role's.
        plain = aws.run("mfa-switch", "--profile", "dev")
        assert plain.returncode == 0 and RENEWED_FROM_SESSION in plain.stderr
        assert "keeps" not in plain.stderr
        assert section(aws, "dev")["mfa_switch_role_arn"] == aws.account.role_arn

    def test_target_profile_is_where_validity_is_read(self, aws):
        switch(aws, "--target-profile", "dev-session")
        result = aws.run("mfa-switch", "--profile", "dev",
                         "--target-profile", "dev-session")
        assert result.returncode == 0, result.stderr
        assert "'dev-session' keeps" in result.stderr

    def test_unmarked_keys_with_an_expiration_are_not_taken_as_ours(self, aws):
        future = datetime.datetime.now(UTC) + datetime.timedelta(hours=5)
        add_managed_section(aws, "dev", future)
        aws.credentials.write_text(
            aws.credentials.read_text().replace("managed_by = mfa-switch\n", ""))
        before = snapshot(aws.credentials)
        result = aws.run("mfa-switch", "--profile", "dev",
                         "--token-code", aws.code())
        assert result.returncode == 253
        assert "did not write" in result.stderr
        assert snapshot(aws.credentials) == before

    @pytest.mark.parametrize("value", ["soon", "-5", "1.5", "\u0663\u0660\u0660"])
    def test_a_malformed_minimum_is_refused(self, aws, value):
        switch(aws)
        before = snapshot(aws.credentials)
        result = aws.run("mfa-switch", "--profile", "dev",
                         "--min-remaining", value)
        assert result.returncode == 252
        assert result.stderr.strip().count("\n") == 0
        assert "whole number of seconds" in result.stderr
        assert "Traceback" not in result.stderr
        assert snapshot(aws.credentials) == before


def bash(aws, script, **env):
    return subprocess.run(["bash", "-c", script], capture_output=True,
                          text=True, env=aws.env(**env), timeout=120)


IDENTITY_AFTER_EVAL = (
    'out=$(aws mfa-switch --profile dev --export {extra}) || exit 9\n'
    'eval "$out" || exit 8\n'
    'env | grep -E "^AWS_(PROFILE|CREDENTIAL_EXPIRATION|DEFAULT_REGION)=" | sort >&2\n'
    'aws sts get-caller-identity\n'
)


class TestExport:
    def test_bash_evaluates_the_lines_and_the_cli_uses_them(self, aws):
        # AWS_PROFILE names a profile that does not exist: the CLI would
        # fail if the exported lines did not unset it.
        result = bash(aws, IDENTITY_AFTER_EVAL.format(
            extra=f"--token-code {aws.code()}"), AWS_PROFILE="gone")
        assert result.returncode == 0, result.stderr
        arn = json.loads(result.stdout)["Arn"]
        assert arn.endswith(":assumed-role/AccessToTestDev/alice")
        stored = section(aws, "dev")
        assert f"AWS_CREDENTIAL_EXPIRATION={stored['expiration']}" in result.stderr
        assert "AWS_DEFAULT_REGION=eu-west-1" in result.stderr
        assert "AWS_PROFILE=" not in result.stderr
        assert "now uses" in result.stderr  # the summary still on stderr

    def test_export_prints_the_stored_values_and_only_on_stdout(self, aws):
        switch(aws)
        before = snapshot(aws.credentials)
        stored = section(aws, "dev")
        result = aws.run("mfa-switch", "--profile", "dev", "--export")
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == [
            "unset AWS_PROFILE",
            f"export AWS_ACCESS_KEY_ID='{stored['aws_access_key_id']}'",
            f"export AWS_SECRET_ACCESS_KEY='{stored['aws_secret_access_key']}'",
            f"export AWS_SESSION_TOKEN='{stored['aws_session_token']}'",
            f"export AWS_CREDENTIAL_EXPIRATION='{stored['expiration']}'",
            "export MFA_SWITCH_PROFILE='dev'",
            "export AWS_REGION='eu-west-1'",
            "export AWS_DEFAULT_REGION='eu-west-1'",
        ]
        assert stored["aws_secret_access_key"] not in result.stderr
        assert stored["aws_session_token"] not in result.stderr
        assert "keeps its credentials" in result.stderr
        assert snapshot(aws.credentials) == before

    def test_still_valid_credentials_are_exported_without_a_code(self, aws):
        switch(aws)
        result = bash(aws, IDENTITY_AFTER_EVAL.format(extra=""))
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["Arn"].endswith(
            ":assumed-role/AccessToTestDev/alice")

    @pytest.mark.skipif(shutil.which("fish") is None,
                        reason="fish is not installed (Debian package 'fish')")
    def test_fish_sources_the_lines_and_the_cli_uses_them(self, aws):
        script = (
            f"aws mfa-switch --profile dev --export fish --token-code {aws.code()}"
            " | source\n"
            "set -q AWS_PROFILE; and exit 7\n"
            "aws sts get-caller-identity\n"
        )
        result = subprocess.run(["fish", "--no-config", "-c", script],
                                capture_output=True, text=True, timeout=120,
                                env=aws.env(AWS_PROFILE="gone"))
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["Arn"].endswith(
            ":assumed-role/AccessToTestDev/alice")

    def test_powershell_lines(self, aws):
        stored = switch(aws)
        result = aws.run("mfa-switch", "--profile", "dev", "--export", "powershell")
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == ("Remove-Item -Path Env:AWS_PROFILE "
                            "-ErrorAction SilentlyContinue")
        assert f"$Env:AWS_SESSION_TOKEN = '{stored['aws_session_token']}'" in lines

    def test_the_prompt_goes_to_the_terminal_while_stdout_is_captured(self, aws):
        script = IDENTITY_AFTER_EVAL.format(extra="")
        transcript = io.StringIO()  # everything the terminal showed
        child = Terminal(pexpect.spawn(
            "bash", ["-c", script], env=aws.env(), encoding="utf-8",
            timeout=60, dimensions=(24, 120)))
        child.child.logfile_read = transcript
        child.expect("MFA code for " + aws.account.serial_number)
        child.send(aws.code() + "\r")
        child.expect("assumed-role/AccessToTestDev/alice")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0
        stored = section(aws, "dev")
        shown = transcript.getvalue()
        assert f"AWS_CREDENTIAL_EXPIRATION={stored['expiration']}" in shown
        assert stored["aws_secret_access_key"] not in shown
        assert stored["aws_session_token"] not in shown

    @pytest.mark.parametrize("args", [
        ("--export", "tcsh"),
        ("--export", "fish", "--credential-process"),
        ("--list", "--export"),
    ])
    def test_wrong_shell_or_conflicting_modes_are_refused(self, aws, args):
        before = snapshot(aws.credentials)
        result = aws.run("mfa-switch", "--profile", "dev",
                         "--token-code", aws.code(), *args)
        assert result.returncode != 0
        assert result.stdout == ""
        assert "Traceback" not in result.stderr
        assert snapshot(aws.credentials) == before


NATIVE = """[profile native]
role_arn = {role_arn}
source_profile = default
mfa_serial = {serial}
region = eu-west-1
"""


class TestList:
    def rows(self, aws):
        result = aws.run("mfa-switch", "--list")
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0].split() == ["PROFILE", "ROLE", "SOURCE", "LEFT"]
        return {line.split()[0]: line for line in lines[1:]}, result

    def test_lists_recipes_and_native_profiles_with_their_time_left(self, aws):
        add_config(aws, NATIVE.format(role_arn=aws.account.role_arn,
                                      serial=aws.account.serial_number))
        rows, _ = self.rows(aws)
        assert set(rows) == {"dev", "session", "native"}
        assert all(line.endswith("never switched") for line in rows.values())
        assert rows["session"].split()[1:3] == ["session", "token"]
        assert aws.account.role_arn in rows["dev"]

        stored = switch(aws)
        add_managed_section(aws, "session", datetime.datetime(2020, 1, 1, tzinfo=UTC))
        prime_cli_cache(aws, "native")
        rows, result = self.rows(aws)
        assert re.fullmatch(r"dev\s+\S+/AccessToTestDev\s+default\s+[01]h\d\dm",
                            rows["dev"])
        assert re.fullmatch(r"session\s+session token\s+default\s+expired",
                            rows["session"])
        assert re.fullmatch(r"native\s+\S+/AccessToTestDev\s+default\s+[01]h\d\dm",
                            rows["native"])
        assert stored["aws_secret_access_key"] not in result.stdout
        assert stored["aws_session_token"] not in result.stdout

    def test_a_source_profile_holding_the_serial_is_not_listed(self, aws):
        aws.config.write_text(aws.config.read_text().replace(
            "[default]\n", f"[default]\nmfa_serial = {aws.account.serial_number}\n"))
        rows, _ = self.rows(aws)
        assert set(rows) == {"dev", "session"}

    def test_nothing_to_list_is_said_on_stderr(self, aws):
        aws.config.write_text("[plugins]\nmfa_switch = awscli_mfa_plugin\n")
        result = aws.run("mfa-switch", "--list")
        assert result.returncode == 0
        assert result.stdout == ""
        assert "No profile has an mfa-switch recipe" in result.stderr


def prime_cli_cache(aws, profile):
    """Let the AWS CLI itself assume a native role, answering its MFA prompt.

    The CLI writes the result into its cache, where the listing must find it.
    """
    child = pexpect.spawn(AWS, ["sts", "get-caller-identity", "--profile", profile],
                          env=aws.env(), encoding="utf-8", timeout=60)
    child.expect("Enter MFA code for " + aws.account.serial_number)
    child.sendline(aws.code())
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert os.listdir(aws.dot_aws / "cli" / "cache")


def test_help_documents_the_new_options(aws):
    result = aws.run("mfa-switch", "help", env=aws.env(PAGER="cat", MANPAGER="cat"))
    assert result.returncode == 0, result.stderr
    text = re.sub(r".\x08", "", result.stdout)
    for option in ("--force", "--min-remaining", "--export", "--credential-process",
                   "--list", "mfa_min_remaining", "credential_process = aws mfa-switch"):
        assert option in text
