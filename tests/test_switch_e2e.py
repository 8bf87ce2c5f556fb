"""``aws mfa-switch`` end to end: the real CLI, the plugin, a loopback STS."""
import configparser
import json
import os
import stat

import pytest


def caller_arn(aws, profile, **env):
    result = aws.run("sts", "get-caller-identity", "--profile", profile,
                     env=aws.env(**env))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["Arn"]


def credentials_section(aws, name):
    parser = configparser.RawConfigParser()
    parser.read(aws.credentials)
    return dict(parser.items(name))


class TestRoleMode:
    def test_switch_assumes_the_role_and_other_commands_use_it(self, aws):
        # A zone other than UTC: the summary adds local time only then
        # (tests/test_first_use_e2e.py).
        result = aws.run("mfa-switch", "--profile", "dev",
                         "--token-code", aws.code(),
                         env=aws.env(TZ="America/New_York"))
        assert result.returncode == 0, result.stderr
        assert result.stdout == ""
        assert "assumed-role/AccessToTestDev/alice" in result.stderr
        assert "UTC" in result.stderr and "local time" in result.stderr
        assert caller_arn(aws, "dev").endswith(
            ":assumed-role/AccessToTestDev/alice")

    def test_written_section_has_keys_expiration_and_marker(self, aws):
        result = aws.run("mfa-switch", "--profile", "dev",
                         "--token-code", aws.code())
        assert result.returncode == 0, result.stderr
        section = credentials_section(aws, "dev")
        assert section["aws_access_key_id"].startswith("ASIA")
        assert section["aws_secret_access_key"]
        assert section["aws_session_token"]
        assert section["managed_by"] == "mfa-switch"
        assert section["expiration"].endswith("Z")
        assert stat.S_IMODE(os.stat(aws.credentials).st_mode) == 0o600

    def test_source_keys_and_comment_survive(self, aws):
        before = aws.credentials.read_bytes()
        result = aws.run("mfa-switch", "--profile", "dev",
                         "--token-code", aws.code())
        assert result.returncode == 0, result.stderr
        assert aws.credentials.read_bytes().startswith(before)

    def test_aws_profile_variable_selects_the_profile(self, aws):
        result = aws.run("mfa-switch", "--token-code", aws.code(),
                         env=aws.env(AWS_PROFILE="dev"))
        assert result.returncode == 0, result.stderr
        assert "dev" in credentials_section_names(aws)


def credentials_section_names(aws):
    parser = configparser.RawConfigParser()
    parser.read(aws.credentials)
    return parser.sections()


class TestSessionMode:
    def test_without_role_a_session_token_is_written(self, aws):
        result = aws.run("mfa-switch", "--profile", "session",
                         "--token-code", aws.code())
        assert result.returncode == 0, result.stderr
        section = credentials_section(aws, "session")
        assert section["aws_session_token"]
        # moto answers GetCallerIdentity for session-token keys with its
        # default user, not the IAM user; what matters is that the summary
        # names the identity the new keys really have.
        assert f"now uses {caller_arn(aws, 'session')}" in result.stderr

    def test_serial_on_the_source_profile_is_used(self, aws):
        aws.config.write_text(
            aws.config.read_text().replace(
                "[profile session]\n"
                f"mfa_serial = {aws.account.serial_number}\n",
                "[profile session]\nmfa_source_profile = default\n",
            ).replace(
                "[default]\n",
                f"[default]\nmfa_serial = {aws.account.serial_number}\n",
            )
        )
        result = aws.run("mfa-switch", "--profile", "session",
                         "--token-code", aws.code())
        assert result.returncode == 0, result.stderr
        assert credentials_section(aws, "session")["aws_session_token"]


