"""Whether stored credentials are still good enough to keep, and how to say so.

Standard library only, like :mod:`awscli_mfa_plugin.deliver.stored`: the standalone
``aws-mfa-switch`` makes the same keep-or-renew decision without loading
botocore.

A switch is skipped when the target section holds credentials mfa-switch
wrote that stay valid for more than the minimum remaining time: the
``--min-remaining`` flag, else the profile's ``mfa_min_remaining`` key,
else five minutes (fifteen when answering ``credential_process``).
"""
import contextlib
import dataclasses

from awscli_mfa_plugin.errors import UsageError
from awscli_mfa_plugin.deliver.stored import read_stored

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


def reusable(path, section, now, minimum):
    """The credentials stored in ``[section]`` of ``path`` if worth keeping.

    ``None`` unless mfa-switch wrote that section and more than ``minimum``
    seconds are left at ``now``.  Only reads the file.
    """
    stored = read_stored(path, section)
    if stored is None or stored.seconds_left(now) <= minimum:
        return None
    return stored


def describe_left(seconds):
    """Time left as a person reads it, to the minute.

    >>> describe_left(43080)
    '11h58m'
    >>> describe_left(299)
    '0h05m'
    >>> describe_left(-5)
    'expired'
    """
    if seconds <= 0:
        return "expired"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours}h{minutes:02d}m"


def describe_until(expiration, now):
    """When credentials end, in UTC and local time, and how long that is.

    >>> import datetime
    >>> end = datetime.datetime(2030, 1, 1, 12, 0, tzinfo=datetime.timezone.utc)
    >>> describe_until(end, end - datetime.timedelta(hours=1)).split(", ")[-1]
    '1h00m from now'
    """
    local = expiration.astimezone()
    left = describe_left((expiration - now).total_seconds())
    return (f"until {expiration:%Y-%m-%d %H:%M:%S} UTC "
            f"({local:%Y-%m-%d %H:%M:%S %Z} local time), {left} from now")


def kept_summary(section, identity, stored, now):
    """The stderr report when stored credentials are kept.

    ``identity`` says whose they are as the recipe describes it (a role ARN,
    or the source profile of a session token).
    """
    return (
        f"Profile {section!r} keeps its credentials for {identity} "
        f"({stored.access_key_id})\n"
        f"{describe_until(stored.expiration, now)}; "
        "no code needed (--force renews them).\n"
    )


@contextlib.contextmanager
def process_code_source(env, prompter_class, token_code, profile):
    """The ``(env, prompter)`` that ask for a code in credential_process mode.

    Standard input and output belong to the SDK that runs the process, so
    a person is asked on the controlling terminal; a code piped on stdin is
    never read.  Without a terminal (and without ``--token-code``) there is
    nobody to ask: :class:`UsageError` says what to do instead.
    """
    if token_code is not None:
        yield env, None
        return
    terminal = env.open_terminal()
    if terminal is None:
        raise UsageError(
            f"The credentials of {profile!r} need a new MFA code and there is "
            "no terminal to ask for it on; run 'aws mfa-switch --profile "
            f"{profile}' in a terminal first."
        )
    with terminal:
        yield (
            dataclasses.replace(env, stdin=terminal.input),
            prompter_class(input_file=terminal.input,
                           output_file=terminal.output),
        )
