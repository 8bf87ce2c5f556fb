"""A tiny STS on 127.0.0.1 for the answers moto's server cannot give.

It answers every request with the next (HTTP status, XML body) of a script,
repeating the last one (except that a GetSessionToken met by a successful
AssumeRole answer gets a good MFA session, not taken from the script: a
switch assumes its role from one), and records the form fields of each request and
the access key ID that signed it (``signers``). The
bodies have STS's real shapes: ``ErrorResponse`` for refusals (codes and
messages as STS sends them) and ``AssumeRoleResponse``,
``GetSessionTokenResponse`` and ``GetCallerIdentityResponse`` for successes,
which tests may craft (odd secrets, a missing element, any expiration).
"""
import datetime
import http.server
import re
import socket
import threading
import time
import urllib.parse
import uuid
from xml.sax.saxutils import escape

NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"

# Refusals exactly as STS words them (HTTP status, code, message).
INVALID_CODE = (403, "AccessDenied",
                "MultiFactorAuthentication failed with invalid MFA one time "
                "pass code. ")
SERIAL_NOT_ASSOCIATED = (403, "AccessDenied",
                         "MultiFactorAuthentication failed, unable to validate "
                         "MFA code.  Please verify your MFA serial number is "
                         "valid and associated with this user.")
NOT_AUTHORIZED = (403, "AccessDenied",
                  "User: arn:aws:iam::123456789012:user/alice is not "
                  "authorized to perform: sts:AssumeRole on resource: "
                  "arn:aws:iam::123456789012:role/AccessToTestDev")
ABOVE_MAX_SESSION = (400, "ValidationError",
                     "The requested DurationSeconds exceeds the "
                     "MaxSessionDuration set for this role.")
ROLE_CHAINING = (400, "ValidationError",
                 "The requested DurationSeconds exceeds the 1 hour session "
                 "limit for roles assumed by role chaining.")
EXPIRED_TOKEN = (403, "ExpiredToken",
                 "The security token included in the request is expired")
INVALID_KEY = (403, "InvalidClientTokenId",
               "The security token included in the request is invalid.")
BAD_SIGNATURE = (403, "SignatureDoesNotMatch",
                 "The request signature we calculated does not match the "
                 "signature you provided. Check your AWS Secret Access Key "
                 "and signing method. Consult the service documentation for "
                 "details.")
THROTTLING = (400, "Throttling", "Rate exceeded")
SESSION_CREDENTIALS = (403, "AccessDenied",
                       "Cannot call GetSessionToken with session credentials")

# What answers instead of STS: a captive portal, a failing proxy.
WEB_PAGE = (200, "<html><body>Sign in to the hotel Wi-Fi<br></body></html>\n")
BAD_GATEWAY = (502, "<html><body><h1>502 Bad Gateway</h1></body></html>\n")


def answer(spec):
    """A (status, body) for a refusal triple or a raw (status, body) pair."""
    return error_response(*spec) if len(spec) == 3 else spec


def error_response(status, code, message):
    """STS's ``ErrorResponse`` document for a refusal."""
    body = (
        f'<ErrorResponse xmlns="{NAMESPACE}">\n'
        "  <Error>\n"
        "    <Type>Sender</Type>\n"
        f"    <Code>{escape(code)}</Code>\n"
        f"    <Message>{escape(message)}</Message>\n"
        "  </Error>\n"
        f"  <RequestId>{uuid.uuid4()}</RequestId>\n"
        "</ErrorResponse>\n"
    )
    return status, body


#: Leave an element out of a crafted answer (see :func:`credentials_xml`).
OMIT = object()


def expiration_in(lifetime):
    """STS's spelling of the moment ``lifetime`` seconds from now."""
    moment = (datetime.datetime.now(datetime.timezone.utc)
              + datetime.timedelta(seconds=lifetime))
    return f"{moment:%Y-%m-%dT%H:%M:%SZ}"


