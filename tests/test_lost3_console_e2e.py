"""The console's federation endpoint, slow, huge, failing or unencrypted (issue 22).

Through the real ``aws`` against a loopback STS; the federation endpoint is
a loopback server that misbehaves as each test says.
"""
import http.server
import json
import threading

import pytest

from tests.test_lost3_e2e import ASSUMED, switch


class Endpoint:
    """A loopback federation endpoint whose every answer ``behave(handler)`` writes."""

    def __init__(self, behave):
        self.stop = threading.Event()
        self.requests = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests += 1
                try:
                    behave(self, outer.stop)
                except OSError:  # the client went away
                    pass

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/federation"

    def close(self):
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint():
    made = []

    def make(behave):
        made.append(Endpoint(behave))
        return made[-1]

    yield make
    for each in made:
        each.close()


def console_url(aws, url, **env):
    return switch(aws, "--console-url",
                  env=aws.env(MFA_SWITCH_FEDERATION_URL=url, **env), timeout=60)


def trickle(handler, stop):
    """One byte at a time, each well within any read timeout, for ever."""
    handler.send_response(200)
    handler.send_header("Content-Length", str(10 ** 9))
    handler.end_headers()
    while not stop.wait(0.2):
        handler.wfile.write(b" ")
        handler.wfile.flush()


def huge(handler, stop):
    """16 MiB of answer, which no sign-in token is."""
    size, chunk = 16 << 20, b"x" * (64 << 10)
    handler.send_response(200)
    handler.send_header("Content-Length", str(size))
    handler.end_headers()
    for _ in range(size // len(chunk)):
        if stop.is_set():
            return
        handler.wfile.write(chunk)


def status(code, **headers):
    def answer(handler, stop):
        body = b"<html>no</html>"
        handler.send_response(code)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    return answer


# 7. One overall deadline, and a cap on the answer's size ---------------------


def test_a_trickling_federation_endpoint_ends_at_the_deadline(offline_aws, fake_sts, endpoint):
    fake_sts.answer(ASSUMED)
    slow = endpoint(trickle)
    result = console_url(offline_aws, slow.url, MFA_SWITCH_FEDERATION_DEADLINE="2")
    assert result.returncode == 255, result.stderr
    host = slow.url.split("/")[2]
    assert result.stderr.splitlines()[-1] == (
        f"The AWS console's federation endpoint ({host}) did not answer "
        "within 2 s; nothing was opened: check your network or "
        "MFA_SWITCH_FEDERATION_URL.")
    assert result.stdout == ""
    # Switched first, as asked: the credentials are kept.
    assert "managed_by = mfa-switch" in offline_aws.credentials.read_text()


def test_a_huge_federation_answer_is_not_read_whole(offline_aws, fake_sts, endpoint):
    fake_sts.answer(ASSUMED)
    big = endpoint(huge)
    result = console_url(offline_aws, big.url)
    assert result.returncode == 254, result.stderr
    assert result.stderr.splitlines()[-1] == (
        "The AWS console's federation endpoint answered with more than 64 "
        f"KiB, which is no sign-in token ({big.url}); nothing was opened.")
    assert result.stdout == ""


def test_a_deadline_that_is_no_number_is_a_sentence_before_the_code(
        offline_aws, fake_sts, endpoint):
    fake_sts.answer(ASSUMED)
    before = offline_aws.credentials.read_bytes()
    result = console_url(offline_aws, endpoint(status(200)).url,
                         MFA_SWITCH_FEDERATION_DEADLINE="soon")
    assert result.returncode == 253, result.stderr
    assert result.stderr == (
        "MFA_SWITCH_FEDERATION_DEADLINE must be a number of seconds from 0 to "
        "3600 (the time the console sign-in may take), not 'soon'.\n")
    assert fake_sts.requests == []
    assert offline_aws.credentials.read_bytes() == before


# 8. Say what happened ---------------------------------------------------------


@pytest.mark.parametrize("answer, sentence", [
    (status(500), "The AWS console's federation endpoint ({url}) failed (HTTP "
                  "500), a fault on its side; try again later, nothing was opened."),
    (status(503), "The AWS console's federation endpoint ({url}) failed (HTTP "
                  "503), a fault on its side; try again later, nothing was opened."),
    (status(302, Location="https://example.com/"),
     "The AWS console's federation endpoint ({url}) answered with a redirect "
     "(HTTP 302) instead of a sign-in token; check MFA_SWITCH_FEDERATION_URL "
     "and any proxy on the way, nothing was opened."),
    (status(404), "The AWS console's federation endpoint ({url}) answered HTTP "
                  "404 instead of a sign-in token; nothing was opened."),
])
def test_what_the_federation_endpoint_answered_is_said_truly(
        offline_aws, fake_sts, endpoint, answer, sentence):
    fake_sts.answer(ASSUMED)
    failing = endpoint(answer)
    result = console_url(offline_aws, failing.url)
    assert result.returncode == 254, result.stderr
    assert result.stderr.splitlines()[-1] == sentence.format(url=failing.url)
    assert "expired" not in result.stderr
    assert result.stdout == ""


# 9. https only, but on loopback ----------------------------------------------


@pytest.mark.parametrize("url", [
    "http://signin.example.com/federation",
    "http://10.0.0.1/federation",
    "ftp://127.0.0.1/federation",
    "signin.aws.amazon.com/federation",
])
def test_a_federation_endpoint_without_https_is_refused_before_the_code(
        offline_aws, fake_sts, url):
    fake_sts.answer(ASSUMED)
    before = offline_aws.credentials.read_bytes()
    result = console_url(offline_aws, url)
    assert result.returncode == 253, result.stderr
    assert result.stderr == (
        "MFA_SWITCH_FEDERATION_URL must be an https:// address (http:// only "
        f"to this machine's loopback), not {url!r}: the console sign-in sends "
        "the session's keys there; nothing was sent.\n")
    assert fake_sts.requests == []
    assert offline_aws.credentials.read_bytes() == before


# Found by our own attack: a proxy on the way to a loopback endpoint ----------


def test_a_loopback_endpoint_in_plain_http_is_never_reached_through_a_proxy(
        offline_aws, fake_sts, endpoint):
    """HTTP_PROXY set: plain http to the proxy would hand it the session's keys."""
    fake_sts.answer(ASSUMED)
    token = json.dumps({"SigninToken": "signin-token"}).encode()

    def federation(handler, stop):
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(token)))
        handler.end_headers()
        handler.wfile.write(token)

    proxy = endpoint(status(502))
    direct = endpoint(federation)
    proxy_url = proxy.url.rsplit("/", 1)[0]
    sts = fake_sts.url.split("/")[2]  # STS itself is not the test's concern
    result = console_url(offline_aws, direct.url, HTTP_PROXY=proxy_url,
                         http_proxy=proxy_url, NO_PROXY=sts, no_proxy=sts)
    assert result.returncode == 0, result.stderr
    assert "SigninToken=signin-token" in result.stdout
    assert proxy.requests == 0 and direct.requests == 1
