"""Keep secrets out of what the CLI prints and records while mfa-switch runs.

With ``--debug`` the CLI logs everything botocore logs at DEBUG, which
includes whole STS response bodies (``<SecretAccessKey>``,
``<SessionToken>``), request headers (``X-Amz-Security-Token``) and the
canonical request that is signed. While ``mfa-switch`` runs,
:func:`redacted_logs` makes every log record pass through :func:`redact`
as it is created, whatever logger or handler it goes to; and
:func:`unrecorded` keeps the run's requests and answers out of the CLI's
history database (``cli_history = enabled``).

Two means work together.  Secrets whose values are known (the source
profile's secret key once resolved, the new secret key and token once
parsed) are registered with :func:`remember` and replaced wherever they
appear, in each encoding a log may show them in: raw, XML-escaped,
URL-encoded, JSON- or repr-escaped, with runs of blanks collapsed as a
signed header has them.  A value can only be known after it was parsed,
and botocore logs the response body before that, so values are also
recognised by the name before them: the text of an XML element up to its
closing tag, a quoted string up to its closing quote, a header line up to
its end, a form field up to the next ``&``.
"""
import contextlib
import json
import logging
import re
import threading
import traceback
from urllib.parse import quote, quote_plus

PLACEHOLDER = "[REDACTED]"

#: Shorter values are not searched for: they would blot out unrelated text,
#: and no AWS secret key or session token is that short.
SHORTEST_REMEMBERED = 8

# The names a secret goes by: XML tags, JSON/dict keys, INI keys, headers,
# query and form fields, environment variables.  Not inside a longer word:
# "GetSessionToken: calling handler" names no secret.  TokenCode is the MFA
# code of a request: single-use, but no business of a log either.
_NAME = (r"(?<![A-Za-z0-9])(?:secret[-_]?access[-_]?key|session[-_]?token"
         r"|security[-_]?token|token[-_]?code)")

# XML element text runs to the next "<", which escaped text never contains.
_XML = re.compile(rf"(<{_NAME}>)[^<]+", re.IGNORECASE)

# A quoted value (Python repr, JSON) runs to its closing quote, escaped
# quotes and backslashes included.
_QUOTED = re.compile(
    rf"({_NAME}['\"]?\s*[:=]\s*b?)"
    r"""(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""",
    re.IGNORECASE | re.DOTALL,
)

# A form field or environment variable (name=value, no blanks around "=")
# is URL-encoded or a shell word: it ends at "&", a blank or a quote.
_FIELD = re.compile(rf"({_NAME}=)[^&\s'\"]+", re.IGNORECASE)

# A header or INI line (name:value, name = value) runs to the end of the
# line: blanks, "&" and "," may be part of the value.
_LINE = re.compile(
    rf"({_NAME}['\"]?(?::|\s+=)[ \t]*)(?!b?['\"]|\s)[^\r\n]+", re.IGNORECASE)

_known_lock = threading.Lock()
_known_forms = set()
#: The same forms as a frozen set that :func:`redact` reads without the lock.
_known = frozenset()


def redact(text):
    """``text`` with every secret it shows replaced by :data:`PLACEHOLDER`.

    >>> redact("<SecretAccessKey>wJalr/K7 MD&amp;ENG+bPx,RfiCY</SecretAccessKey>")
    '<SecretAccessKey>[REDACTED]</SecretAccessKey>'
    >>> redact("{'X-Amz-Security-Token': b'IQoJ b3Jp&,==', 'Host': 'sts'}")
    "{'X-Amz-Security-Token': b'[REDACTED]', 'Host': 'sts'}"
    >>> redact("aws_session_token = FwoG+/x= a&b\\nregion = eu-west-1")
    'aws_session_token = [REDACTED]\\nregion = eu-west-1'
    >>> redact("Action=GetSessionToken&TokenCode=123456&Version=2011-06-15")
    'Action=GetSessionToken&TokenCode=[REDACTED]&Version=2011-06-15'
    >>> redact("The security token included in the request is invalid.")
    'The security token included in the request is invalid.'
    >>> redact("Event before-call.sts.GetSessionToken: calling handler")
    'Event before-call.sts.GetSessionToken: calling handler'
    """
    known = _known
    if known:
        # Known values first: a name-based rule could cut one in two.
        text = _replace_known(text, known)
    text = _XML.sub(rf"\1{PLACEHOLDER}", text)
    text = _QUOTED.sub(_quoted_placeholder, text)
    text = _FIELD.sub(rf"\1{PLACEHOLDER}", text)
    return _LINE.sub(rf"\1{PLACEHOLDER}", text)


