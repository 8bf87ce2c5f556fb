"""The one exception hierarchy: each error carries the sentence a user reads.

The command turns any :class:`MfaSwitchError` into that sentence on stderr
and its ``exit_code``; nothing else in the package prints errors.
"""


class ExitCode:
    """Exit statuses, following the AWS CLI's conventions (v2 numbering).

    Plain integers: an ``enum.IntEnum`` would cost the ``aws-mfa-switch``
    fast path a class built at every start, for no use.
    """

    OK = 0
    #: Bad input: a malformed flag value, code, ARN or duration.
    USAGE = 252
    #: The configuration cannot be used: unknown profile, missing recipe,
    #: a file we must not or cannot rewrite.
    CONFIG = 253
    #: STS or IAM refused the request.
    SERVICE = 254
    #: Anything else: network faults, unexpected failures.
    FAILURE = 255
    #: Cancelled by the user (Ctrl-C / Ctrl-D), 128 + SIGINT.
    CANCELLED = 130


class MfaSwitchError(Exception):
    """Base class; ``str(error)`` is the one sentence shown to the user."""

    exit_code = ExitCode.FAILURE
    #: False when the request provably never reached STS (no connection),
    #: so a one-time code sent with it is not spent.
    code_may_be_spent = True

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message


class UsageError(MfaSwitchError):
    """A value the user typed or configured is malformed."""

    exit_code = ExitCode.USAGE


class ConfigError(MfaSwitchError):
    """The profile configuration cannot be used as it is."""

    exit_code = ExitCode.CONFIG


class ProfileNotFoundError(ConfigError):
    """The named profile does not exist in the config or credentials file."""


class RecipeError(ConfigError):
    """The profile has no usable mfa-switch recipe."""


class CodeProcessError(ConfigError):
    """The ``mfa_process`` command could not be run or did not succeed."""


class CredentialsFileError(ConfigError):
    """The shared credentials file cannot or must not be rewritten."""


class UnmanagedSectionError(CredentialsFileError):
    """The target section holds credentials that mfa-switch did not write."""


class UnparsableFileError(CredentialsFileError):
    """The file is not valid INI, so it is never rewritten."""


class ShadowedProfileError(CredentialsFileError):
    """The target profile has ``role_arn`` in the config, which would win."""


class KeyringError(ConfigError):
    """The OS keyring cannot be used: no safe backend, locked, refused, empty."""


class ServiceError(MfaSwitchError):
    """STS or IAM refused the request."""

    exit_code = ExitCode.SERVICE


class UnauthenticatedError(ServiceError):
    """STS refused the request's keys or signature before it read the code.

    The one-time code sent with it was never checked, so it is not spent.
    """

    code_may_be_spent = False


class InvalidCodeError(ServiceError):
    """STS rejected the one-time code (wrong, or already used)."""


class BadAnswerError(MfaSwitchError):
    """STS answered, but with something that cannot be stored or believed."""


class NetworkError(MfaSwitchError):
    """The endpoint could not be reached or did not answer in time."""


class UnreachableError(NetworkError):
    """No connection to the endpoint was made: nothing reached STS."""

    code_may_be_spent = False


class OutputError(MfaSwitchError):
    """Standard output cannot take what the user asked to be printed there."""


class Cancelled(MfaSwitchError):
    """The user pressed Ctrl-C or Ctrl-D at the prompt."""

    exit_code = ExitCode.CANCELLED

    def __init__(self, message="Cancelled; nothing was changed."):
        super().__init__(message)


class Unanswered(Cancelled):
    """Nobody answered the dialog that asked for the code in time."""


class DialogError(MfaSwitchError):
    """The desktop dialog could not be shown."""


class BusyError(MfaSwitchError):
    """Another mfa-switch held the turn to ask for a code for too long."""


class ChildCommandError(UsageError):
    """The command after ``--exec`` is missing or cannot be started.

    Its exit status follows the shells': 127 for a command not found, 126
    for one that cannot be run; 252 when there is no command at all.
    """

    def __init__(self, message, exit_code=ExitCode.USAGE):
        super().__init__(message)
        self.exit_code = exit_code
