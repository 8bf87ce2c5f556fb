"""The botocore session that signs STS calls with the source profile's credentials.

The CLI's own session is bound to the selected profile, whose credentials
are the very ones being replaced, so STS is called through a second session
of the same class.  That second session shares what the CLI's session has
already loaded instead of loading it again: the parsed config and
credentials files (a credentials file with thousands of profiles takes
longer to parse than the STS call takes) and the data loader that caches
service models and endpoint data.

Its clients hand an unreadable timestamp over as the text it was, for
:mod:`awscli_mfa_plugin.sts` to refuse in a sentence.
"""
from botocore.utils import parse_timestamp


def for_profile(cli_session, profile):
    """A session of ``cli_session``'s class, bound to ``profile``.

    Its credentials are resolved for ``profile`` by botocore's usual chain
    (static keys, SSO, ``credential_process`` ...); its config is the one
    ``cli_session`` parsed.
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
    return session


def _timestamp_or_text(value):
    """botocore's timestamp, or the text itself when it is none.

    botocore's own parser raises ``ValueError`` out of the client call,
    where it cannot be told apart from any other fault.
    """
    try:
        return parse_timestamp(value)
    except (ValueError, OverflowError, OSError):
        return value
