"""STS calls, made through clients the botocore session creates.

The caller hands in a ``client_creator`` (``session.create_client`` with
the endpoint settings already bound); nothing here builds a session, reads
config or opens sockets by itself.
"""
import dataclasses
import datetime

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from awscli_mfa_plugin.errors import (
    ConfigError,
    InvalidCodeError,
    MfaSwitchError,
    NetworkError,
    ServiceError,
)


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
        response = _call(client.assume_role, **params)
        return _credentials(
            response["Credentials"], response["AssumedRoleUser"]["Arn"]
        )
    params = {"SerialNumber": recipe.serial_number, "TokenCode": code}
    if recipe.duration_seconds:
        params["DurationSeconds"] = recipe.duration_seconds
    response = _call(client.get_session_token, **params)
    creds = _credentials(response["Credentials"], "")
    identity = _call(
        client_creator(
            "sts",
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token,
        ).get_caller_identity
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


def _call(method, **params):
    """Call STS, turning every failure into an error with a user sentence."""
    try:
        return method(**params)
    except ClientError as error:
        raise service_error(error) from None
    except (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError) as error:
        raise NetworkError(
            f"Could not reach STS ({error}); check your network, VPN or "
            "--endpoint-url and try again."
        ) from None
    except NoCredentialsError:
        raise ConfigError(
            "The source profile has no credentials; add its long-term access "
            "keys (aws configure --profile <source>) or sign in to it."
        ) from None
    except BotoCoreError as error:
        raise MfaSwitchError(f"The request to STS failed: {error}") from None


def service_error(error):
    """Translate an STS ``ClientError`` into the sentence a user reads."""
    code = error.response.get("Error", {}).get("Code", "")
    message = error.response.get("Error", {}).get("Message", "")
    if "MultiFactorAuthentication failed" in message or (
        "invalid MFA one time pass code" in message
    ):
        return InvalidCodeError(
            "STS rejected the MFA code: it is wrong or was already used; wait "
            "for the next code and try again."
        )
    text = f"STS refused the request ({code}): {message}" if message else (
        f"STS refused the request ({code})."
    )
    return ServiceError(text)
