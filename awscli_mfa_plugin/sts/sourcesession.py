"""The botocore session that signs STS calls with the source profile's credentials.

The CLI's own session is bound to the selected profile, whose credentials
are the very ones being replaced, so STS is called through a second session
of the same class.  That second session shares what the CLI's session has
already loaded instead of loading it again: the parsed config and
credentials files (a credentials file with thousands of profiles takes
longer to parse than the STS call takes) and the data loader that caches
service models and endpoint data.

A source profile whose keys live in the OS keyring (``mfa_keys =
keyring``, see :mod:`awscli_mfa_plugin.files.keystore`) gets them from there,
handed to the session in memory only: nothing is written to disk.

Its clients give up on a silent endpoint within a minute (see
:func:`client_config`), and hand an unreadable timestamp over as the text
it was, for :mod:`awscli_mfa_plugin.sts` to refuse in a sentence.
"""
from botocore.config import Config
from botocore.configloader import raw_config_parse
from botocore.credentials import SharedCredentialProvider
from botocore.endpoint import DEFAULT_TIMEOUT
from botocore.exceptions import BotoCoreError, ProfileNotFound
from botocore.utils import parse_timestamp

from awscli_mfa_plugin.files.keystore import KeyringStore, in_keyring
from awscli_mfa_plugin.request.parse import botocore_path

#: Seconds to wait for a connection, and then for each read of the answer,
#: unless the user chose with --cli-connect-timeout / --cli-read-timeout.
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 15
#: Attempts in all (the first and one retry), unless the user set
#: max_attempts (AWS_MAX_ATTEMPTS or the config file).
MAX_ATTEMPTS = 2
#: The longest pause botocore makes before the first retry (1 s in both its
#: legacy and standard retry modes, when no Retry-After header came).
FIRST_BACKOFF = 1


def for_profile(cli_session, profile, read_sections=None):
    """A session of ``cli_session``'s class, bound to ``profile``.

    Its credentials are resolved for ``profile`` by botocore's usual chain
    (static keys, SSO, ``credential_process`` ...); its config is the one
    ``cli_session`` parsed; its clients use :func:`client_config`.
    ``read_sections(path)``, when given, is the pipeline's reader of the
    credentials file (see :func:`_share_credentials_parse`).
    """
    session = cli_session.__class__(profile=profile)
    session.user_agent_extra = cli_session.user_agent_extra
    # botocore has no public way to hand a session parsed config files;
    # without this attribute the session parses them again, which is only
    # slower, so a botocore without it still works.
    session._config = cli_session.full_config
    session.register_component(
        "data_loader", cli_session.get_component("data_loader"))
    session.get_component("response_parser_factory").set_parser_defaults(
        timestamp_parser=_timestamp_or_text)
    session.set_default_client_config(client_config(
        cli_session.get_default_client_config(), _max_attempts(session)))
    if read_sections is not None:
        _share_credentials_parse(session, read_sections)
    return session


def _share_credentials_parse(session, read_sections):
    """Let botocore's shared-credentials provider read through the pipeline's reader.

    botocore's provider parses the whole credentials file once more to
    find the source profile's keys; with thousands of profiles that parse
    costs more than the STS call.  The pipeline has just parsed the very
    same file, and its reader answers an unchanged text from that parse
    (a changed one is parsed afresh), so the provider gets what its own
    parse would give: the same sections, read by the same
    ``configparser`` settings.  A section with an indented sub-block is
    left to botocore's parser, which turns those into dicts.  The provider
    is replaced through its constructor's ``ini_parser`` parameter; if a
    botocore lays out its chain differently, nothing is replaced and the
    chain parses the file itself, which is only slower.  Nor is anything
    replaced when botocore cannot build its chain (an invalid setting, say):
    it tries again when the credentials are resolved, where the error gets
    its sentence (or never, for keys from the keyring).
    """
    try:
        resolver = session.get_component("credential_provider")
        providers = resolver.providers
    except (AttributeError, ValueError, KeyError, BotoCoreError):
        return
    path = session.get_config_variable("credentials_file")
    profile = session.get_config_variable("profile") or "default"

    def parse(filename):
        sections = read_sections(botocore_path(filename))
        if any(str(value).startswith("\n")
               for value in sections.get(profile, {}).values()):
            return raw_config_parse(filename)
        return sections

    for index, provider in enumerate(providers):
        if type(provider) is SharedCredentialProvider:
            providers[index] = SharedCredentialProvider(
                creds_filename=path, profile_name=profile, ini_parser=parse)


