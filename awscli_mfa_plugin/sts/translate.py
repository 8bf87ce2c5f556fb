"""botocore's exceptions turned into errors that carry the sentence a user reads.

STS answers with an error code and a message meant for developers; botocore
raises exceptions whose text names its internals. Each is translated here,
once, into an :class:`~awscli_mfa_plugin.errors.MfaSwitchError` that says
what happened and what to do. The sentences never quote credentials: they
only name profiles, ARNs, endpoints and STS's own (secret-free) messages.
"""
from botocore.exceptions import (
    ClientError,
    ConfigParseError,
    ConnectTimeoutError,
    CredentialRetrievalError,
    EndpointConnectionError,
    HTTPClientError,
    InfiniteLoopConfigError,
    InvalidConfigError,
    InvalidRegionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
    SSLError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.parsers import ResponseParserError

from awscli_mfa_plugin.errors import (
    ConfigError,
    InvalidCodeError,
    MfaSwitchError,
    NetworkError,
    ProfileNotFoundError,
    ServiceError,
    UnauthenticatedError,
    UnreachableError,
    UsageError,
)

#: What STS says when the code itself is wrong, reused or out of its window.
INVALID_CODE_MARK = "invalid MFA one time pass code"

INVALID_CODE_SENTENCE = (
    "STS rejected the MFA code: it is wrong or was already used; wait for "
    "the next code and try again."
)

#: Refusals of the request's keys or signature: STS stops there, before it
#: reads the one-time code, which is therefore not spent.
_UNAUTHENTICATED_CODES = {
    "InvalidClientTokenId", "SignatureDoesNotMatch", "IncompleteSignature",
    "ExpiredToken", "ExpiredTokenException", "InvalidAccessKeyId",
    "MissingAuthenticationToken", "MissingAuthenticationTokenException",
    "UnrecognizedClientException", "InvalidSignatureException",
    "AuthFailure", "RequestExpired", "InvalidToken"}

_THROTTLING_CODES = {"Throttling", "ThrottlingException",
                     "RequestLimitExceeded", "TooManyRequestsException"}

# By name: not every botocore version has all of them.
_SSO_ERRORS = ("SSOError", "TokenRetrievalError")


def translate(error, recipe=None):
    """The :class:`MfaSwitchError` for a botocore exception.

    ``recipe`` (when known) lets the sentence name the source profile, the
    role and the device concerned.
    """
    if isinstance(error, MfaSwitchError):
        return error
    if isinstance(error, ClientError):
        return service_error(error, recipe)
    if isinstance(error, ResponseParserError):
        # Not BotoCoreError: a captive portal or proxy answered, not STS.
        return NetworkError(
            "The answer to the STS request was not an STS response (a Wi-Fi "
            "sign-in page or a proxy?); check your network and --endpoint-url "
            "and try again."
        )
    source = _source(recipe)
    for kind, make in _BOTOCORE_ERRORS:
        if isinstance(error, kind):
            return make(error, source)
    if any(kind.__name__ in _SSO_ERRORS for kind in type(error).__mro__):
        return ConfigError(
            f"The SSO session of {source} has expired or is not signed in; "
            f"run aws sso login{_profile_flag(recipe)} and try again."
        )
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return MfaSwitchError(f"The request to STS failed: {first_line or type(error).__name__}")


def service_error(error, recipe=None):
    """Translate an STS ``ClientError`` into the sentence a user reads."""
    info = error.response.get("Error", {})
    code = info.get("Code", "")
    message = (info.get("Message") or "").strip()
    source = _source(recipe)
    role = f"the role {recipe.role_arn}" if recipe and recipe.role_arn else "the role"
    device = recipe.serial_number if recipe and recipe.serial_number else "the MFA device"
    if INVALID_CODE_MARK in message:
        return InvalidCodeError(INVALID_CODE_SENTENCE)
    if "unable to validate MFA code" in message:
        return ServiceError(
            f"STS could not check the code against {device}: it is not an MFA "
            f"device of the IAM user behind {source}; check mfa_serial (or "
            "--serial-number) against aws iam list-mfa-devices"
            f"{_profile_flag(recipe)}."
        )
    if code.isdigit():
        # botocore's stand-in code when the body was no STS error document.
        return NetworkError(
            f"The STS endpoint answered HTTP {code} ({message or 'no message'}) "
            "instead of an STS response; STS or a proxy on the way is failing: "
            "try again later, or check --endpoint-url and your proxy."
        )
    if code in _THROTTLING_CODES:
        return ServiceError(
            f"STS is throttling requests ({message or code}); wait a minute "
            "and try again."
        )
    if "MaxSessionDuration" in message:
        asked = f" ({recipe.duration_seconds} s)" if recipe and recipe.duration_seconds else ""
        return ServiceError(
            f"The duration asked for{asked} is longer than {role} allows (its "
            "maximum session duration, 1 to 12 hours, is lower); ask for less "
            "with --duration-seconds or mfa_duration_seconds (3600 always "
            "works), or have the role's maximum raised."
        )
    if "role chaining" in message:
        return ServiceError(
            f"STS limits a role assumed with a role's credentials (role "
            f"chaining) to 3600 seconds, and {source} holds a role's "
            "credentials; ask for 3600 or less with --duration-seconds or "
            "mfa_duration_seconds."
        )
    if "GetSessionToken with session credentials" in message:
        return ServiceError(
            f"STS issues session tokens only for long-term access keys, and "
            f"{source} holds temporary credentials; set mfa_source_profile to "
            "the profile with your access keys."
        )
    if code == "AccessDenied" and "not authorized to perform" in message:
        who = message.split(" is not authorized", 1)[0].removeprefix("User: ")
        return ServiceError(
            f"{who} is not authorized to assume {role}: its trust policy does "
            "not allow that user (or wants another external ID); check "
            "mfa_role_arn, or ask the role's owner to trust you."
        )
    if code in ("ExpiredToken", "ExpiredTokenException"):
        return UnauthenticatedError(
            f"The credentials of {source} have expired; renew them (sign in "
            "again, or switch that profile again) and try again."
        )
    if code == "InvalidClientTokenId":
        return UnauthenticatedError(
            f"STS does not know the access key of {source} (deleted, "
            "deactivated or mistyped?); check aws_access_key_id in your "
            "credentials file, or create a new key."
        )
    if code == "SignatureDoesNotMatch":
        return UnauthenticatedError(
            f"STS says the secret key of {source} does not belong to its "
            "access key; check aws_secret_access_key in your credentials file."
        )
    if code == "RegionDisabledException":
        return ServiceError(
            f"{message} Pass --region with a region where STS is activated, "
            "or activate it in the account settings."
        )
    text = f"STS refused the request ({code}): {message}" if message else (
        f"STS refused the request ({code})."
    )
    if code in _UNAUTHENTICATED_CODES:
        return UnauthenticatedError(text)
    return ServiceError(text)


def source_os_error(error, recipe=None, from_process=False):
    """The sentence for an ``OSError`` met while resolving the source's credentials.

    botocore wraps what goes wrong inside a ``credential_process`` command
    (a non-zero exit, bad JSON) in ``CredentialRetrievalError``, but lets
    the ``OSError`` of one it cannot start (not found, not executable)
    through as it is: with ``from_process`` both get the same sentence.
    Otherwise a file botocore reads (a web identity token) is missing or
    unreadable.
    """
    source = _source(recipe)
    if from_process:
        return _retrieval(CredentialRetrievalError(
            provider="custom-process", error_msg=str(error)), source)
    what = f" ({error.filename})" if error.filename else ""
    return ConfigError(
        f"The credentials of {source} could not be read: "
        f"{error.strerror or error}{what}; check that profile's settings.")


def _source(recipe):
    if recipe is None:
        return "the source profile"
    return f"the source profile {recipe.source_profile!r}"


def _profile_flag(recipe):
    return f" --profile {recipe.source_profile}" if recipe else ""


#: A fault on the way to STS: the error and its sentence, ``{url}`` being
#: the endpoint.  Unreachable means no connection was made, so a one-time
#: code sent with the request was never seen by STS (see errors.py).
_NETWORK_SENTENCES = {
    "unreachable": (UnreachableError,
                    "Could not reach STS at {url}; check your network, VPN or "
                    "proxy (and --endpoint-url) and try again."),
    "connect timeout": (UnreachableError,
                        "Connecting to STS at {url} timed out; check your "
                        "network, VPN or proxy and try again "
                        "(--cli-connect-timeout sets the limit)."),
    "read timeout": (NetworkError,
                     "STS at {url} did not answer in time; check your network "
                     "or VPN and try again (--cli-read-timeout sets the limit)."),
    "tls": (NetworkError,
            "The TLS connection to STS at {url} could not be verified; check "
            "the clock, a proxy that intercepts TLS, or --ca-bundle."),
    "broken": (NetworkError,
               "The connection to STS at {url} broke before it answered; check "
               "your network or VPN and try again."),
}


def _network_fault(kind):
    """The translator of one kind of :data:`_NETWORK_SENTENCES`."""
    error_class, sentence = _NETWORK_SENTENCES[kind]

    def translate_fault(error, source):
        url = error.kwargs.get("endpoint_url") or "its endpoint"
        return error_class(sentence.format(url=url))

    return translate_fault


def _no_credentials(error, source):
    return ConfigError(
        f"{_capital(source)} has no credentials; add its long-term access "
        "keys (aws configure --profile <name>) or sign in to it."
    )


def _partial(error, source):
    missing = error.kwargs.get("cred_var", "a key")
    return ConfigError(
        f"{_capital(source)} has only part of its credentials ({missing} is "
        "missing); add it to the profile in your credentials file."
    )


def _retrieval(error, source):
    provider = error.kwargs.get("provider", "its provider")
    return ConfigError(
        f"The credentials of {source} could not be obtained from {provider}; "
        "run that profile's credential source by hand to see why."
    )


def _loop(error, source):
    visited = error.kwargs.get("visited_profiles") or []
    chain = " -> ".join([*visited, str(error.kwargs.get("source_profile", ""))])
    return ConfigError(
        f"The source_profile settings behind {source} go round in a circle "
        f"({chain}); point one of them at the profile with your long-term keys."
    )


def _invalid_config(error, source):
    return ConfigError(
        f"The configuration of {source} cannot be used: {error}"
    )


def _profile_not_found(error, source):
    name = error.kwargs.get("profile", "")
    return ProfileNotFoundError(
        f"The profile {name!r} is not in your AWS config or credentials file; "
        "check the name (--profile, AWS_PROFILE, source_profile)."
    )


def _config_parse(error, source):
    path = error.kwargs.get("path", "your AWS config file")
    return ConfigError(
        f"The file {path} cannot be parsed as an AWS config file; fix its "
        "syntax ([section] headers, key = value lines) and try again."
    )


def _no_region(error, source):
    return ConfigError(
        "No region is set; pass --region or set region in the profile."
    )


def _bad_region(error, source):
    name = error.kwargs.get("region_name", "")
    return UsageError(
        f"The region {name!r} is not a region name like eu-west-1; check "
        "--region, AWS_REGION / AWS_DEFAULT_REGION and the profile's region."
    )


def _bad_parameter(error, source):
    return UsageError(f"A value sent to STS is invalid: {error.kwargs.get('report', error)}")


def _capital(text):
    return text[:1].upper() + text[1:]


# Most specific first: several of these subclass others.
_BOTOCORE_ERRORS = (
    (SSLError, _network_fault("tls")),
    (ConnectTimeoutError, _network_fault("connect timeout")),
    (EndpointConnectionError, _network_fault("unreachable")),
    (ReadTimeoutError, _network_fault("read timeout")),
    (BotoConnectionError, _network_fault("unreachable")),
    (HTTPClientError, _network_fault("broken")),
    (NoCredentialsError, _no_credentials),
    (PartialCredentialsError, _partial),
    (CredentialRetrievalError, _retrieval),
    (InfiniteLoopConfigError, _loop),
    (ProfileNotFound, _profile_not_found),
    (ConfigParseError, _config_parse),
    (NoRegionError, _no_region),
    (InvalidRegionError, _bad_region),
    (ParamValidationError, _bad_parameter),
    (InvalidConfigError, _invalid_config),
)
