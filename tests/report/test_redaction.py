"""Secrets are redacted in every log record made while the command runs."""
import io
import logging

import hypothesis
import pytest
from hypothesis import strategies as st

from awscli_mfa_plugin import redaction
from awscli_mfa_plugin.redaction import PLACEHOLDER, redact, redacted_logs

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEHYaCXVzLWVhc3QtMSJHMEUCIQ+/abc=="


@pytest.mark.parametrize("text", [
    f"<SecretAccessKey>{SECRET}</SecretAccessKey><SessionToken>{TOKEN}</SessionToken>",
    f"b'<Credentials>\\n  <SecretAccessKey>{SECRET}</SecretAccessKey>\\n'",
    f"{{'SecretAccessKey': '{SECRET}', 'SessionToken': '{TOKEN}'}}",
    f'{{"secretAccessKey":"{SECRET}","sessionToken":"{TOKEN}"}}',
    f"aws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n",
    f"AWS_SECRET_ACCESS_KEY={SECRET} AWS_SESSION_TOKEN={TOKEN}",
    f"{{'X-Amz-Security-Token': b'{TOKEN}'}}",
    f"host:sts\nx-amz-security-token:{TOKEN}\n",
    f"https://sts/?X-Amz-Security-Token={TOKEN.replace('/', '%2F')}&X-Amz-Date=1",
])
def test_every_shape_of_a_secret_is_redacted(text):
    result = redact(text)
    assert SECRET not in result
    assert TOKEN not in result and TOKEN.replace("/", "%2F") not in result
    assert PLACEHOLDER in result


@pytest.mark.parametrize("text", [
    "Event before-call.sts.GetSessionToken: calling handler <function x>",
    "The security token included in the request is expired",
    "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=ab",
    "</SecretAccessKey>\n<SessionToken>",
])
def test_what_is_no_secret_is_left_alone(text):
    assert redact(text) == text


def capture(logger_name):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    return stream, lambda: logger.removeHandler(handler)


def test_records_of_any_logger_are_redacted_while_the_block_runs():
    stream, done = capture("redaction-test")
    child = logging.getLogger("redaction-test.parsers")
    try:
        with redacted_logs():
            child.debug("Response body:\n%s", f"<SessionToken>{TOKEN}</SessionToken>".encode())
            child.debug("params: %(p)s", {"p": {"SecretAccessKey": SECRET}})
            try:
                raise ValueError(f"aws_secret_access_key = {SECRET}")
            except ValueError:
                child.exception("failed")
        child.debug("after: %s", f"<SessionToken>{TOKEN}</SessionToken>")
    finally:
        done()
    lines = stream.getvalue()
    during, after = lines.split("after: ")
    assert SECRET not in during and TOKEN not in during
    assert "Response body" in during and "ValueError" in during
    assert PLACEHOLDER in during
    assert TOKEN in after  # the factory is gone once the block ends


def test_the_previous_record_factory_is_restored():
    before = logging.getLogRecordFactory()
    with redacted_logs():
        assert logging.getLogRecordFactory() is not before
    assert logging.getLogRecordFactory() is before


@hypothesis.given(st.text(min_size=redaction.SHORTEST_REMEMBERED))
def test_the_xml_spellings_are_those_of_the_standard_library(value):
    from xml.sax.saxutils import escape

    forms = redaction.encodings(value)
    assert escape(value) in forms
    assert escape(value, {'"': "&quot;", "'": "&apos;"}) in forms


def test_known_values_are_replaced_as_one_pattern_of_them_would_be():
    # Known values are found with str.find rather than a regex recompiled
    # at every remember(); the result must be what the regex gave: at the
    # leftmost start the longest form, then on after it.  Short alphabets
    # make forms overlap, nest and repeat.
    import random
    import re

    from awscli_mfa_plugin.redaction import _replace_known

    rng = random.Random(15)
    for _ in range(2000):
        forms = {"".join(rng.choice("ab") for _ in range(rng.randint(8, 12)))
                 for _ in range(rng.randint(1, 4))}
        # Whole forms, their tails and stray letters, run together.
        pieces = [rng.choice(sorted(forms))[rng.choice((0, 0, 2, 5)):]
                  if rng.random() < 0.6 else rng.choice("ab ")
                  for _ in range(rng.randint(0, 12))]
        text = "".join(pieces)
        pattern = re.compile("|".join(
            re.escape(f) for f in sorted(forms, key=len, reverse=True)))
        assert _replace_known(text, forms) == pattern.sub(PLACEHOLDER, text), \
            (text, forms)
