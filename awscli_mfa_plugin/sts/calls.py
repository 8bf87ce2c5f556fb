"""STS calls, made through clients the botocore session creates.

The caller hands in a ``client_creator`` (``session.create_client`` with
the endpoint settings already bound); nothing here builds a session, reads
config or opens sockets by itself.

STS's answers are not trusted blindly: every part a caller will store or
report is checked (:func:`check_credentials`) before the answer is handed
on, so a wrong answer ends in one sentence with nothing written.
"""
import dataclasses
import datetime

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from awscli_mfa_plugin import redaction
from awscli_mfa_plugin.errors import BadAnswerError, ConfigError, ServiceError
from awscli_mfa_plugin.stored import format_expiration
from awscli_mfa_plugin.sts.translate import (  # noqa: F401 (service_error: public)
    service_error,
    source_os_error,
    translate,
)

UTC = datetime.timezone.utc

#: The longest lifetime STS grants (GetSessionToken: 36 hours) ...
LONGEST_LIFETIME = datetime.timedelta(seconds=129600)
#: ... and how far the clocks of STS and this computer may disagree.
CLOCK_SLACK = datetime.timedelta(hours=1)

_CREDENTIAL_KEYS = ("AccessKeyId", "SecretAccessKey", "SessionToken")


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


def fetch_credentials(client_creator, recipe, code, now=None):
    """Turn an MFA code into temporary credentials for ``recipe``.

    AssumeRole when the recipe names a role, else GetSessionToken; for the
    latter the identity is looked up with the new credentials so the
    summary can say who the user now is.  ``now`` (default: the clock) is
    what the answer's expiration is checked against.  Returns
    ``(credentials, response)``: STS's whole AssumeRole answer, which the
    AWS CLI's cache stores as it is, or ``None`` for a session token.
    """
    client = client_creator("sts")
    if recipe.uses_role:
        response = assume_role(client, recipe, code, now=now)
        return credentials_of(response, now), response
    creds = get_session_token(client, recipe.serial_number, code,
                              recipe.duration_seconds, recipe, now=now)
    return dataclasses.replace(creds, arn=caller_arn(
        client_creator("sts", **client_keys(creds)), recipe)), None


def assume_role(client, recipe, code=None, duration_seconds=None, now=None):
    """Call AssumeRole for ``recipe`` and return STS's whole response, checked.

    With ``code`` the request carries the recipe's MFA device and the code;
    without, ``client`` must hold credentials that already passed MFA (an
    MFA session), and ``duration_seconds`` replaces the recipe's own.
    Raises :class:`BadAnswerError` when the answer cannot be used
    (see :func:`check_credentials`).
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
    response = _call(client.assume_role, recipe, **params)
    # Checked here, before any caller stores the response as it is (the
    # AWS CLI's cache takes it whole).
    credentials_of(response, now)
    return response


def credentials_of(response, now=None):
    """The :class:`Credentials` in an AssumeRole response, checked whole."""
    user = _part(response, "AssumedRoleUser",
                 "no AssumedRoleUser (whose role the credentials are)")
    arn = user.get("Arn")
    if not _storable(arn):
        raise _bad("an AssumedRoleUser without a usable Arn")
    return check_credentials(
        _part(response, "Credentials", "no Credentials"), arn, now)


def get_session_token(client, serial_number, code, duration_seconds=None,
                      recipe=None, now=None):
    """Call GetSessionToken with an MFA code; the ARN is left empty.

    ``recipe`` only lets an error sentence name the profile concerned.
    Raises :class:`BadAnswerError` when the answer cannot be used.
    """
    params = {"SerialNumber": serial_number, "TokenCode": code}
    if duration_seconds:
        params["DurationSeconds"] = duration_seconds
    response = _call(client.get_session_token, recipe, **params)
    return check_credentials(
        _part(response, "Credentials", "no Credentials"), "", now)


def caller_arn(client, recipe=None):
    """The ARN of whoever signs ``client``'s requests (GetCallerIdentity)."""
    arn = _call(client.get_caller_identity, recipe).get("Arn")
    if not _storable(arn):
        raise _bad("no usable Arn for the caller's identity")
    return arn


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


