"""Each mode of a run through the pipeline, with the world handed in as fake Tools.

The end-to-end tests run the real ``aws`` against moto; these follow one
request through its mode's handler, with an STS client that records its
calls, streams in memory and a fixed clock, so that what each mode reads,
writes and says is seen step by step.
"""
import configparser
import datetime
import io
import json

import pytest

from awscli_mfa_plugin import pipeline
from awscli_mfa_plugin.codes.source import CodeSource
from awscli_mfa_plugin.environment import Environment
from awscli_mfa_plugin.errors import ExitCode, UsageError
from awscli_mfa_plugin.files.keystore import KeyringStore
from awscli_mfa_plugin.request import arguments, modes
from awscli_mfa_plugin.request.parse import Request, check
from awscli_mfa_plugin.stored import profile_map
from tests.pipeline.test_keys import Memory

UTC = datetime.timezone.utc
NOW = datetime.datetime(2030, 1, 1, 12, tzinfo=UTC)
SERIAL = "arn:aws:iam::111111111111:mfa/alice"
ROLE = "arn:aws:iam::111111111111:role/{}"
CONFIG = "".join(
    f"[profile {name}]\nmfa_role_arn = {ROLE.format(name)}\n"
    f"mfa_serial = {SERIAL}\n"
    for name in ("dev", "prod"))
KEYS = ("[default]\naws_access_key_id = AKIAEXAMPLEEXAMPLE00\n"
        "aws_secret_access_key = exampleSecretExampleSecretExample0000000\n")


class FakeSts:
    """An STS client that answers every call and records it."""

    def __init__(self):
        self.calls = []

    def _credentials(self, tag):
        return {"AccessKeyId": f"ASIA{tag.upper()}",
                "SecretAccessKey": f"secret-{tag}",
                "SessionToken": f"token-{tag}",
                "Expiration": NOW + datetime.timedelta(hours=1)}

    def assume_role(self, **params):
        self.calls.append(("AssumeRole", params))
        name = params["RoleArn"].rsplit("/", 1)[1]
        return {"Credentials": self._credentials(name),
                "AssumedRoleUser": {
                    "Arn": f"arn:aws:sts::111111111111:assumed-role/{name}/s",
                    "AssumedRoleId": "AROAEXAMPLE:s"}}

    def get_session_token(self, **params):
        self.calls.append(("GetSessionToken", params))
        return {"Credentials": self._credentials("session")}

    def get_caller_identity(self):
        self.calls.append(("GetCallerIdentity", {}))
        return {"Arn": "arn:aws:iam::111111111111:user/alice"}


class Run:
    """One home (config, credentials, cache) and the Tools of a run in it."""

    def __init__(self, tmp_path):
        self.config = tmp_path / "config"
        self.credentials = tmp_path / "credentials"
        self.cache = tmp_path / "cli" / "cache"
        self.config.write_text(CONFIG)
        self.credentials.write_text(KEYS)
        self.sts = FakeSts()
        self.opened = []
        self.sent = []

    def request(self, *names, mode=modes.SWITCH, **values):
        values.setdefault("token_code", "123456")
        values.setdefault("selected_profile", "dev")
        return Request(
            names=names, mode=mode,
            config_path=str(self.config),
            credentials_path=str(self.credentials),
            cache_dir=str(self.cache), **values)

    def profiles(self):
        """botocore's profile map, read again for every run."""
        return profile_map(str(self.config), str(self.credentials))[0]

    def __call__(self, request):
        """Run ``request``; ``(status, stdout, stderr)``."""
        check(request)
        self.stdout, self.stderr = io.StringIO(), io.StringIO()
        env = Environment(None, self.stdout, self.stderr, {},
                          now=lambda: NOW, open_terminal=lambda: None)
        tools = pipeline.Tools(
            env=env,
            profiles=self.profiles(),
            client_creator=lambda recipe: lambda service, **keys: self.sts,
            codes=CodeSource(env, None, None, request.token_code,
                             request.credential_process),
            prompter=None,
            http_send=self._send,
            open_browser=lambda url: self.opened.append(url) or True,
            keys=KeyringStore({}, Memory()),
        )
        status = pipeline.run(request, tools)
        return status, self.stdout.getvalue(), self.stderr.getvalue()

    def _send(self, url):
        self.sent.append(url)
        return 200, json.dumps({"SigninToken": "signin-token"}).encode()

    def sections(self):
        parser = configparser.RawConfigParser()
        parser.read(self.credentials)
        return {name: dict(parser.items(name)) for name in parser.sections()}


@pytest.fixture
def run(tmp_path):
    return Run(tmp_path)


