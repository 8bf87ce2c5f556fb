"""A silent STS ends the run within a minute, unless the user chose longer.

botocore waits 60 s to connect and 60 s for each read, and tries five
times: about five minutes at a prompt or inside a ``credential_process``.
The clients mfa-switch makes get shorter limits; the user's own
``--cli-connect-timeout`` / ``--cli-read-timeout`` / ``max_attempts`` win.
"""
import time

import botocore.session
import pytest
from botocore.config import Config

from awscli_mfa_plugin.sts import sourcesession
from tests import fakests

#: What the AWS CLI puts in the default client config when no flag is given.
CLI_DEFAULTS = Config(connect_timeout=60, read_timeout=60)


def worst_case_seconds(config):
    """How long a silent endpoint can hold a call made with ``config``."""
    attempts = config.retries["total_max_attempts"]
    per_attempt = config.connect_timeout + config.read_timeout
    return attempts * per_attempt + (attempts - 1) * sourcesession.FIRST_BACKOFF


def test_without_flags_a_silent_endpoint_is_given_up_within_a_minute():
    config = sourcesession.client_config(CLI_DEFAULTS)
    assert worst_case_seconds(config) < 60
    assert config.connect_timeout and config.read_timeout


def test_the_users_flags_and_max_attempts_win():
    config = sourcesession.client_config(
        Config(connect_timeout=3, read_timeout=120), max_attempts=4)
    assert (config.connect_timeout, config.read_timeout) == (3, 120)
    assert config.retries is None  # botocore then takes max_attempts itself
    # --cli-read-timeout 0 means no limit at all: the user's choice.
    assert sourcesession.client_config(Config(read_timeout=None)).read_timeout is None


def test_the_clients_of_the_source_session_carry_the_limits(tmp_path, monkeypatch):
    """What the run builds, from the CLI's session to the STS client."""
    config = tmp_path / "config"
    config.write_text("[default]\nregion = eu-west-1\n"
                      "aws_access_key_id = AKIDEXAMPLE\n"
                      "aws_secret_access_key = secretExample\n"
                      "[profile patient]\nmax_attempts = 6\n"
                      "aws_access_key_id = AKIDEXAMPLE\n"
                      "aws_secret_access_key = secretExample\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    cli_session = botocore.session.Session()
    cli_session.set_default_client_config(CLI_DEFAULTS)
    source = sourcesession.for_profile(cli_session, "default")
    client = source.create_client("sts", region_name="eu-west-1")
    assert worst_case_seconds(client.meta.config) < 60
    patient = sourcesession.for_profile(cli_session, "patient")
    client = patient.create_client("sts", region_name="eu-west-1")
    assert client.meta.config.retries["total_max_attempts"] == 6


@pytest.fixture
def silent():
    endpoint = fakests.SilentEndpoint()
    try:
        yield endpoint
    finally:
        endpoint.close()


def test_a_silent_endpoint_gets_one_retry_and_a_sentence(offline_aws, silent):
    aws = offline_aws
    before = aws.credentials.read_bytes()
    started = time.monotonic()
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", "123456",
                     "--endpoint-url", silent.url, "--cli-read-timeout", "1")
    elapsed = time.monotonic() - started
    assert result.returncode == 255
    assert result.stderr.strip() == (
        f"STS at {silent.url}/ did not answer in time; check your network or "
        "VPN and try again (--cli-read-timeout sets the limit).")
    assert silent.connections == sourcesession.MAX_ATTEMPTS
    assert elapsed < 30
    assert aws.credentials.read_bytes() == before


def test_the_users_max_attempts_is_honoured(offline_aws, silent):
    aws = offline_aws
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", "123456",
                     "--endpoint-url", silent.url, "--cli-read-timeout", "1",
                     env=aws.env(AWS_MAX_ATTEMPTS="3"))
    assert result.returncode == 255
    assert "did not answer in time" in result.stderr
    assert silent.connections == 3
