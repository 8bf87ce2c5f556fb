"""Keep secrets off the screen: redact them in log records and messages.

With ``--debug`` the CLI logs everything botocore logs at DEBUG, which
includes whole STS response bodies (``<SecretAccessKey>``,
``<SessionToken>``), request headers (``X-Amz-Security-Token``) and the
canonical request that is signed. While ``mfa-switch`` runs,
:func:`redacted_logs` makes every log record pass through :func:`redact`
as it is created, whatever logger or handler it goes to.
"""
import contextlib
import logging
import re
import traceback

PLACEHOLDER = "[REDACTED]"

# A secret's name (XML tag, JSON/dict key, INI key, header, query parameter,
# environment variable) followed by its separator and the value, e.g.
#   <SecretAccessKey>v  'SessionToken': 'v'  aws_session_token = v
#   X-Amz-Security-Token: b'v'  x-amz-security-token:v  X-Amz-Security-Token=v
# Values (base64, URL-encoded) end at whitespace, quotes, tags, separators
# and the backslash of an escaped newline in a bytes repr.
_SECRET = re.compile(
    # Not inside a longer word: "GetSessionToken: calling handler" is no secret.
    r"(?<![A-Za-z0-9])"
    r"(?P<name>secret[-_]?access[-_]?key|session[-_]?token|security[-_]?token)"
    r"(?P<sep>['\"]?\s*[:=>]\s*(?:b?['\"])?)"
    r"(?P<value>[^\s'\"<>&,;)}\]\\]+)",
    re.IGNORECASE,
)


def redact(text):
    """``text`` with the value of every secret-looking key replaced.

    >>> redact("<SecretAccessKey>wJalr/K7MDENG+bPxRfiCY</SecretAccessKey>")
    '<SecretAccessKey>[REDACTED]</SecretAccessKey>'
    >>> redact("{'X-Amz-Security-Token': b'IQoJb3Jp==', 'Host': 'sts'}")
    "{'X-Amz-Security-Token': b'[REDACTED]', 'Host': 'sts'}"
    >>> redact("aws_session_token = FwoG+/x=\\nregion = eu-west-1")
    'aws_session_token = [REDACTED]\\nregion = eu-west-1'
    >>> redact("The security token included in the request is invalid.")
    'The security token included in the request is invalid.'
    >>> redact("Event before-call.sts.GetSessionToken: calling handler")
    'Event before-call.sts.GetSessionToken: calling handler'
    """
    return _SECRET.sub(rf"\g<name>\g<sep>{PLACEHOLDER}", text)


@contextlib.contextmanager
def redacted_logs():
    """Redact every log record created while the ``with`` block runs.

    A record factory rather than a filter: filters sit on one logger or one
    handler and miss records that propagate from child loggers or reach
    handlers added later; every record is made by the factory.
    """
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        _scrub(record)
        return record

    logging.setLogRecordFactory(factory)
    try:
        yield
    finally:
        # Put the old factory back unless someone replaced ours meanwhile,
        # in which case theirs wraps ours and must stay.
        if logging.getLogRecordFactory() is factory:
            logging.setLogRecordFactory(previous)


def _scrub(record):
    """Format the record's message now, redacted, and drop its arguments."""
    try:
        message = record.getMessage()
    except Exception:  # a broken log call must not break the command
        message = f"{record.msg} {record.args!r}"
    record.msg = redact(message)
    record.args = ()
    if record.exc_info and not record.exc_text:
        lines = traceback.format_exception(*record.exc_info)
        record.exc_text = redact("".join(lines).rstrip("\n"))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
