"""The loopback credentials endpoint of ``--exec``: the AWS container-credentials protocol.

A child started by ``aws mfa-switch --exec`` finds it through
``AWS_CONTAINER_CREDENTIALS_FULL_URI`` and ``AWS_CONTAINER_AUTHORIZATION_TOKEN``,
which every AWS SDK reads (botocore's ``ContainerProvider``), and asks it
for credentials whenever the ones it holds come near their end.  The
answer is the JSON the SDKs expect::

    {"AccessKeyId": "ASIA...", "SecretAccessKey": "...", "Token": "...",
     "Expiration": "2026-12-08T10:00:00Z"}

What keeps it to the child:

* it listens on 127.0.0.1 only, on a port chosen by the system unless one
  is asked for;
* every request must carry the run's token, a random value made for this
  run alone, compared in constant time (:func:`hmac.compare_digest`);
* a request whose ``Host`` is not ``127.0.0.1:PORT`` is refused, so a web
  page that points a name of its own at 127.0.0.1 (DNS rebinding) cannot
  read the answer even with the token guessed;
* nothing is logged: no request line, no header, no credential.

Renewal is a callable handed in (the pipeline's own switch, which reuses
the kept MFA session and asks for a code only when that session ends).  A
thread renews ahead of time, ``margin`` before the credentials expire, so
that a request is answered from memory; a request that finds them closer
to their end than that renews them itself.
"""
import datetime
import hmac
import http.server
import json
import secrets
import threading

from awscli_mfa_plugin.errors import MfaSwitchError

HOST = "127.0.0.1"
#: The path of the one resource (any other path is not found).
PATH = "/"
#: Seconds between tries when a renewal failed and the credentials held
#: are still good.
RETRY_SECONDS = 30.0


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


class PortInUseError(MfaSwitchError):
    """The port asked for the endpoint is taken."""


class Unavailable(Exception):
    """No valid credentials to answer with (renewal failed)."""


