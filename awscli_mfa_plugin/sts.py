"""STS calls, made through clients the botocore session creates.

The caller hands in a ``client_creator`` (``session.create_client`` with
the endpoint settings already bound); nothing here builds a session, reads
config or opens sockets by itself.
"""
import dataclasses
import datetime

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from awscli_mfa_plugin.errors import ConfigError
from awscli_mfa_plugin.translate import service_error, translate  # noqa: F401


@dataclasses.dataclass(frozen=True)
class Credentials:
    """Temporary credentials and who they belong to."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime.datetime
    arn: str = ""

    def __repr__(self):
        # Keep secrets out of tracebacks, logs and test failure output.
        return (
            f"Credentials(access_key_id={self.access_key_id!r}, "
            f"expiration={self.expiration.isoformat()}, arn={self.arn!r})"
        )


def fetch_credentials(client_creator, recipe, code):
    """Turn an MFA code into temporary credentials for ``recipe``.

    AssumeRole when the recipe names a role, else GetSessionToken; for the
    latter the identity is looked up with the new credentials so the
    summary can say who the user now is.
    """
    client = client_creator("sts")
    if recipe.uses_role:
        params = {
            "RoleArn": recipe.role_arn,
            "RoleSessionName": recipe.role_session_name,
            "SerialNumber": recipe.serial_number,
            "TokenCode": code,
        }
        if recipe.duration_seconds:
            params["DurationSeconds"] = recipe.duration_seconds
        if recipe.external_id:
            params["ExternalId"] = recipe.external_id
        response = _call(client.assume_role, recipe, **params)
        return _credentials(
            response["Credentials"], response["AssumedRoleUser"]["Arn"]
        )
    params = {"SerialNumber": recipe.serial_number, "TokenCode": code}
    if recipe.duration_seconds:
        params["DurationSeconds"] = recipe.duration_seconds
    response = _call(client.get_session_token, recipe, **params)
    creds = _credentials(response["Credentials"], "")
    identity = _call(
        client_creator(
            "sts",
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token,
        ).get_caller_identity,
        recipe,
    )
    return dataclasses.replace(creds, arn=identity["Arn"])


def _credentials(data, arn):
    expiration = data["Expiration"]
    if expiration.tzinfo is None:
        expiration = expiration.replace(tzinfo=datetime.timezone.utc)
    return Credentials(
        access_key_id=data["AccessKeyId"],
        secret_access_key=data["SecretAccessKey"],
        session_token=data["SessionToken"],
        expiration=expiration.astimezone(datetime.timezone.utc),
        arn=arn,
    )


def _call(method, recipe=None, **params):
    """Call STS, turning every failure into an error with a user sentence."""
    try:
        return method(**params)
    except (ClientError, BotoCoreError, ResponseParserError) as error:
        raise translate(error, recipe) from None


def source_credentials(session, recipe):
    """Resolve the source profile's credentials before a code is asked for.

    botocore resolves them (static keys, SSO, ``credential_process``...) and
    caches them in ``session``, so the STS client made afterwards reuses
    them. Raises :class:`ConfigError` when there are none or they are
    incomplete, so that nobody types a code for nothing.
    """
    try:
        credentials = session.get_credentials()
    except (ClientError, BotoCoreError) as error:
        raise translate(error, recipe) from None
    if credentials is None:
        raise ConfigError(
            f"The source profile {recipe.source_profile!r} has no credentials; "
            "add its long-term access keys (aws configure --profile "
            f"{recipe.source_profile}) or sign in to it."
        )
    return credentials