def client_creator(cli_session, request, profiles, keyring_keys=None,
                   read_sections=None):
    """``recipe -> create(service, **kwargs)`` for the run's STS and IAM calls.

    ``create`` signs with the recipe's source profile and is bound to the
    run's region, endpoint and TLS settings.  The source's credentials are
    resolved when the creator is made, so a missing or broken source fails
    before anyone types a code.  ``keyring_keys(profile) -> KeyPair`` reads
    the keys of a source profile that keeps them in the OS keyring;
    ``read_sections(path)`` is the pipeline's reader of the credentials
    file, which botocore's chain then shares (see :func:`for_profile`).
    """
    from awscli_mfa_plugin.sts.calls import source_credentials

    keyring_keys = keyring_keys or KeyringStore(request.environ).get

    def for_recipe(recipe):
        # Its client config is the CLI's (--cli-read-timeout and the like)
        # with mfa-switch's limits, see client_config.
        source = for_profile(cli_session, recipe.source_profile,
                             read_sections)
        if in_keyring(profiles.get(recipe.source_profile)):
            # In place of botocore's chain, which would find no keys in the
            # files; source_credentials remembers the secret for redaction.
            pair = keyring_keys(recipe.source_profile)
            source.set_credentials(pair.access_key_id, pair.secret_access_key)
        source_credentials(source, recipe)  # before the prompt, not after
        # The selected profile's region as botocore would pick it, then the
        # source's; STS's global endpoint lives in us-east-1.
        region = (
            region_of(request, profiles, recipe.profile)
            or source.get_config_variable("region")
            or "us-east-1"
        )

        def create(service, **kwargs):
            return source.create_client(
                service,
                region_name=region,
                endpoint_url=request.endpoint_url,
                verify=request.verify_ssl,
                **kwargs,
            )

        return create

    return for_recipe


def region_of(request, profiles, profile):
    """``--region`` or the environment, else the profile's own region.

    The config file is read from botocore's parsed ``profiles`` rather
    than through the session, because the profile may not exist yet
    (flags alone can describe a switch) and the session would raise.
    """
    return request.region or profiles.get(profile, {}).get("region")


def _max_attempts(session):
    """The user's max_attempts for ``session``'s profile, or ``None``."""
    try:
        return session.get_config_variable("max_attempts")
    except ProfileNotFound:
        # Said in its own words later, when the credentials are resolved.
        return None


def client_config(cli_config, max_attempts=None):
    """The CLI's client config (global flags) with mfa-switch's limits.

    botocore waits 60 s for a connection and 60 s for each read, and tries
    up to five times: a silent STS would hold a prompt, or a
    ``credential_process`` caller, for five minutes.  Where the user left
    them, the limits become :data:`CONNECT_TIMEOUT`, :data:`READ_TIMEOUT`
    and :data:`MAX_ATTEMPTS`, so that a run gives up within a minute.  The
    CLI fills in its 60 s default when a flag is absent, so that value is
    the one taken as not chosen.  ``max_attempts`` is the one the user set
    (``session.get_config_variable('max_attempts')``), if any.

    >>> config = client_config(Config(connect_timeout=60, read_timeout=5))
    >>> config.connect_timeout, config.read_timeout, config.retries
    (10, 5, {'total_max_attempts': 2})
    >>> client_config(None, max_attempts=7).retries is None
    True
    """
    config = cli_config or Config()
    limits = {}
    if config.connect_timeout == DEFAULT_TIMEOUT:
        limits["connect_timeout"] = CONNECT_TIMEOUT
    if config.read_timeout == DEFAULT_TIMEOUT:
        limits["read_timeout"] = READ_TIMEOUT
    if max_attempts is None and not config.retries:
        limits["retries"] = {"total_max_attempts": MAX_ATTEMPTS}
    return config.merge(Config(**limits))


def _timestamp_or_text(value):
    """botocore's timestamp, or the text itself when it is none.

    botocore's own parser raises ``ValueError`` out of the client call,
    where it cannot be told apart from any other fault.
    """
    try:
        return parse_timestamp(value)
    except (ValueError, OverflowError, OSError):
        return value
