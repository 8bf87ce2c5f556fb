"""Helpers that build a throw-away AWS home and run the real ``aws`` in it.

Shared by the tests and by ``demo/run_demo.py``: the demo is the same job a
user runs, against the same loopback STS the tests use.
"""
import dataclasses
import os
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
AWS = str(BIN / "aws")
REGION = "eu-west-1"
ACCOUNT = "123456789012"
ROLE_NAME = "AccessToTestDev"
USER_NAME = "alice"
DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY")
#: The locale every run gets, whatever the caller's shell has.
LOCALE = "C.UTF-8"


def chosen(environ):
    """``environ`` without what would make a run depend on the caller's shell.

    A new user's login shell has little more than HOME, PATH and LANG; a
    developer's or a CI runner's may have ``PYTHONUNBUFFERED``,
    ``PYTHONPATH``, ``AWS_PROFILE``, ``LC_ALL``, a desktop session and its
    keyring.  None of them gets through: ``PYTHON*``, ``AWS_*`` and the
    locale are removed or set here on purpose (``LANG`` is
    :data:`LOCALE`), and so are the display and the D-Bus session (no
    dialog on the tester's desktop, no real keyring) and the XDG folders
    (which would point outside the throw-away HOME).  A test that needs
    one of them sets it itself.
    """
    env = {
        k: v for k, v in environ.items()
        if not k.startswith(("AWS_", "PYTHON", "LC_", "XDG_"))
        and k not in DISPLAY_VARIABLES
        and k not in ("LANG", "LANGUAGE", "DBUS_SESSION_BUS_ADDRESS")
    }
    env["LANG"] = LOCALE
    return env


def start_moto():
    """Start moto's server on a free port of 127.0.0.1 and return it."""
    import logging

    from moto.server import ThreadedMotoServer

    # werkzeug logs every request on stderr; the demo and tests don't need it.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    _temporary_session_keys()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    return server


def _temporary_session_keys():
    """moto's GetSessionToken answers with STS's key id, as STS answers.

    moto gives the key id of an IAM user's long-term key (``AKIA...``) with
    the session token; STS gives temporary credentials an ``ASIA`` key id,
    which is how mfa-switch tells what it wrote from long-term keys set
    over it later.
    """
    from moto.sts.responses import TokenResponse

    original = TokenResponse.get_session_token
    if getattr(original, "temporary_key_id", False):
        return

    def get_session_token(self):
        answer = original(self)
        answer.result["Credentials"]["AccessKeyId"] = "ASIAIOSFODNN7EXAMPLE"
        return answer

    get_session_token.temporary_key_id = True
    TokenResponse.get_session_token = get_session_token


def endpoint_of(server):
    host, port = server.get_host_and_port()
    return f"http://{host}:{port}"


@dataclasses.dataclass(frozen=True)
class Account:
    """What :func:`seed_account` created in the loopback IAM."""

    access_key_id: str
    secret_access_key: str
    user_arn: str
    serial_number: str
    role_arn: str
    mfa_seed: bytes


def seed_account(endpoint):
    """Create an IAM user with keys, a virtual MFA device and a role."""
    import base64
    import json

    import boto3

    iam = boto3.client(
        "iam",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    user = iam.create_user(UserName=USER_NAME)["User"]
    key = iam.create_access_key(UserName=USER_NAME)["AccessKey"]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=USER_NAME)[
        "VirtualMFADevice"
    ]
    seed = base64.b32decode(device["Base32StringSeed"])
    trust = {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": user["Arn"]},
            "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        }],
    }
    role = iam.create_role(
        RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]
    return Account(
        access_key_id=key["AccessKeyId"],
        secret_access_key=key["SecretAccessKey"],
        user_arn=user["Arn"],
        serial_number=device["SerialNumber"],
        role_arn=role["Arn"],
        mfa_seed=seed,
    )


def totp(seed, at=None):
    """The RFC 6238 code a virtual MFA device with ``seed`` shows now."""
    import hashlib
    import hmac
    import struct
    import time

    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(seed, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1000000:06d}"


class AwsHome:
    """A HOME with ``~/.aws/config`` (plugin enabled) and the source keys.

    ``run`` executes the real ``aws`` with that HOME and every service
    endpoint pointed at the loopback server.
    """

    def __init__(self, home, endpoint, account):
        self.home = Path(home)
        self.endpoint = endpoint
        self.account = account
        self.dot_aws = self.home / ".aws"
        self.dot_aws.mkdir(exist_ok=True, mode=0o700)
        self.config = self.dot_aws / "config"
        self.credentials = self.dot_aws / "credentials"
        self.config.write_text(self.default_config())
        self.credentials.write_text(
            "# long-term keys\n"
            "[default]\n"
            f"aws_access_key_id = {account.access_key_id}\n"
            f"aws_secret_access_key = {account.secret_access_key}\n"
        )
        os.chmod(self.credentials, 0o600)

    def default_config(self):
        a = self.account
        return (
            "[plugins]\n"
            "mfa_switch = awscli_mfa_plugin\n"
            "\n"
            "[default]\n"
            f"region = {REGION}\n"
            "\n"
            "[profile dev]\n"
            f"mfa_role_arn = {a.role_arn}\n"
            "mfa_source_profile = default\n"
            f"mfa_serial = {a.serial_number}\n"
            f"region = {REGION}\n"
            "\n"
            "[profile session]\n"
            f"mfa_serial = {a.serial_number}\n"
            f"region = {REGION}\n"
        )

    def env(self, **extra):
        """The environment of an ``aws`` run: this HOME, the loopback endpoint."""
        # Without DISPLAY and WAYLAND_DISPLAY no run opens a dialog on the
        # desktop of whoever runs the tests; dialog tests set their own.
        env = chosen(os.environ)
        env.update(
            HOME=str(self.home),
            AWS_ENDPOINT_URL=self.endpoint,
            AWS_EC2_METADATA_DISABLED="true",
            PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        )
        for key, value in extra.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def run(self, *args, input="", env=None, timeout=120):
        """Run ``aws *args`` to completion; stdin is a pipe holding ``input``."""
        return subprocess.run(
            [AWS, *args],
            input=input,
            capture_output=True,
            text=True,
            env=env or self.env(),
            timeout=timeout,
        )

    def code(self):
        """A code of the virtual MFA device, another one at every call.

        moto takes any code, but STS takes each code once, and mfa-switch
        refuses to send one twice: the first call gives the code the
        device shows now, each later call the code of a later window, as
        a person gets by waiting for the next code.
        """
        given = self._codes_given = getattr(self, "_codes_given", 0) + 1
        return totp(self.account.mfa_seed,
                    at=time.time() + 30 * (given - 1))