def _replace_known(text, forms):
    """``text`` with every occurrence of ``forms`` replaced, left to right.

    What ``re.sub`` of the forms joined by ``|``, longest first, would do:
    at the leftmost place where any form starts, the longest one there is
    replaced, and the search goes on after it.  Done with ``str.find``
    instead because a run remembers values one at a time (twenty roles,
    forty values, a hundred forms) and compiling that pattern again at each
    cost more than all of the run's STS calls.

    >>> _replace_known("xx abcdefgh-ijk yy abcdefgh", {"abcdefgh", "abcdefgh-ijk"})
    'xx [REDACTED] yy [REDACTED]'
    >>> _replace_known("0123456789", {"01234567", "23456789"})
    '[REDACTED]89'
    """
    longest = {}
    for form in forms:
        start = text.find(form)
        while start != -1:
            if longest.get(start, 0) < len(form):
                longest[start] = len(form)
            start = text.find(form, start + 1)
    if not longest:
        return text
    parts, end = [], 0
    for start in sorted(longest):
        if start >= end:
            parts += (text[end:start], PLACEHOLDER)
            end = start + longest[start]
    parts.append(text[end:])
    return "".join(parts)


def _quoted_placeholder(match):
    quote_char = match.group(0)[-1]
    return f"{match.group(1)}{quote_char}{PLACEHOLDER}{quote_char}"


def remember(*values):
    """Redact these exact values, in every encoding, until the run ends.

    ``None``, non-strings and values shorter than
    :data:`SHORTEST_REMEMBERED` are ignored.
    """
    global _known
    forms = set()
    for value in values:
        if isinstance(value, str) and len(value) >= SHORTEST_REMEMBERED:
            forms |= encodings(value)
    with _known_lock:
        if forms <= _known_forms:
            return
        _known_forms.update(forms)
        _known = frozenset(_known_forms)


def forget():
    """Drop every value :func:`remember` was given."""
    global _known
    with _known_lock:
        _known_forms.clear()
        _known = frozenset()


def _xml_escape(value, quotes=False):
    """What ``xml.sax.saxutils.escape`` gives (with the quote entities when
    ``quotes``): three replacements, where importing ``xml.sax`` cost every
    switch two milliseconds.

    >>> _xml_escape("a<b>&'c" + '"', quotes=True)
    'a&lt;b&gt;&amp;&apos;c&quot;'
    """
    value = value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    if quotes:
        value = value.replace('"', "&quot;").replace("'", "&apos;")
    return value


def encodings(value):
    """Every spelling of ``value`` a log record may show.

    >>> sorted(encodings("secret a&b"))
    ['secret a&amp;b', 'secret a&b', 'secret%20a%26b', 'secret+a%26b']
    """
    spellings = {
        value,
        # botocore signs a header with runs of blanks collapsed.
        " ".join(value.split()),
        _xml_escape(value),
        _xml_escape(value, quotes=True),
        quote(value, safe=""),
        quote(value, safe="/"),
        quote(value, safe="-_.~"),
        quote_plus(value, safe=""),
        quote_plus(value, safe="/"),
    }
    forms = set()
    for text in spellings:
        forms.update((
            text,
            json.dumps(text)[1:-1],
            json.dumps(text, ensure_ascii=False)[1:-1],
            repr(text)[1:-1],
            repr(text.encode("utf-8"))[2:-1],
            # Inside a repr quoted with "'" although the text has a "'".
            text.replace("\\", "\\\\").replace("'", "\\'"),
        ))
    return {form for form in forms if len(form) >= SHORTEST_REMEMBERED}


@contextlib.contextmanager
def redacted_logs():
    """Redact every log record created while the ``with`` block runs.

    A record factory rather than a filter: filters sit on one logger or one
    handler and miss records that propagate from child loggers or reach
    handlers added later; every record is made by the factory.  Values
    given to :func:`remember` meanwhile are forgotten when the block ends.
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
        forget()


@contextlib.contextmanager
def unrecorded():
    """Keep the requests and answers of the ``with`` block out of CLI history.

    With ``cli_history = enabled`` the AWS CLI adds a handler to botocore's
    one, process-wide history recorder, which then stores every request and
    response of every client in ``~/.aws/cli/history/history.db``: STS's
    answers would put the new secret key and token there.  botocore offers
    no per-client switch, so recording is paused for the block and resumed
    after it, when it was on; the CLI still records the command line and
    the exit status.
    """
    from botocore.history import get_global_history_recorder

    recorder = get_global_history_recorder()
    # HistoryRecorder has enable() and disable() but no public way to ask
    # which it is; without the attribute, it is taken as on.
    was_on = getattr(recorder, "_enabled", True)
    recorder.disable()
    try:
        yield
    finally:
        if was_on:
            recorder.enable()


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
