"""The AWS console, signed in as a profile: a sink for ``--console`` and ``--console-url``.

The federation endpoint turns a role's temporary credentials into a
sign-in token (``Action=getSigninToken``); the login URL built from it
opens the console without a password.  The token works once, for fifteen
minutes, and the console session it opens lasts as long as the
credentials do (at most twelve hours).

Only role credentials can be federated this way: the endpoint refuses the
credentials of GetSessionToken.  aws-vault answers that with
GetFederationToken signed by the long-term keys, which gives a console
session that has not passed MFA, so policies that demand MFA deny it;
mfa-switch says so instead (see :func:`check_federable`).

The request goes through botocore's own HTTP session (its proxies from the
environment, its CA bundle setting, its timeouts), not a second HTTP stack,
over https only (plain http only to this machine's loopback, for tests),
within one overall deadline, and reads at most :data:`ANSWER_LIMIT` bytes
of the answer.
"""
import ipaddress
import json
import os
import types  # noqa: F401 (the doctests')
import urllib.parse

from awscli_mfa_plugin.errors import (
    ConfigError, MfaSwitchError, NetworkError, ServiceError, UsageError)
from awscli_mfa_plugin.files import output
from awscli_mfa_plugin import redaction

#: Overrides the partition's federation endpoint (tests, private partitions).
FEDERATION_URL_VARIABLE = "MFA_SWITCH_FEDERATION_URL"

#: Federation endpoint and console host per partition.
PARTITIONS = {
    "aws": ("https://signin.aws.amazon.com/federation",
            "console.aws.amazon.com"),
    "aws-us-gov": ("https://signin.amazonaws-us-gov.com/federation",
                   "console.amazonaws-us-gov.com"),
    "aws-cn": ("https://signin.amazonaws.cn/federation",
               "console.amazonaws.cn"),
}

#: Seconds the whole federation request may take (``$MFA_SWITCH_FEDERATION_DEADLINE``
#: sets another, for tests and slow links); an endpoint that trickles its
#: answer never holds the run longer.
DEADLINE_VARIABLE = "MFA_SWITCH_FEDERATION_DEADLINE"
DEADLINE = 30

#: Seconds to connect to, and to wait for each read from, the endpoint.
TIMEOUTS = (10, 20)

#: The most of an answer that is read: a sign-in token is about 1 KiB.
ANSWER_LIMIT = 64 * 1024

ISSUER = "aws-mfa-switch"


def partition_of(arn):
    """The partition an ARN names.

    >>> partition_of("arn:aws-us-gov:iam::1:role/R")
    'aws-us-gov'
    >>> partition_of("arn:aws:iam::1:role/R")
    'aws'
    """
    parts = (arn or "").split(":")
    return parts[1] if len(parts) > 1 and parts[1] else "aws"


def check_federable(target, environ):
    """Refuse, before any code is asked for, a profile the console cannot take.

    Also an endpoint the session's keys must not be sent to, and a deadline
    that is no number of seconds.
    """
    recipe = target.recipe
    federation_endpoint(recipe.role_arn, environ)
    deadline_of(environ)
    if not recipe.uses_role:
        raise ConfigError(
            f"The profile {target.name!r} gets a session token "
            "(GetSessionToken), which the AWS console's federation endpoint "
            "does not accept; sign in as a role instead: add mfa_role_arn to "
            "the profile, or pass --role-arn.")
    if partition_of(recipe.role_arn) not in PARTITIONS:
        raise ConfigError(
            f"The role {recipe.role_arn} is in the partition "
            f"{partition_of(recipe.role_arn)!r}, whose console mfa-switch "
            f"does not know; set {FEDERATION_URL_VARIABLE} to its federation "
            "endpoint.")


