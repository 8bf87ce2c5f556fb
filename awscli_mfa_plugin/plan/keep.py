"""Whether stored credentials are still good enough to keep: the minimum remaining time.

Standard library only, like :mod:`awscli_mfa_plugin.stored`: the standalone
``aws-mfa-switch`` makes the same keep-or-renew decision without loading
botocore.

A switch is skipped when the target section holds credentials mfa-switch
wrote that stay valid for more than the minimum remaining time: the
``--min-remaining`` flag, else the profile's ``mfa_min_remaining`` key,
else five minutes (fifteen when answering ``credential_process``).
"""
from awscli_mfa_plugin.errors import UsageError

#: Config key that sets the minimum remaining time for one profile.
MIN_REMAINING_KEY = "mfa_min_remaining"

#: Seconds that must be left for stored credentials to be kept.
DEFAULT_MIN_REMAINING = 300

#: The same for ``--credential-process``.  The AWS SDKs refresh process
#: credentials once fewer than 15 minutes are left (botocore's advisory
#: window), so handing them less would make them call again at once.
PROCESS_MIN_REMAINING = 900


def min_remaining(flag_value, profile_config, for_process=False):
    """The minimum remaining time in seconds for this run.

    ``flag_value`` is ``--min-remaining`` as typed (``None`` when absent),
    ``profile_config`` the selected profile's config.

    >>> min_remaining(None, {})
    300
    >>> min_remaining(None, {"mfa_min_remaining": "60"}, for_process=True)
    60
    >>> min_remaining("0", {"mfa_min_remaining": "60"})
    0

    Raises :class:`UsageError` for a value that is not a whole number.
    """
    if flag_value is not None:
        return parse_seconds(flag_value, "--min-remaining")
    configured = (profile_config or {}).get(MIN_REMAINING_KEY)
    if configured is not None and str(configured).strip():
        return parse_seconds(configured, MIN_REMAINING_KEY)
    return PROCESS_MIN_REMAINING if for_process else DEFAULT_MIN_REMAINING


def parse_seconds(value, origin):
    """A non-negative whole number of seconds, or :class:`UsageError`.

    >>> parse_seconds(" 600 ", "--min-remaining")
    600
    """
    text = str(value).strip()
    # str.isdigit() alone accepts non-ASCII digits such as "٣٠٠".
    if not (text.isascii() and text.isdigit()):
        raise UsageError(
            f"The minimum remaining time {text!r} from {origin} is not a "
            "whole number of seconds."
        )
    return int(text)