def _element(name, value, indent):
    """``<name>value</name>`` with the text XML-escaped, as STS sends it."""
    if value is OMIT:
        return ""
    return f"{indent}<{name}>{escape(value)}</{name}>\n"


def credentials_xml(access_key_id="ASIAFAKESTSEXAMPLE01",
                    secret="fakeSecretFromTheLocalSts0000000000000000",
                    token="FakeSessionTokenFromTheLocalSts//////==",
                    expiration=None, lifetime=3600, indent="    "):
    """The ``<Credentials>`` element of a success; any field may be :data:`OMIT`.

    ``expiration`` is the text sent as it is (crafted answers); without it,
    ``lifetime`` seconds from now.
    """
    if expiration is None:
        expiration = expiration_in(lifetime)
    inner = indent + "  "
    return (
        f"{indent}<Credentials>\n"
        + _element("AccessKeyId", access_key_id, inner)
        + _element("SecretAccessKey", secret, inner)
        + _element("SessionToken", token, inner)
        + _element("Expiration", expiration, inner)
        + f"{indent}</Credentials>\n"
    )


def _success(action, result):
    return 200, (
        f'<{action}Response xmlns="{NAMESPACE}">\n'
        f"  <{action}Result>\n"
        f"{result}"
        f"  </{action}Result>\n"
        "  <ResponseMetadata>\n"
        f"    <RequestId>{uuid.uuid4()}</RequestId>\n"
        "  </ResponseMetadata>\n"
        f"</{action}Response>\n"
    )


def assume_role_response(arn, credentials=True, assumed_role_user=True,
                         **fields):
    """STS's ``AssumeRoleResponse`` for a success.

    ``fields`` go to :func:`credentials_xml`; ``credentials=False`` or
    ``assumed_role_user=False`` leave those parts out (crafted answers).
    """
    role_id = "AROAFAKESTSEXAMPLE01:" + arn.rsplit("/", 1)[-1]
    user = (
        "    <AssumedRoleUser>\n"
        f"      <AssumedRoleId>{escape(role_id)}</AssumedRoleId>\n"
        f"      <Arn>{escape(arn)}</Arn>\n"
        "    </AssumedRoleUser>\n"
    ) if assumed_role_user else ""
    creds = credentials_xml(**fields) if credentials else ""
    return _success("AssumeRole", user + creds)


def session_token_response(credentials=True, **fields):
    """STS's ``GetSessionTokenResponse`` for a success (see :func:`credentials_xml`)."""
    return _success("GetSessionToken",
                    credentials_xml(**fields) if credentials else "")


def caller_identity_response(arn="arn:aws:iam::123456789012:user/alice"):
    """STS's ``GetCallerIdentityResponse``; ``arn`` may be :data:`OMIT`."""
    return _success("GetCallerIdentity", (
        _element("Arn", arn, "    ")
        + "    <UserId>AIDAFAKESTSEXAMPLE01</UserId>\n"
        "    <Account>123456789012</Account>\n"
    ))


