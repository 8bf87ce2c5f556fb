"""STS calls and the translation of STS's answers, with botocore's Stubber."""
import datetime

import botocore.session
import pytest
from botocore.stub import Stubber

from awscli_mfa_plugin.errors import InvalidCodeError, NetworkError, ServiceError
from awscli_mfa_plugin.plan.recipe import Recipe
from awscli_mfa_plugin.sts.calls import fetch_credentials

NOW = datetime.datetime(2030, 1, 2, 2, 4, 5, tzinfo=datetime.timezone.utc)
EXPIRES = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
CREDS = {"AccessKeyId": "ASIAEXAMPLEEXAMPLE01", "SecretAccessKey": "s" * 40,
         "SessionToken": "token", "Expiration": EXPIRES}
ROLE_RECIPE = Recipe(
    profile="dev", target_profile="dev", source_profile="default",
    serial_number="arn:aws:iam::111111111111:mfa/alice",
    role_arn="arn:aws:iam::222222222222:role/R", role_session_name="alice",
    duration_seconds=3600, external_id="ext")


@pytest.fixture
def stubbed():
    session = botocore.session.Session()
    client = session.create_client(
        "sts", region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_assume_role_sends_every_recipe_value(stubbed):
    client, stubber = stubbed
    stubber.add_response("assume_role", {
        "Credentials": CREDS,
        "AssumedRoleUser": {"AssumedRoleId": "AROAEXAMPLE:alice",
                            "Arn": "arn:aws:sts::222222222222:assumed-role/R/alice"},
    }, {"RoleArn": ROLE_RECIPE.role_arn, "RoleSessionName": "alice",
        "SerialNumber": ROLE_RECIPE.serial_number, "TokenCode": "123456",
        "DurationSeconds": 3600, "ExternalId": "ext"})
    creds, response = fetch_credentials(
        lambda service, **kw: client, ROLE_RECIPE, "123456", now=NOW)
    assert creds.arn.endswith("assumed-role/R/alice")
    assert response["AssumedRoleUser"]["Arn"] == creds.arn
    assert creds.expiration == EXPIRES
    assert "s" * 40 not in repr(creds)


def test_invalid_code_is_explained(stubbed):
    client, stubber = stubbed
    stubber.add_client_error(
        "assume_role", service_error_code="AccessDenied",
        service_message="MultiFactorAuthentication failed with invalid MFA "
                        "one time pass code. ", http_status_code=403)
    with pytest.raises(InvalidCodeError, match="wrong or was already used"):
        fetch_credentials(lambda service, **kw: client, ROLE_RECIPE, "123456")


def test_other_refusals_keep_sts_words(stubbed):
    client, stubber = stubbed
    stubber.add_client_error(
        "assume_role", service_error_code="AccessDenied",
        service_message="User: arn:aws:iam::111111111111:user/alice is not "
                        "authorized to perform: sts:AssumeRole",
        http_status_code=403)
    with pytest.raises(ServiceError, match="not authorized"):
        fetch_credentials(lambda service, **kw: client, ROLE_RECIPE, "123456")


def test_unreachable_endpoint_is_a_network_error():
    session = botocore.session.Session()
    client = session.create_client(
        "sts", region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
        config=botocore.config.Config(retries={"max_attempts": 0},
                                      connect_timeout=2))
    with pytest.raises(NetworkError, match="Could not reach STS"):
        fetch_credentials(lambda service, **kw: client, ROLE_RECIPE, "123456")
