"""The loopback credentials endpoint of ``--exec``: who it answers, what, and when it renews."""
import datetime
import http.client
import json
import logging
import socket
import threading

import pytest

from awscli_mfa_plugin.deliver import endpoint as ep
from awscli_mfa_plugin.errors import ServiceError

UTC = datetime.timezone.utc
START = datetime.datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self):
        self.moment = START

    def __call__(self):
        return self.moment

    def advance(self, seconds):
        self.moment += datetime.timedelta(seconds=seconds)


class Creds:
    def __init__(self, n, expiration):
        self.access_key_id = f"ASIAENDPOINT{n:08d}"
        self.secret_access_key = f"secret-{n}-" + "s" * 30
        self.session_token = f"token-{n}-" + "t" * 40
        self.expiration = expiration


class Renewer:
    """Hands out credentials that last ``lifetime`` seconds on the clock."""

    def __init__(self, clock, lifetime=60, fail=False):
        self.clock, self.lifetime, self.fail = clock, lifetime, fail
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.fail:
            raise ServiceError("STS refused.")
        return Creds(self.calls, self.clock()
                     + datetime.timedelta(seconds=self.lifetime))


def test_credentials_are_kept_until_the_margin_then_renewed():
    clock = Clock()
    renew = Renewer(clock)
    endpoint = ep.CredentialsEndpoint(renew, margin=10, now=clock)
    first = endpoint.credentials()
    assert renew.calls == 1
    clock.advance(49)
    assert endpoint.credentials() is first
    clock.advance(2)  # 9 s left: within the margin
    second = endpoint.credentials()
    assert second is not first and renew.calls == 2
    assert endpoint.seconds_to_renewal() == 50


def test_a_failed_renewal_serves_what_is_valid_and_then_refuses():
    clock = Clock()
    renew = Renewer(clock)
    errors = []
    endpoint = ep.CredentialsEndpoint(renew, margin=10, now=clock,
                                      on_error=errors.append)
    held = endpoint.credentials()
    renew.fail = True
    clock.advance(55)
    assert endpoint.credentials() is held
    assert [str(e) for e in errors] == ["STS refused."]
    clock.advance(5)  # expired
    with pytest.raises(ep.Unavailable):
        endpoint.credentials()
    renew.fail = False
    assert endpoint.credentials().access_key_id.endswith("00000004")


def test_concurrent_requests_at_the_margin_renew_once():
    clock = Clock()
    gate = threading.Event()
    calls = []

    def renew():
        calls.append(1)
        gate.wait(5)
        return Creds(len(calls), clock() + datetime.timedelta(seconds=60))

    endpoint = ep.CredentialsEndpoint(
        renew, margin=10, now=clock,
        creds=Creds(0, clock() + datetime.timedelta(seconds=5)))
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(
        endpoint.credentials().access_key_id)) for _ in range(8)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len(answers) == 8


@pytest.fixture
def served():
    clock = Clock()
    endpoint = ep.CredentialsEndpoint(Renewer(clock), margin=10, now=clock)
    endpoint.start()
    yield endpoint
    endpoint.stop()


def get(endpoint, headers, path="/", method="GET"):
    connection = http.client.HTTPConnection(ep.HOST, endpoint.port, timeout=5)
    try:
        connection.putrequest(method, path, skip_host=True,
                              skip_accept_encoding=True)
        for key, value in headers.items():
            connection.putheader(key, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def good_headers(endpoint, **extra):
    headers = {"Host": f"127.0.0.1:{endpoint.port}",
               "Authorization": endpoint.token}
    headers.update(extra)
    return {k: v for k, v in headers.items() if v is not None}


def test_the_answer_is_the_container_credentials_json(served):
    status, body = get(served, good_headers(served))
    assert status == 200
    answer = json.loads(body)
    assert set(answer) == {"AccessKeyId", "SecretAccessKey", "Token",
                           "Expiration"}
    assert answer["Expiration"] == "2026-12-08T09:01:00Z"


@pytest.mark.parametrize("headers, status", [
    ({"Authorization": None}, 401),
    ({"Authorization": "wrong"}, 401),
    ({"Authorization": ""}, 401),
    ({"Host": "evil.example:{port}"}, 403),
    ({"Host": "localhost:{port}"}, 403),
    ({"Host": "127.0.0.1"}, 403),
    ({"Host": None}, 403),
])
def test_refused_without_the_token_or_with_another_host(served, headers,
                                                       status):
    headers = {k: v if v is None else v.format(port=served.port)
               for k, v in headers.items()}
    got, body = get(served, good_headers(served, **headers))
    assert got == status
    assert b"ASIA" not in body and b"secret" not in body


def test_other_paths_and_methods_are_refused(served):
    assert get(served, good_headers(served), path="/other")[0] == 404
    assert get(served, good_headers(served), method="POST")[0] == 405


def test_listens_on_loopback_only(served):
    assert served._server.socket.getsockname()[0] == "127.0.0.1"
    # An address of this machine that is not loopback, if it has one.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address = probe.getsockname()[0]
        except OSError:
            address = None
    if address is None or address.startswith("127."):
        pytest.skip("this machine has no address beyond loopback")
    with pytest.raises(OSError):
        socket.create_connection((address, served.port), timeout=2).close()


def test_a_taken_port_is_one_sentence(served):
    other = ep.CredentialsEndpoint(lambda: None, margin=10)
    with pytest.raises(ep.PortInUseError) as raised:
        other.start(port=served.port)
    assert str(raised.value) == (
        f"The port {served.port} on 127.0.0.1 that --exec-port asks for its "
        "credentials endpoint cannot be used (Address already in use); "
        "choose another port, or leave --exec-port out to take a free one.")


def test_botocore_reads_it_and_nothing_is_logged(served, capfd, caplog):
    from botocore.credentials import ContainerProvider

    caplog.set_level(logging.DEBUG)
    provider = ContainerProvider(environ={
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": served.url,
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": served.token,
    })
    creds = provider.load().get_frozen_credentials()
    assert creds.access_key.startswith("ASIAENDPOINT")
    get(served, good_headers(served, Authorization="wrong"))
    out, err = capfd.readouterr()
    assert out == err == ""
    logged = "\n".join(r.getMessage() for r in caplog.records
                       if not r.name.startswith(("botocore", "urllib3")))
    assert logged == ""
    assert served.token not in caplog.text and creds.secret_key not in caplog.text


def test_the_refresher_renews_ahead_of_the_margin():
    renewed = threading.Event()
    lifetimes = iter([0.3, 60])

    def renew():
        creds = Creds(1, datetime.datetime.now(UTC) + datetime.timedelta(
            seconds=next(lifetimes)))
        return creds

    endpoint = ep.CredentialsEndpoint(renew, margin=0.1,
                                      on_error=lambda e: renewed.set())
    endpoint.credentials()
    original = endpoint._renew

    def counted():
        try:
            return original()
        finally:
            renewed.set()

    endpoint._renew = counted
    endpoint.renew_ahead()
    try:
        assert renewed.wait(10)
    finally:
        endpoint.stop()
    assert endpoint.renewals == 2