def federation_endpoint(role_arn, environ):
    """The federation endpoint of ``role_arn``'s partition, or the one ``environ`` names.

    Refuses one the session's keys would reach unencrypted: anything but
    https, except http to this machine's loopback (tests).

    >>> federation_endpoint("arn:aws:iam::1:role/R", {})
    'https://signin.aws.amazon.com/federation'
    >>> federation_endpoint("arn:aws:iam::1:role/R",
    ...     {"MFA_SWITCH_FEDERATION_URL": "http://127.0.0.1:8000/federation"})
    'http://127.0.0.1:8000/federation'
    """
    named = environ.get(FEDERATION_URL_VARIABLE)
    if not named:
        return PARTITIONS.get(partition_of(role_arn), PARTITIONS["aws"])[0]
    try:
        parts = urllib.parse.urlsplit(named)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if host and (parts.scheme == "https"
                 or (parts.scheme == "http" and _loopback(host))):
        return named
    raise ConfigError(
        f"{FEDERATION_URL_VARIABLE} must be an https:// address (http:// only "
        f"to this machine's loopback), not {named!r}: the console sign-in "
        "sends the session's keys there; nothing was sent.")


def _loopback(host):
    """True for ``localhost`` and the loopback addresses.

    >>> [_loopback(h) for h in ("localhost", "127.0.0.2", "::1", "10.0.0.1", "example.com")]
    [True, True, True, False, False]
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def deadline_of(environ):
    """Seconds the federation request may take: :data:`DEADLINE`, or as ``environ`` says.

    >>> deadline_of({}), deadline_of({"MFA_SWITCH_FEDERATION_DEADLINE": "2.5"})
    (30, 2.5)
    """
    text = environ.get(DEADLINE_VARIABLE)
    if not text:
        return DEADLINE
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not 0 < value <= 3600:
        raise ConfigError(
            f"{DEADLINE_VARIABLE} must be a number of seconds from 0 to 3600 "
            f"(the time the console sign-in may take), not {text!r}.")
    return value


def destination(partition, region, path=None):
    """The console page to land on: ``path`` (a console path) on the region's host.

    >>> destination("aws", "eu-west-1")
    'https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1'
    >>> destination("aws-cn", None)
    'https://console.amazonaws.cn/console/home'
    >>> destination("aws", "eu-central-1", "/cloudwatch/home#logsV2:log-groups")
    'https://eu-central-1.console.aws.amazon.com/cloudwatch/home?region=eu-central-1#logsV2:log-groups'
    """
    host = PARTITIONS.get(partition, PARTITIONS["aws"])[1]
    parts = urllib.parse.urlsplit(path or "/console/home")
    if not region:
        return urllib.parse.urlunsplit(("https", host, *parts[2:]))
    query = parts.query
    if "region" not in urllib.parse.parse_qs(query):
        query = "&".join(filter(None, (
            query, urllib.parse.urlencode({"region": region}))))
    return urllib.parse.urlunsplit(
        ("https", f"{region}.{host}", parts.path, query, parts.fragment))


def console_path(service=None, path=None):
    """The console path of ``--console-service`` or ``--console-destination``.

    >>> console_path("s3"), console_path(path="/s3/buckets"), console_path()
    ('/s3/home', '/s3/buckets', None)
    """
    return f"/{service}/home" if service else path


def signin_url(creds, role_arn, region, environ, send, path=None):
    """The one-time login URL for ``creds`` (a role's temporary credentials).

    It lands on ``path`` (a console path), else the console's home page.

    ``send(url)`` performs the GET and returns ``(status, body_bytes)``.
    """
    # Credentials kept from the file were never seen by the STS stage, and
    # the token signs in whoever holds it: both stay out of --debug logs.
    redaction.remember(creds.secret_access_key, creds.session_token)
    partition = partition_of(role_arn)
    endpoint = federation_endpoint(role_arn, environ)
    session = json.dumps({
        "sessionId": creds.access_key_id,
        "sessionKey": creds.secret_access_key,
        "sessionToken": creds.session_token,
    })
    query = urllib.parse.urlencode(
        {"Action": "getSigninToken", "Session": session})
    status, body = send(f"{endpoint}?{query}")
    if status != 200:
        raise _status_error(status, role_arn, endpoint)
    if len(body) > ANSWER_LIMIT:
        raise ServiceError(
            "The AWS console's federation endpoint answered with more than "
            f"{ANSWER_LIMIT // 1024} KiB, which is no sign-in token "
            f"({endpoint}); nothing was opened.")
    try:
        token = json.loads(body.decode("utf-8"))["SigninToken"]
        if not isinstance(token, str) or not token:
            raise ValueError
        redaction.remember(token)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise ServiceError(
            "The AWS console's federation endpoint answered without a "
            f"sign-in token ({endpoint}); nothing was opened.") from None
    return f"{endpoint}?" + urllib.parse.urlencode({
        "Action": "login",
        "Issuer": ISSUER,
        "Destination": destination(partition, region, path),
        "SigninToken": token,
    })


def _status_error(status, role_arn, endpoint):
    """The sentence for an answer other than 200: what the status means."""
    if status in (400, 401, 403):
        return ServiceError(
            f"The AWS console's federation endpoint refused the credentials "
            f"of {role_arn} (HTTP {status}); they may have expired: switch "
            "again with --force.")
    if 300 <= status < 400:
        return ServiceError(
            f"The AWS console's federation endpoint ({endpoint}) answered "
            f"with a redirect (HTTP {status}) instead of a sign-in token; "
            f"check {FEDERATION_URL_VARIABLE} and any proxy on the way, "
            "nothing was opened.")
    if status >= 500:
        return ServiceError(
            f"The AWS console's federation endpoint ({endpoint}) failed (HTTP "
            f"{status}), a fault on its side; try again later, nothing was "
            "opened.")
    return ServiceError(
        f"The AWS console's federation endpoint ({endpoint}) answered HTTP "
        f"{status} instead of a sign-in token; nothing was opened.")


def botocore_send(verify=None, deadline=DEADLINE, limit=ANSWER_LIMIT):
    """``send(url)`` through botocore's HTTP session.

    The whole request - connecting, sending, reading - ends within
    ``deadline`` seconds, and at most ``limit + 1`` bytes of the answer are
    read (enough to tell one that is too long).
    """
    import threading

    def send(url):
        outcome = {}

        def fetch():
            try:
                outcome["answer"] = _fetch(url, verify, limit)
            except BaseException as error:  # handed to the caller's thread
                outcome["error"] = error

        # A read waits at most TIMEOUTS[1] for each byte: an endpoint that
        # trickles its answer is cut off by the deadline here instead.  The
        # worker, stuck in a read, ends with the process.
        worker = threading.Thread(target=fetch, daemon=True,
                                  name="mfa-switch federation")
        worker.start()
        worker.join(deadline)
        if worker.is_alive():
            host = urllib.parse.urlsplit(url).netloc
            raise NetworkError(
                f"The AWS console's federation endpoint ({host}) did not "
                f"answer within {deadline:g} s; nothing was opened: check "
                f"your network or {FEDERATION_URL_VARIABLE}.")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["answer"]

    return send


def _fetch(url, verify, limit):
    """``(status, at most limit + 1 bytes of the body)`` of a GET of ``url``."""
    from botocore.awsrequest import AWSRequest
    from botocore.exceptions import HTTPClientError
    from botocore.httpsession import URLLib3Session
    from botocore.utils import get_environ_proxies
    from urllib3.exceptions import HTTPError as URLLib3Error

    # Plain http goes to this machine's loopback only (federation_endpoint),
    # never through a proxy, which would read the session's keys.
    proxies = get_environ_proxies(url) if url.startswith("https:") else {}
    http = URLLib3Session(
        verify=True if verify is None else verify,
        proxies=proxies, timeout=TIMEOUTS)
    request = AWSRequest(method="GET", url=url).prepare()
    request.stream_output = True  # read below, no more than the limit
    try:
        response = http.send(request)
        try:
            return response.status_code, response.raw.read(limit + 1)
        finally:
            response.raw.close()
    except (HTTPClientError, URLLib3Error, OSError) as error:
        host = urllib.parse.urlsplit(url).netloc
        raise NetworkError(
            f"Could not reach the AWS console's federation endpoint "
            f"({host}): {type(error).__name__}; check your network or "
            f"{FEDERATION_URL_VARIABLE}.") from None
    finally:
        http.close()


class Console:
    """Opens (or prints) the console sign-in URL of a single-profile run."""

    def __init__(self, environ, send, opener=None, stdout=None, path=None,
                 region=None):
        #: ``opener(url) -> bool`` opens a browser; ``None`` prints the URL.
        self.environ = environ
        self.send = send
        self.opener = opener
        self.stdout = stdout
        #: The console path to land on, and the region (else the profile's).
        self.path = path
        self.region = region

    def deliver(self, delivery):
        creds, target = delivery.printed, delivery.target
        url = signin_url(creds, target.recipe.role_arn,
                         self.region or delivery.region, self.environ,
                         self.send, self.path)
        if self.opener is None:
            output.write(self.stdout, url + "\n", "The console sign-in URL")
            return []
        if not self.opener(url):
            raise MfaSwitchError(
                f"No web browser could be started for the console of "
                f"{target.name!r}; set BROWSER (or --browser, mfa_browser), "
                "or print the link with --console-url.")
        return [f"Opened the AWS console as {target.recipe.role_arn} in "
                "your web browser."]


#: The profile key naming the browser to open the console in.
BROWSER_KEY = "mfa_browser"
#: A sign-in token works for fifteen minutes: launch files older are removed.
LAUNCH_FILE_LIFETIME = 15 * 60


def browser_command(request, profiles, profile):
    """The argument list of ``--browser``, else of the profile's ``mfa_browser``, else ``None``.

    Raises :class:`UsageError` or :class:`ConfigError` for a command line
    that cannot be split into one.

    >>> browser_command(types.SimpleNamespace(browser=None),
    ...                 {"dev": {"mfa_browser": "firefox -P 'work one'"}}, "dev")
    ['firefox', '-P', 'work one']
    """
    import shlex

    if request.browser is not None:
        text, where, error = request.browser, "--browser", UsageError
    else:
        text = (profiles.get(profile) or {}).get(BROWSER_KEY)
        if text is None:
            return None
        where, error = f"{BROWSER_KEY} of {profile!r}", ConfigError
    try:
        argv = shlex.split(str(text))
    except ValueError as problem:
        raise error(f"The browser command of {where} cannot be read as a "
                    f"command line ({problem}); quote it as a shell "
                    "would.") from None
    if not argv:
        raise error(f"The browser command of {where} is empty; name a "
                    "browser, such as firefox.")
    return argv


def check(target, request, profiles):
    """Everything refused before a code is asked for: see :func:`check_federable`."""
    check_federable(target, request.environ)
    if request.mode == "console":
        browser_command(request, profiles, target.recipe.profile)


def launch_file(url, folder, now):
    """A private file (0600, in the 0700 ``folder``) whose page leads to ``url``.

    The browser is given this file's name instead of the URL, so the URL,
    which signs in whoever opens it, is never on a command line that other
    users can read (``/proc/<pid>/cmdline``, ``ps``).  Launch files older
    than a sign-in token's fifteen minutes are removed first.
    """
    import html
    import secrets

    from awscli_mfa_plugin.codes.turns import private_folder

    private_folder(folder)
    for name in os.listdir(folder):
        old = os.path.join(folder, name)
        try:
            if name.endswith(".html") and \
                    now - os.lstat(old).st_mtime > LAUNCH_FILE_LIFETIME:
                os.unlink(old)
        except OSError:
            pass
    path = os.path.join(folder, f"console-{secrets.token_hex(8)}.html")
    script_url = json.dumps(url).replace("</", "<\\/")
    page = ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            "<meta name=\"referrer\" content=\"no-referrer\">"
            f"<meta http-equiv=\"refresh\" content=\"0;url={html.escape(url)}\">"
            f"<script>location.replace({script_url});</script>"
            "<title>AWS console</title></head><body>"
            f"<a href=\"{html.escape(url)}\">Open the AWS console</a>"
            "</body></html>\n")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                 | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with open(fd, "w", encoding="utf-8") as stream:
        stream.write(page)
    return path


def browser_opener(argv, folder, now):
    """``open(url) -> bool``: starts ``argv`` with a launch file of ``url`` as its last argument."""
    import pathlib
    import subprocess

    def open_url(url):
        path = launch_file(url, folder, now)
        try:
            subprocess.Popen(
                [*argv, pathlib.Path(path).as_uri()],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError as error:
            os.unlink(path)
            raise ConfigError(
                f"The browser {argv[0]!r} cannot be started "
                f"({error.strerror or error}); check --browser or "
                f"{BROWSER_KEY}.") from None
        return True

    return open_url