class FakeSts:
    """The server; ``answer(*responses)`` sets the script, ``requests`` records."""

    def __init__(self):
        self.requests = []
        #: The access key ID that signed each request (``None``: unsigned).
        self.signers = []
        #: The region each request was signed for.
        self.regions = []
        self._script = [error_response(*INVALID_CODE)]
        self._lock = threading.Lock()
        #: Seconds added to the time in each answer's ``Date`` header: a
        #: server whose clock is off (or a machine's, seen from it).
        self.clock_offset = 0
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                # SigV4: "Credential=<access key id>/<date>/<region>/sts/..."
                signer = re.search(r"Credential=([^/,\s]+)/[^/]*/([^/]*)/",
                                   self.headers.get("Authorization", ""))
                fake.regions.append(signer and signer.group(2))
                status, body = fake._next({k: v[0] for k, v in form.items()},
                                          signer and signer.group(1))
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
                self.end_headers()
                self.wfile.write(data)

            def date_time_string(self, timestamp=None):
                if timestamp is None:
                    timestamp = time.time() + fake.clock_offset
                return super().date_time_string(timestamp)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        daemon=True)

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def answer(self, *responses):
        """Answer the next requests with ``responses``, repeating the last."""
        with self._lock:
            self._script = list(responses)

    def actions(self):
        """The ``Action`` of each request received so far."""
        return [form.get("Action") for form in self.requests]

    def _next(self, form, signer=None):
        with self._lock:
            self.requests.append(form)
            self.signers.append(signer)
            upcoming = self._script[0]
            if form.get("Action") == "GetSessionToken" and upcoming[0] == 200 \
                    and "<AssumeRoleResponse" in upcoming[1]:
                # A role is assumed from an MFA session: a script written
                # for the role's answer gets a good session first, free.
                return session_token_response()
            if len(self._script) > 1:
                return self._script.pop(0)
            return upcoming

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def closed_port_url():
    """A loopback URL where nothing listens: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class SilentEndpoint:
    """A loopback socket that accepts connections and never answers.

    ``connections`` counts the connections made to it, so a test can see
    how often a client tried.
    """

    def __init__(self):
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._held = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        # Accepted connections are held open, unread and unanswered.
        while True:
            try:
                connection, _ = self._sock.accept()
            except OSError:  # closed
                return
            self._held.append(connection)

    @property
    def connections(self):
        return len(self._held)

    @property
    def url(self):
        return "http://127.0.0.1:{}".format(self._sock.getsockname()[1])

    def close(self):
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        self._thread.join(timeout=5)
        for connection in self._held:
            connection.close()


def numbered_session_token_response(access_key_id="ASIAFAKESESSIONEXAMPLE", lifetime=43200):
    """STS's ``GetSessionTokenResponse`` for a success."""
    expiration = (datetime.datetime.now(datetime.timezone.utc)
                  + datetime.timedelta(seconds=lifetime))
    body = (
        f'<GetSessionTokenResponse xmlns="{NAMESPACE}">\n'
        "  <GetSessionTokenResult>\n"
        "    <Credentials>\n"
        f"      <AccessKeyId>{access_key_id}</AccessKeyId>\n"
        "      <SecretAccessKey>fakeSessionSecretFromTheLocalSts000000000"
        "</SecretAccessKey>\n"
        "      <SessionToken>FakeMfaSessionTokenFromTheLocalSts==</SessionToken>\n"
        f"      <Expiration>{expiration:%Y-%m-%dT%H:%M:%SZ}</Expiration>\n"
        "    </Credentials>\n"
        "  </GetSessionTokenResult>\n"
        f"  <ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId>"
        "</ResponseMetadata>\n"
        "</GetSessionTokenResponse>\n"
    )
    return 200, body


class OneTimeSts(FakeSts):
    """An STS that, like the real one, accepts each one-time code once.

    AssumeRole and GetSessionToken succeed for a code not seen before and
    are refused with STS's "invalid MFA one time pass code" for a code
    already accepted.  ``exchanges()`` lists the requests that carried a
    code, so a test can count what reached STS.
    """

    def __init__(self):
        super().__init__()
        self.accepted = []

    def exchanges(self):
        """The form of every request that carried an MFA code."""
        with self._lock:
            return [form for form in self.requests if "TokenCode" in form]

    def _next(self, form, signer=None):
        with self._lock:
            self.requests.append(form)
            self.signers.append(signer)
            code = form.get("TokenCode")
            if code is not None:
                if code in self.accepted:
                    return error_response(*INVALID_CODE)
                self.accepted.append(code)
            number = len(self.requests)
            if form.get("Action") == "GetSessionToken":
                return numbered_session_token_response(f"ASIAFAKESESSION{number:05d}")
            account = form.get("RoleArn", "").split(":")[4:5] or ["123456789012"]
            role = form.get("RoleArn", "").rsplit("/", 1)[-1]
            return assume_role_response(
                f"arn:aws:sts::{account[0]}:assumed-role/{role}/"
                f"{form.get('RoleSessionName', 'alice')}",
                access_key_id=f"ASIAFAKEROLE{number:08d}")