def new_token():
    """A random bearer token for one run (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def container_json(creds):
    """The container-credentials answer for ``creds``, as bytes.

    >>> import datetime as dt
    >>> class C:
    ...     access_key_id, secret_access_key, session_token = "A", "S", "T"
    ...     expiration = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    >>> container_json(C).decode()
    '{"AccessKeyId": "A", "SecretAccessKey": "S", "Token": "T", "Expiration": "2030-01-02T03:04:05Z"}'
    """
    expiration = creds.expiration.astimezone(datetime.timezone.utc)
    return json.dumps({
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
        "Token": creds.session_token,
        "Expiration": expiration.replace(tzinfo=None).isoformat(
            timespec="seconds") + "Z",
    }).encode()


class CredentialsEndpoint:
    """Credentials for one child, renewed through ``renew()``.

    ``renew()`` returns an object with ``access_key_id``,
    ``secret_access_key``, ``session_token`` and an aware ``expiration``,
    or raises :class:`~awscli_mfa_plugin.errors.MfaSwitchError`;
    ``on_error(error)`` hears each failed renewal (the command says it on
    stderr); ``now`` is the clock.
    """

    def __init__(self, renew, margin, creds=None, now=_utcnow,
                 on_error=None, token=None):
        self._renew = renew
        self._margin = datetime.timedelta(seconds=margin)
        self._creds = creds
        self._now = now
        self._on_error = on_error or (lambda error: None)
        self.token = token or new_token()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = None
        self._threads = []
        #: How many times ``renew()`` was called (tests, the benchmark).
        self.renewals = 0

    # -- the credentials ---------------------------------------------------

    def _left(self, creds):
        return creds.expiration - self._now()

    def credentials(self):
        """The credentials to hand out now, renewed when they are due.

        Raises :class:`Unavailable` when none are valid.
        """
        creds = self._creds
        if creds is not None and self._left(creds) > self._margin:
            return creds
        if self._lock.acquire(blocking=False):
            try:
                return self._renew_locked()
            finally:
                self._lock.release()
        # Another thread renews: what is held serves while it is valid.
        if creds is not None and self._left(creds) > datetime.timedelta(0):
            return creds
        with self._lock:
            return self._valid(self._creds)

    def _renew_locked(self):
        creds = self._creds
        if creds is not None and self._left(creds) > self._margin:
            return creds  # renewed while this thread waited
        self.renewals += 1
        try:
            self._creds = self._renew()
        except MfaSwitchError as error:
            self._on_error(error)
            return self._valid(creds)
        return self._valid(self._creds)

    def _valid(self, creds):
        if creds is None or self._left(creds) <= datetime.timedelta(0):
            raise Unavailable()
        return creds

    def seconds_to_renewal(self):
        """Seconds until the credentials held come within the margin (>= 0)."""
        creds = self._creds
        if creds is None:
            return 0.0
        return max(0.0, (self._left(creds) - self._margin).total_seconds())

    # -- the server ----------------------------------------------------------

    def hold(self, creds):
        """Answer with ``creds`` from now on (the first switch's)."""
        with self._lock:
            self._creds = creds

    def start(self, port=0):
        """Listen on 127.0.0.1 (``port`` 0: any free one); return the URL.

        Raises :class:`PortInUseError` when ``port`` is taken.
        """
        try:
            self._server = _Server((HOST, port), _handler(self))
        except OSError as error:
            raise PortInUseError(
                f"The port {port} on {HOST} that --exec-port asks for its "
                f"credentials endpoint cannot be used ({error.strerror}); "
                "choose another port, or leave --exec-port out to take a "
                "free one.") from None
        self._thread(self._server.serve_forever, "mfa-switch-endpoint",
                     poll_interval=0.05)
        return self.url

    def renew_ahead(self):
        """Start the thread that renews ahead of time."""
        self._thread(self._refresh, "mfa-switch-renewal")

    def _thread(self, target, name, **kwargs):
        thread = threading.Thread(target=target, name=name, kwargs=kwargs,
                                  daemon=True)
        self._threads.append(thread)
        thread.start()

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def url(self):
        """``AWS_CONTAINER_CREDENTIALS_FULL_URI`` for the child."""
        return f"http://{HOST}:{self.port}{PATH}"

    def stop(self):
        """Stop answering and renewing; waits for both threads."""
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _refresh(self):
        """Renew ahead of time, so that no request waits for STS or a person."""
        while not self._stop.wait(self.seconds_to_renewal()):
            try:
                self.credentials()
            except Unavailable:
                pass
            if self.seconds_to_renewal() == 0 and \
                    self._stop.wait(RETRY_SECONDS):
                return  # the renewal failed: try again later, not at once

    def answer(self, host, authorization, path):
        """``(status, body)`` for one request's ``Host``, ``Authorization`` and path."""
        expected_host = f"{HOST}:{self.port}"
        if host is None or not hmac.compare_digest(
                host.encode("utf-8", "replace"), expected_host.encode()):
            return 403, _error("InvalidHost", "Requests must be made to "
                               f"{expected_host}.")
        if authorization is None or not hmac.compare_digest(
                authorization.encode("utf-8", "replace"), self.token.encode()):
            return 401, _error("Unauthorized", "The authorization token is "
                               "missing or wrong.")
        if path != PATH:
            return 404, _error("NotFound", "No such resource.")
        try:
            return 200, container_json(self.credentials())
        except Unavailable:
            return 503, _error("Unavailable", "The credentials could not be "
                               "renewed; see the terminal of mfa-switch.")


def _error(code, message):
    return json.dumps({"Code": code, "Message": message}).encode()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # Not SO_REUSEADDR: a port another program listens on must be refused
    # (on Linux the option does not allow that anyway; elsewhere it might).
    allow_reuse_address = False

    def handle_error(self, request, client_address):
        """A client that hangs up mid-request is its own business: no traceback."""


def _handler(endpoint):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "mfa-switch"
        sys_version = ""

        def do_GET(self):
            status, body = endpoint.answer(
                self.headers.get("Host"), self.headers.get("Authorization"),
                self.path)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _refuse(self):
            self.send_response(405)
            self.send_header("Allow", "GET")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _refuse

        def log_message(self, *args):
            """Nothing is logged: request lines may carry what must stay private."""

    return Handler
