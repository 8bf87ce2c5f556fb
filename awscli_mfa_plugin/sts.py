"""STS calls, made through clients the botocore session creates.

The caller hands in a ``client_creator`` (``session.create_client`` with
the endpoint settings already bound); nothing here builds a session, reads
config or opens sockets by itself.
"""
import dataclasses
import datetime

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from awscli_mfa_plugin import redaction
from awscli_mfa_plugin.errors import ConfigError, ServiceError
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
        return credentials_of(assume_role(client, recipe, code))
    creds = get_session_token(client, recipe.serial_number, code,
                              recipe.duration_seconds, recipe)
    return dataclasses.replace(creds, arn=caller_arn(
        client_creator("sts", **client_keys(creds)), recipe))


def assume_role(client, recipe, code=None, duration_seconds=None):
    """Call AssumeRole for ``recipe`` and return STS's whole response.

    With ``code`` the request carries the recipe's MFA device and the code;
    without, ``client`` must hold credentials that already passed MFA (an
    MFA session), and ``duration_seconds`` replaces the recipe's own.
    """
    params = {
        "RoleArn": recipe.role_arn,
        "RoleSessionName": recipe.role_session_name,
    }
    if code is not None:
        params["SerialNumber"] = recipe.serial_number
        params["TokenCode"] = code
    duration = recipe.duration_seconds if code is not None else duration_seconds
    if duration:
        params["DurationSeconds"] = duration
    if recipe.external_id:
        params["ExternalId"] = recipe.external_id
    return _call(client.assume_role, recipe, **params)


def credentials_of(response):
    """The :class:`Credentials` in an AssumeRole response."""
    return _credentials(
        response["Credentials"], response["AssumedRoleUser"]["Arn"])


def get_session_token(client, serial_number, code, duration_seconds=None,
                      recipe=None):
    """Call GetSessionToken with an MFA code; the ARN is left empty.

    ``recipe`` only lets an error sentence name the profile concerned.
    """
    params = {"SerialNumber": serial_number, "TokenCode": code}
    if duration_seconds:
        params["DurationSeconds"] = duration_seconds
    return _credentials(
        _call(client.get_session_token, recipe, **params)["Credentials"], "")


def caller_arn(client, recipe=None):
    """The ARN of whoever signs ``client``'s requests (GetCallerIdentity)."""
    return _call(client.get_caller_identity, recipe)["Arn"]


def list_mfa_devices(iam_client, user_name):
    """The serial numbers (ARNs) of the MFA devices IAM lists for a user.

    ``UserName`` is always passed: without it IAM lists the devices of
    whoever signs, which for the root user or a role is not what was meant.
    """
    def fetch():
        try:
            pages = iam_client.get_paginator("list_mfa_devices").paginate(
                UserName=user_name)
            return [device["SerialNumber"]
                    for page in pages for device in page["MFADevices"]]
        except ClientError as error:
            details = error.response.get("Error", {})
            raise ServiceError(
                f"IAM refused to list the MFA devices of {user_name!r} "
                f"({details.get('Code', '')}): {details.get('Message', '')}; "
                "set mfa_serial in the profile or pass --serial-number."
            ) from None

    return _call(fetch)


def client_keys(creds):
    """``create_client`` keyword arguments that sign with ``creds``."""
    # Whatever signs a request shows up in the logged headers.
    redaction.remember(creds.secret_access_key, creds.session_token)
    return {
        "aws_access_key_id": creds.access_key_id,
        "aws_secret_access_key": creds.secret_access_key,
        "aws_session_token": creds.session_token,
    }


def _credentials(data, arn):
    # Known secrets are redacted wherever a log shows them from now on.
    redaction.remember(data.get("SecretAccessKey"), data.get("SessionToken"))
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
    frozen = credentials.get_frozen_credentials()
    redaction.remember(frozen.secret_key, frozen.token)
    return credentials
