"""Console sign-in (``--console``, ``--console-url``) and ``--export --unset``, end to end.

The federation endpoint is a loopback stand-in that, like the real one,
answers ``getSigninToken`` with a token only for the session it is given;
it records that session so the test can check it is the profile's own.
The browser is a script named by ``BROWSER`` (Python's ``webbrowser``
convention) that writes the URL it was given to a file.
"""
import configparser
import http.server
import json
import shutil
import subprocess
import threading
import urllib.parse

import pytest

from awscli_mfa_plugin.deliver import console
from awscli_mfa_plugin.stored import StoredCredentials

TOKEN = "signin-token-for-the-test"


class Federation:
    """A loopback federation endpoint: answers getSigninToken, records sessions."""

    def __init__(self, status=200):
        self.sessions = []
        self.status = status
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                query = urllib.parse.parse_qs(
                    urllib.parse.urlsplit(self.path).query)
                ok = (query.get("Action") == ["getSigninToken"]
                      and "Session" in query)
                if ok:
                    outer.sessions.append(json.loads(query["Session"][0]))
                status = outer.status if ok else 400
                body = json.dumps({"SigninToken": TOKEN}).encode() \
                    if status == 200 else b"<html>Bad request</html>"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/federation"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def federation():
    endpoint = Federation()
    yield endpoint
    endpoint.close()


@pytest.fixture
def browser(tmp_path):
    """A BROWSER program that records the URL it is asked to open."""
    opened = tmp_path / "opened"
    script = tmp_path / "browser"
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$1\" >> {opened}\n")
    script.chmod(0o755)
    return script, opened


def section(aws, name):
    parser = configparser.RawConfigParser()
    parser.read(aws.credentials)
    return dict(parser.items(name))


def run(aws, federation, *args, browser=None, input=""):
    env = aws.env(MFA_SWITCH_FEDERATION_URL=federation.url,
                  BROWSER=str(browser[0]) if browser else "/bin/false")
    return aws.run("mfa-switch", "--profile", "dev", *args, input=input,
                   env=env)


def query_of(url):
    return {key: values[0] for key, values in
            urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).items()}


def test_console_switches_then_opens_the_profiles_own_session(
        aws, federation, browser):
    result = run(aws, federation, "--console", "--token-code", aws.code(),
                 browser=browser)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    dev = section(aws, "dev")
    # The federation endpoint was given the profile's new credentials.
    assert federation.sessions == [{
        "sessionId": dev["aws_access_key_id"],
        "sessionKey": dev["aws_secret_access_key"],
        "sessionToken": dev["aws_session_token"]}]
    [url] = browser[1].read_text().splitlines()
    assert url.startswith(federation.url + "?")
    query = query_of(url)
    assert query["Action"] == "login" and query["SigninToken"] == TOKEN
    assert query["Destination"] == (
        "https://eu-west-1.console.aws.amazon.com/console/home"
        "?region=eu-west-1")
    assert "Opened the AWS console as " + aws.account.role_arn in result.stderr
    assert dev["aws_secret_access_key"] not in result.stderr


def test_console_url_prints_one_line_from_kept_credentials(
        aws, federation, browser):
    first = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code())
    assert first.returncode == 0, first.stderr
    before = aws.credentials.read_bytes()
    # No code on stdin: the still-valid credentials must be used.
    result = run(aws, federation, "--console-url", browser=browser)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and query_of(lines[0])["SigninToken"] == TOKEN
    assert not browser[1].exists()
    assert federation.sessions[0]["sessionId"] == \
        section(aws, "dev")["aws_access_key_id"]
    assert aws.credentials.read_bytes() == before


def test_a_session_token_profile_is_refused_before_any_code(aws, federation):
    before = aws.credentials.read_bytes()
    result = aws.run("mfa-switch", "--profile", "session", "--console",
                     env=aws.env(MFA_SWITCH_FEDERATION_URL=federation.url))
    assert result.returncode == 253
    assert "GetSessionToken" in result.stderr and "mfa_role_arn" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert federation.sessions == []
    assert aws.credentials.read_bytes() == before


def test_a_refusing_federation_endpoint_is_a_sentence(aws, federation):
    federation.status = 400
    result = run(aws, federation, "--console-url", "--token-code", aws.code())
    assert result.returncode == 254
    assert "federation endpoint refused" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_console_and_export_are_one_or_the_other(aws, federation):
    result = run(aws, federation, "--console", "--export")
    assert result.returncode == 252
    assert "cannot be used together" in result.stderr


@pytest.mark.parametrize("arn, endpoint, host", [
    ("arn:aws:iam::1:role/R", "https://signin.aws.amazon.com/federation",
     "eu-west-1.console.aws.amazon.com"),
    ("arn:aws-us-gov:iam::1:role/R",
     "https://signin.amazonaws-us-gov.com/federation",
     "eu-west-1.console.amazonaws-us-gov.com"),
    ("arn:aws-cn:iam::1:role/R", "https://signin.amazonaws.cn/federation",
     "eu-west-1.console.amazonaws.cn"),
])
def test_each_partition_has_its_own_endpoint(arn, endpoint, host):
    asked = []

    def send(url):
        asked.append(url)
        return 200, json.dumps({"SigninToken": "t"}).encode()

    creds = StoredCredentials("ASIA", "secret", "token", None)
    url = console.signin_url(creds, arn, "eu-west-1", {}, send)
    assert asked[0].startswith(endpoint + "?Action=getSigninToken")
    assert url.startswith(endpoint + "?Action=login")
    assert urllib.parse.urlsplit(query_of(url)["Destination"]).netloc == host


@pytest.mark.parametrize("shell", ["bash", "sh", "fish"])
def test_unset_removes_what_export_set(aws, shell):
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    switched = aws.run("mfa-switch", "--profile", "dev", "--token-code",
                       aws.code())
    assert switched.returncode == 0, switched.stderr
    kind = "fish" if shell == "fish" else "bash"
    export = aws.run("mfa-switch", "--profile", "dev", "--export", kind)
    unset = aws.run("mfa-switch", "--export", kind, "--unset", input="")
    assert export.returncode == 0 and unset.returncode == 0, unset.stderr
    assert "unset" in unset.stdout or "set -e" in unset.stdout
    names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
             "AWS_CREDENTIAL_EXPIRATION", "AWS_REGION", "AWS_DEFAULT_REGION")
    # Quoted: fish drops an unquoted word whose variable is unset.
    show = "; ".join(f'echo {n}="${n}"' for n in names)
    script = f"{export.stdout}\n{show}\n{unset.stdout}\n{show}\n"
    out = subprocess.run([shell, "-c", script], capture_output=True,
                         text=True, check=True).stdout.splitlines()
    exported, removed = out[:len(names)], out[len(names):]
    assert all(line != f"{n}=" for line, n in zip(exported, names))
    assert removed == [f"{n}=" for n in names]


def test_debug_output_holds_neither_the_secrets_nor_the_signin_token(
        aws, federation):
    first = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code())
    assert first.returncode == 0, first.stderr
    # Kept credentials: read from the file, never seen by the STS stage.
    result = run(aws, federation, "--console-url", "--debug")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "getSigninToken" in result.stderr  # the request was logged
    dev = section(aws, "dev")
    for secret in (dev["aws_secret_access_key"], dev["aws_session_token"]):
        for form in (secret, urllib.parse.quote_plus(secret),
                     urllib.parse.quote(secret, safe="")):
            assert form not in result.stderr
    assert TOKEN not in result.stderr
