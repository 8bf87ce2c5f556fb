"""botocore's exceptions that the end-to-end catalogue cannot easily provoke."""
import pytest
from botocore import exceptions as boto

from awscli_mfa_plugin.errors import (
    ConfigError, ExitCode, MfaSwitchError, NetworkError, ProfileNotFoundError,
    UsageError)
from awscli_mfa_plugin.plan.recipe import Recipe
from awscli_mfa_plugin.sts.translate import translate

RECIPE = Recipe("dev", "dev", "base", "arn:aws:iam::111111111111:mfa/alice",
                role_arn="arn:aws:iam::222222222222:role/Admin")


@pytest.mark.parametrize("error, kind, fragment", [
    (boto.ProfileNotFound(profile="ghost"), ProfileNotFoundError, "'ghost' is not in"),
    (boto.ConfigParseError(path="/home/a/.aws/config"), ConfigError,
     "/home/a/.aws/config cannot be parsed"),
    (boto.NoRegionError(), ConfigError, "pass --region"),
    (boto.NoCredentialsError(), ConfigError, "'base' has no credentials"),
    (boto.ConnectTimeoutError(endpoint_url="https://sts.amazonaws.com"), NetworkError,
     "Connecting to STS at https://sts.amazonaws.com timed out"),
    (boto.SSLError(endpoint_url="https://sts.amazonaws.com", error="bad cert"),
     NetworkError, "TLS connection"),
    (boto.ConnectionClosedError(endpoint_url="https://sts.amazonaws.com"),
     NetworkError, "broke before it answered"),
    (boto.UnauthorizedSSOTokenError(), ConfigError, "aws sso login --profile base"),
    (boto.InvalidConfigError(error_msg="both source_profile and credential_source"),
     ConfigError, "cannot be used: both source_profile"),
])
def test_botocore_errors_become_sentences(error, kind, fragment):
    translated = translate(error, RECIPE)
    assert isinstance(translated, kind)
    assert fragment in str(translated)
    assert "\n" not in str(translated)


def test_without_a_recipe_the_sentence_still_reads():
    assert "The source profile has no credentials" in str(
        translate(boto.NoCredentialsError()))


def test_an_unknown_botocore_error_is_still_one_sentence():
    translated = translate(boto.DataNotFoundError(data_path="x"))
    assert type(translated) is MfaSwitchError
    assert translated.exit_code == ExitCode.FAILURE


def test_a_translated_error_passes_through():
    error = UsageError("already a sentence")
    assert translate(error) is error