def test_a_switch_writes_the_profile_and_says_so(run):
    status, out, err = run(run.request())
    assert status == ExitCode.OK and out == ""
    # The code buys an MFA session; the role is assumed from it, with no code.
    (session, given), (role, params) = run.sts.calls
    assert (session, given["SerialNumber"], given["TokenCode"]) == (
        "GetSessionToken", SERIAL, "123456")
    assert (role, params["RoleArn"]) == ("AssumeRole", ROLE.format("dev"))
    assert "TokenCode" not in params
    assert run.sections()["dev"]["aws_access_key_id"] == "ASIADEV"
    assert "dev" in err


def test_a_second_switch_keeps_what_the_first_stored(run):
    run(run.request())
    status, out, err = run(run.request(token_code=None))
    assert (status, out) == (ExitCode.OK, "")
    assert len(run.sts.calls) == 2  # the first switch's session and role
    assert "dev" in err


def test_several_profiles_share_one_code(run):
    status, _, _ = run(run.request("dev", "prod"))
    assert status == ExitCode.OK
    assert [call for call, _ in run.sts.calls] == [
        "GetSessionToken", "AssumeRole", "AssumeRole"]
    assert {"dev", "prod", "default-mfa-session"} <= set(run.sections())


def test_export_prints_the_lines_and_stores_too(run):
    status, out, _ = run(run.request(mode="export", export="bash"))
    assert status == ExitCode.OK
    assert "export AWS_ACCESS_KEY_ID='ASIADEV'" in out
    assert run.sections()["dev"]["aws_access_key_id"] == "ASIADEV"


def test_credential_process_prints_json_and_says_nothing(run):
    status, out, err = run(run.request(mode="credential-process"))
    assert (status, err) == (ExitCode.OK, "")
    assert json.loads(out)["AccessKeyId"] == "ASIADEV"


def test_console_url_prints_the_sign_in_link(run):
    status, out, _ = run(run.request(mode="console-url"))
    assert status == ExitCode.OK and run.opened == []
    assert "SigninToken=signin-token" in out
    assert len(run.sent) == 1


def test_console_opens_the_link_in_a_browser(run):
    status, out, err = run(run.request(mode="console"))
    assert (status, out) == (ExitCode.OK, "")
    assert len(run.opened) == 1 and "SigninToken=signin-token" in run.opened[0]
    assert "Opened the AWS console" in err


def test_unset_prints_the_lines_and_touches_nothing(run):
    status, out, _ = run(run.request(mode="unset", export="bash"))
    assert status == ExitCode.OK
    assert "unset AWS_ACCESS_KEY_ID" in out
    assert run.sts.calls == [] and run.credentials.read_text() == KEYS


def test_list_prints_the_table(run):
    status, out, _ = run(run.request(mode="list"))
    assert status == ExitCode.OK
    assert out.splitlines()[0].split() == ["PROFILE", "ROLE", "SOURCE", "LEFT"]
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["dev", "prod"]


def test_clear_removes_what_a_switch_stored(run):
    run(run.request())
    status, _, err = run(run.request(mode="clear", token_code=None))
    assert status == ExitCode.OK
    assert "dev" not in run.sections()
    assert f"Removed the credentials of [dev] from {run.credentials}." in err


def test_a_keys_move_changes_the_files_and_calls_no_sts(run):
    status, _, _ = run(run.request(mode="move-keys-to-keyring", token_code=None,
                                   selected_profile="default"))
    assert status == ExitCode.OK
    assert "aws_access_key_id" not in run.credentials.read_text()
    assert "mfa_keys = keyring" in run.config.read_text()
    assert run.sts.calls == []


def test_every_mode_has_its_flag_and_its_handler():
    flags = {"--" + arg["name"] for arg in arguments.ARG_TABLE}
    for mode in modes.MODES:
        assert mode.flag is None or mode.flag in flags, mode.name
        assert callable(modes.handler(mode.name)), mode.name


@pytest.mark.parametrize("given, sentence", [
    ({"--list", "--clear"}, "--list and --clear cannot be used together; pick one."),
    ({"--move-keys-to-file", "--export", "--unset"},
     "--move-keys-to-file and --export cannot be used together; pick one."),
    ({"--unset"}, "--unset goes with --export"),
    ({"--unset", "--list"}, "--unset goes with --export"),
])
def test_one_mode_per_request(given, sentence):
    with pytest.raises(UsageError) as refused:
        modes.select(given)
    assert str(refused.value).startswith(sentence)


def test_a_mode_refuses_what_it_does_not_take(run):
    with pytest.raises(UsageError, match="--console signs in as one profile"):
        run(run.request("dev", "prod", mode="console"))
    with pytest.raises(UsageError, match="--add-keys only moves keys"):
        run(run.request(mode="add-keys", force=True))
    assert run.sts.calls == [] and run.credentials.read_text() == KEYS