class LongJobSts(FakeSts):
    """An STS for jobs that outlive their credentials: short lifetimes, expiry enforced.

    Like the real one, it issues MFA sessions (GetSessionToken, signed with
    the long-term key and a code) and roles (AssumeRole, either from a
    session or signed with the long-term key and a code), each lasting a
    few seconds (``session_lifetime``, ``role_lifetime``), takes each code
    once, and refuses any request signed with a key that has expired
    (``ExpiredToken``) or that it never issued.  ``GetCallerIdentity``
    stands for the job's own calls; ``calls()`` says who signed each.
    """

    def __init__(self, long_term_key, session_lifetime=8.0, role_lifetime=3.0):
        super().__init__()
        self.long_term_key = long_term_key
        self.session_lifetime = session_lifetime
        self.role_lifetime = role_lifetime
        self.accepted = []
        #: access key id -> (kind, expiry as a POSIX time)
        self.keys = {long_term_key: ("long-term", float("inf"))}
        #: (action, signer's kind, status) of every request.
        self.log = []

    def _issue(self, kind, lifetime, number):
        import time

        key = f"ASIA{kind.upper()[:4]}{number:012d}"
        expiry = time.time() + lifetime
        self.keys[key] = (kind, expiry)
        when = datetime.datetime.fromtimestamp(expiry, datetime.timezone.utc)
        return key, f"{when:%Y-%m-%dT%H:%M:%SZ}"

    def _next(self, form, signer=None):
        import time

        with self._lock:
            self.requests.append(form)
            self.signers.append(signer)
            answer = self._answer(form, signer, time.time())
            kind = self.keys.get(signer, ("unknown", 0))[0]
            self.log.append((form.get("Action"), kind, answer[0]))
            return answer

    def _answer(self, form, signer, now):
        action = form.get("Action")
        kind, expiry = self.keys.get(signer, (None, 0))
        if kind is None:
            return error_response(*INVALID_KEY)
        if expiry <= now:
            return error_response(*EXPIRED_TOKEN)
        code = form.get("TokenCode")
        if code is not None:
            if code in self.accepted or kind != "long-term":
                return error_response(*INVALID_CODE)
            self.accepted.append(code)
        number = len(self.requests)
        if action == "GetSessionToken":
            if code is None or kind != "long-term":
                return error_response(*SESSION_CREDENTIALS)
            key, expiration = self._issue("session", self.session_lifetime,
                                          number)
            return session_token_response(access_key_id=key,
                                          expiration=expiration)
        if action == "AssumeRole":
            if code is None and kind != "session":
                return error_response(*NOT_AUTHORIZED)
            key, expiration = self._issue("role", self.role_lifetime, number)
            role = form.get("RoleArn", "").rsplit("/", 1)[-1]
            return assume_role_response(
                f"arn:aws:sts::123456789012:assumed-role/{role}/"
                f"{form.get('RoleSessionName', 'alice')}",
                access_key_id=key, expiration=expiration)
        if action == "GetCallerIdentity":
            return caller_identity_response()
        return error_response(400, "InvalidAction", f"Could not find {action}")

    def calls(self, action="GetCallerIdentity"):
        """``(signer's kind, HTTP status)`` of every request of ``action``."""
        with self._lock:
            return [(kind, status) for done, kind, status in self.log
                    if done == action]

    def count(self, action, kind=None, coded=None):
        """How many ``action`` requests succeeded (signed by ``kind``)."""
        with self._lock:
            return sum(1 for form, (done, signer, status)
                       in zip(self.requests, self.log)
                       if done == action and status == 200
                       and kind in (None, signer)
                       and coded in (None, "TokenCode" in form))
