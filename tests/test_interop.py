"""Other SDKs read what mfa-switch writes, and ignore the ``mfa_`` recipe keys.

After ``aws mfa-switch --profile dev``, boto3 and the AWS SDK for
JavaScript v3 resolve ``dev`` to the switched role against the loopback STS
with nothing but their own standard credential chain.  Before the switch
they find no credentials for ``dev`` at all: they do not act on the
``mfa_``-prefixed keys of the recipe.
"""
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests import jssdk

SCRIPT = Path(__file__).parent / "js" / "identity.js"
# Captured before any test isolates HOME: npm keeps its download cache there.
_REAL_HOME = os.environ.get("HOME")


def switch(aws):
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code())
    assert result.returncode == 0, result.stderr


def written_key_id(aws, section="dev"):
    import configparser

    parser = configparser.RawConfigParser()
    parser.read(aws.credentials)
    return parser.get(section, "aws_access_key_id")


class TestBoto3:
    @pytest.fixture
    def boto3_session(self, aws, monkeypatch):
        import boto3

        monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint)
        return lambda: boto3.Session(profile_name="dev")

    def test_boto3_finds_nothing_in_the_recipe_alone(self, boto3_session):
        assert boto3_session().get_credentials() is None

    def test_boto3_uses_the_switched_role(self, aws, boto3_session):
        switch(aws)
        session = boto3_session()
        assert session.get_credentials().access_key == written_key_id(aws)
        arn = session.client("sts").get_caller_identity()["Arn"]
        assert arn.endswith(":assumed-role/AccessToTestDev/alice")


@pytest.fixture(scope="session")
def js_sdk():
    """The AWS SDK for JavaScript v3 (tests/jssdk.py: installed once per virtualenv)."""
    try:
        return jssdk.install(home=_REAL_HOME)
    except RuntimeError as error:
        pytest.skip(str(error))


def js_identity(aws, js_sdk):
    node, modules = js_sdk
    env = aws.env(NODE_PATH=str(modules))
    return subprocess.run([node, str(SCRIPT), "dev", aws.endpoint],
                          capture_output=True, text=True, env=env, timeout=120)


class TestJavaScriptSdk:
    def test_fromini_finds_nothing_in_the_recipe_alone(self, aws, js_sdk):
        result = js_identity(aws, js_sdk)
        assert result.returncode == 3, result.stderr
        assert "error" in json.loads(result.stdout)

    def test_fromini_uses_the_switched_role(self, aws, js_sdk):
        switch(aws)
        result = js_identity(aws, js_sdk)
        assert result.returncode == 0, result.stderr
        seen = json.loads(result.stdout)
        assert seen["AccessKeyId"] == written_key_id(aws)
        assert seen["Arn"].endswith(":assumed-role/AccessToTestDev/alice")