class TestFlags:
    def test_flags_override_the_recipe(self, aws):
        other = aws.account.role_arn.replace(
            "AccessToTestDev", "ReadOnlyElsewhere")
        result = aws.run(
            "mfa-switch", "--profile", "dev", "--token-code", aws.code(),
            "--role-arn", other, "--role-session-name", "flagged",
            "--duration-seconds", "1800", "--target-profile", "dev-ro",
            "--external-id", "ext-123",
        )
        assert result.returncode == 0, result.stderr
        assert "dev" not in credentials_section_names(aws)
        assert caller_arn(aws, "dev-ro", AWS_DEFAULT_REGION="eu-west-1") \
            .endswith(":assumed-role/ReadOnlyElsewhere/flagged")

    def test_duration_is_passed_to_sts(self, aws):
        import datetime

        result = aws.run("mfa-switch", "--profile", "dev",
                         "--token-code", aws.code(),
                         "--duration-seconds", "1800")
        assert result.returncode == 0, result.stderr
        expiration = datetime.datetime.strptime(
            credentials_section(aws, "dev")["expiration"],
            "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
        left = expiration - datetime.datetime.now(datetime.timezone.utc)
        assert 1700 < left.total_seconds() <= 1800

    def test_flags_alone_describe_an_unconfigured_profile(self, aws):
        result = aws.run(
            "mfa-switch", "--profile", "adhoc", "--token-code", aws.code(),
            "--serial-number", aws.account.serial_number,
            "--role-arn", aws.account.role_arn,
        )
        assert result.returncode == 0, result.stderr
        assert caller_arn(aws, "adhoc", AWS_DEFAULT_REGION="eu-west-1") \
            .endswith(":assumed-role/AccessToTestDev/alice")

    def test_code_from_standard_input(self, aws):
        result = aws.run("mfa-switch", "--profile", "dev",
                         input=aws.code()[:3] + " " + aws.code()[3:] + "\n")
        assert result.returncode == 0, result.stderr
        assert credentials_section(aws, "dev")["aws_session_token"]


class TestEndpoints:
    def test_global_endpoint_url_flag(self, aws):
        env = aws.env(AWS_ENDPOINT_URL=None)
        result = aws.run("mfa-switch", "--profile", "dev",
                         "--token-code", aws.code(),
                         "--endpoint-url", aws.endpoint,
                         "--cli-connect-timeout", "2", env=env)
        assert result.returncode == 0, result.stderr

    def test_sts_endpoint_variable(self, aws):
        env = aws.env(AWS_ENDPOINT_URL=None, AWS_ENDPOINT_URL_STS=aws.endpoint)
        result = aws.run("mfa-switch", "--profile", "dev",
                         "--token-code", aws.code(),
                         "--cli-connect-timeout", "2", env=env)
        assert result.returncode == 0, result.stderr

    def test_without_an_endpoint_the_loopback_is_not_used(self, aws):
        """The two tests above only prove something if this one fails to switch."""
        env = aws.env(AWS_ENDPOINT_URL=None)
        result = aws.run("mfa-switch", "--profile", "dev",
                         "--token-code", aws.code(),
                         "--endpoint-url", "http://127.0.0.1:9",
                         "--cli-connect-timeout", "2", env=env)
        assert result.returncode != 0
        assert "Traceback" not in result.stderr
        assert "dev" not in credentials_section_names(aws)

    def test_region_flag_and_profile_region_are_honoured(self, aws):
        result = aws.run("mfa-switch", "--profile", "dev",
                         "--token-code", aws.code(), "--region", "ap-south-1",
                         "--debug")
        assert result.returncode == 0, result.stderr
        assert "ap-south-1" in result.stderr

    def test_config_and_credentials_file_variables(self, aws, tmp_path):
        config = tmp_path / "elsewhere-config"
        creds = tmp_path / "elsewhere-credentials"
        aws.config.rename(config)
        aws.credentials.rename(creds)
        env = aws.env(AWS_CONFIG_FILE=str(config),
                      AWS_SHARED_CREDENTIALS_FILE=str(creds))
        result = aws.run("mfa-switch", "--profile", "dev",
                         "--token-code", aws.code(), env=env)
        assert result.returncode == 0, result.stderr
        assert "[dev]" in creds.read_text()
        assert not aws.credentials.exists()