def check_credentials(data, arn="", now=None):
    """The :class:`Credentials` in the ``Credentials`` part of an STS answer.

    Every value must be there and storable as it is (a non-empty string
    without line breaks, control characters or blanks at either end, which
    the credentials file could not keep), and the expiration must be a
    moment after ``now`` (default: the clock) and no further than STS ever
    grants (:data:`LONGEST_LIFETIME`, plus :data:`CLOCK_SLACK`).

    Raises :class:`BadAnswerError`, whose sentence names what was wrong and
    never a secret.
    """
    if not isinstance(data, dict):
        raise _bad("no Credentials")
    # Known secrets are redacted wherever a log shows them from now on.
    redaction.remember(data.get("SecretAccessKey"), data.get("SessionToken"))
    for key in _CREDENTIAL_KEYS:
        if key not in data:
            raise _bad(f"credentials that lack {key}")
        if not _storable(data[key]):
            raise _bad(
                f"a {key} that cannot be stored (empty, or with a line break, "
                "a control character or a blank at either end)")
    if "Expiration" not in data:
        raise _bad("credentials that lack Expiration")
    return Credentials(
        access_key_id=data["AccessKeyId"],
        secret_access_key=data["SecretAccessKey"],
        session_token=data["SessionToken"],
        expiration=_checked_expiration(data["Expiration"], now),
        arn=arn,
    )


def _checked_expiration(value, now):
    """The expiration as an aware UTC datetime, or :class:`BadAnswerError`."""
    if not isinstance(value, datetime.datetime):
        # The source session's parser hands over what it could not read.
        raise _bad(f"an Expiration that is not a date ({_shown(value)})")
    try:
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        expiration = value.astimezone(UTC)
        now = (now or datetime.datetime.now(UTC)).astimezone(UTC)
        latest = now + LONGEST_LIFETIME + CLOCK_SLACK
    except (OverflowError, OSError, ValueError):
        raise _bad(f"an Expiration out of range ({_shown(value)})") from None
    if expiration <= now:
        raise _bad("credentials that had already expired (at "
                   f"{format_expiration(expiration)})", clock=True)
    if expiration > latest:
        raise _bad(
            f"credentials that expire at {format_expiration(expiration)}, "
            f"further ahead than the {LONGEST_LIFETIME.total_seconds() / 3600:.0f}"
            " hours STS grants at most", clock=True)
    return expiration


def _part(response, key, missing):
    part = response.get(key) if isinstance(response, dict) else None
    if not isinstance(part, dict):
        raise _bad(missing)
    return part


def _storable(value):
    """True for a non-empty string the credentials file keeps as it is."""
    return (isinstance(value, str) and value != "" and value == value.strip()
            and value.isprintable())


def _shown(value):
    """A short, quoted rendering of an expiration STS sent (never a secret)."""
    try:
        text = value.isoformat()
    except (AttributeError, OverflowError, OSError, ValueError):
        text = str(value)
    return repr(text[:40])


def _bad(what, clock=False):
    advice = ": check this computer's clock" if clock else ""
    return BadAnswerError(f"STS answered with {what}; nothing was written{advice}.")


def _runs_a_process(profiles, profile):
    """True when botocore may run a ``credential_process`` for ``profile``.

    That is the profile's own setting, or one on the chain of
    ``source_profile`` settings behind it.
    """
    seen = set()
    while isinstance(profile, str) and profile not in seen:
        seen.add(profile)
        config = profiles.get(profile) or {}
        if config.get("credential_process"):
            return True
        profile = config.get("source_profile")
    return False


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
    except OSError as error:
        # botocore lets the OSError of a credential_process it cannot start
        # (missing, not executable) through unwrapped.
        raise source_os_error(error, recipe, _runs_a_process(
            session.full_config.get("profiles", {}),
            recipe.source_profile)) from None
    if credentials is None:
        raise ConfigError(
            f"The source profile {recipe.source_profile!r} has no credentials; "
            "add its long-term access keys (aws configure --profile "
            f"{recipe.source_profile}) or sign in to it."
        )
    frozen = credentials.get_frozen_credentials()
    redaction.remember(frozen.secret_key, frozen.token)
    return credentials
