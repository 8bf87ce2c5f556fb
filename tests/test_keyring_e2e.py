"""Long-term keys in the OS keyring, through the real ``aws`` and a real Secret Service.

Each test gets its own D-Bus session (``dbus-run-session``) with
gnome-keyring's Secret Service in it, its login keyring created and
unlocked in the test's throw-away HOME (XDG folders inside it). STS is the
scripted one on loopback (tests/fakests.py), which records the access key
ID that signed each request. Tests skip, saying why, where gnome-keyring or
D-Bus cannot run.
"""
import os
import select
import shutil
import subprocess
import tempfile
from pathlib import Path

import pexpect
import pytest

from tests import fakests
from tests.conftest import OFFLINE_ACCOUNT

ROLE = OFFLINE_ACCOUNT.role_arn
KEY_ID = OFFLINE_ACCOUNT.access_key_id
#: The MFA session the scripted STS hands out (tests/fakests.py), which
#: signs the role's AssumeRole.
SESSION_KEY = "ASIAFAKESTSEXAMPLE01"
SECRET = OFFLINE_ACCOUNT.secret_access_key
SERVICE = "awscli-mfa-plugin"
REPO = Path(__file__).parent.parent

# Started inside dbus-run-session: the daemon creates and unlocks the login
# keyring with the password on its stdin, the bus address goes to the test,
# and the session lasts until the test closes this script's stdin.
_SESSION_SCRIPT = """
printf 'throw-away\\n' | gnome-keyring-daemon --unlock --components=secrets \
    >/dev/null 2>&1 || exit 1
echo "$DBUS_SESSION_BUS_ADDRESS"
cat >/dev/null
"""


class SecretService:
    """A running gnome-keyring in its own D-Bus session."""

    def __init__(self, env):
        #: The variables an ``aws`` run needs to reach it.
        self.env = env

    def _collection(self):
        import secretstorage

        connection = secretstorage.dbus_init()
        return connection, secretstorage.get_default_collection(connection)

    def _with_bus(self, action):
        saved = {name: os.environ.get(name) for name in self.env}
        os.environ.update(self.env)
        try:
            connection, collection = self._collection()
            try:
                return action(collection)
            finally:
                connection.close()
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def entry(self, profile):
        """The secret stored for ``profile``, or ``None``."""
        def find(collection):
            for item in collection.search_items(
                    {"service": SERVICE, "username": profile}):
                return item.get_secret().decode()
            return None
        return self._with_bus(find)

    def put(self, profile, text):
        """Store ``text`` for ``profile`` as the keyring package would."""
        import keyring.backends.SecretService as backend

        saved = dict(os.environ)
        os.environ.update(self.env)
        try:
            backend.Keyring().set_password(SERVICE, profile, text)
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def lock(self):
        self._with_bus(lambda collection: collection.lock())


@pytest.fixture
def secret_service(isolated_home):
    """gnome-keyring's Secret Service, unlocked, for this test's HOME."""
    for program in ("dbus-run-session", "gnome-keyring-daemon"):
        if shutil.which(program) is None:
            pytest.skip(f"{program} is not installed (Debian: apt-get install "
                        "gnome-keyring dbus); the keyring tests need a real "
                        "Secret Service")
    # The control socket's path must stay short, so not under tmp_path.
    runtime = tempfile.mkdtemp(prefix="mfa-kr-")
    env = {
        "HOME": str(isolated_home),
        "XDG_DATA_HOME": str(isolated_home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(isolated_home / ".config"),
        "XDG_CACHE_HOME": str(isolated_home / ".cache"),
        "XDG_RUNTIME_DIR": runtime,
    }
    session = subprocess.Popen(
        ["dbus-run-session", "--", "sh", "-c", _SESSION_SCRIPT],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, env={**os.environ, **env}, text=True)
    try:
        ready, _, _ = select.select([session.stdout], [], [], 30)
        address = session.stdout.readline().strip() if ready else ""
        if not address:
            pytest.skip("gnome-keyring-daemon did not start in a D-Bus "
                        "session here; the keyring tests need a real "
                        "Secret Service")
        yield SecretService({**env, "DBUS_SESSION_BUS_ADDRESS": address})
    finally:
        session.stdin.close()
        try:
            session.wait(timeout=15)
        except subprocess.TimeoutExpired:
            session.kill()
            session.wait()
        shutil.rmtree(runtime, ignore_errors=True)


def files_holding(folder, needle):
    """Every file under ``folder`` whose bytes contain ``needle``.

    gnome-keyring writes its keyring through temporary files that it
    renames a moment later: a file gone between listing and reading held
    nothing that is still on disk.
    """
    found = []
    for path in folder.rglob("*"):
        try:
            if (path.is_file() and not path.is_symlink()
                    and needle.encode() in path.read_bytes()):
                found.append(str(path))
        except FileNotFoundError:
            continue
    return found


def switched(fake_sts):
    fake_sts.answer(fakests.assume_role_response(
        "arn:aws:sts::123456789012:assumed-role/AccessToTestDev/alice"))


def test_keys_move_to_keyring_sign_sts_from_there_and_move_back(
        offline_aws, fake_sts, secret_service):
    aws = offline_aws
    env = aws.env(**secret_service.env)
    credentials_before = aws.credentials.read_bytes()
    config_before = aws.config.read_bytes()
    assert files_holding(aws.home, SECRET)  # the test's premise

    moved = aws.run("mfa-switch", "--profile", "default",
                    "--move-keys-to-keyring", env=env)

    assert moved.returncode == 0, moved.stderr
    assert "into the OS keyring" in moved.stderr
    assert files_holding(aws.home, SECRET) == []
    assert aws.credentials.read_text() == "# long-term keys\n[default]\n"
    assert "mfa_keys = keyring" in aws.config.read_text()
    assert SECRET in secret_service.entry("default")

    switched(fake_sts)
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code",
                     "123456", "--debug", env=env)

    assert result.returncode == 0, result.stderr[-2000:]
    # The MFA session is made with the keyring's keys; the role from it.
    assert fake_sts.actions() == ["GetSessionToken", "AssumeRole"]
    assert fake_sts.signers == [KEY_ID, SESSION_KEY]
    assert SECRET not in result.stderr + result.stdout
    assert files_holding(aws.home, SECRET) == []
    assert "managed_by = mfa-switch" in aws.credentials.read_text()

    back = aws.run("mfa-switch", "--profile", "default",
                   "--move-keys-to-file", env=env)

    assert back.returncode == 0, back.stderr
    assert aws.config.read_bytes() == config_before
    text = aws.credentials.read_text()
    assert text.startswith(credentials_before.decode())
    assert secret_service.entry("default") is None


def test_several_roles_from_a_keyring_source_share_one_code(
        offline_aws, fake_sts, secret_service):
    """One GetSessionToken signed with the keyring's keys, then each role
    assumed with the session's, through one client for the group."""
    aws = offline_aws
    env = aws.env(**secret_service.env)
    with aws.config.open("a") as config:
        config.write(
            "\n[profile ops]\n"
            f"mfa_role_arn = {ROLE.rsplit('/', 1)[0]}/Ops\n"
            f"mfa_serial = {OFFLINE_ACCOUNT.serial_number}\n")
    assert aws.run("mfa-switch", "--profile", "default",
                   "--move-keys-to-keyring", env=env).returncode == 0
    session_key = "ASIAKEYRINGSESSION01"
    fake_sts.answer(
        fakests.session_token_response(access_key_id=session_key,
                                       lifetime=43200),
        fakests.assume_role_response(
            "arn:aws:sts::123456789012:assumed-role/AccessToTestDev/alice",
            access_key_id="ASIAROLEEXAMPLE00001"))

    result = aws.run("mfa-switch", "dev", "ops", "--token-code", "123456",
                     env=env)

    assert result.returncode == 0, result.stderr[-2000:]
    assert fake_sts.actions() == ["GetSessionToken", "AssumeRole", "AssumeRole"]
    assert fake_sts.signers == [KEY_ID, session_key, session_key]
    assert sorted(form.get("RoleArn") for form in fake_sts.requests[1:]) == \
        sorted([ROLE, f"{ROLE.rsplit('/', 1)[0]}/Ops"])
    assert files_holding(aws.home, SECRET) == []
    text = aws.credentials.read_text()
    assert "[dev]" in text and "[ops]" in text


def test_move_back_restores_the_file_byte_for_byte(offline_aws, secret_service):
    aws = offline_aws
    odd = ("# keys\r\n[default]\r\nregion = eu-west-1\r\n"
           f"aws_access_key_id = {KEY_ID}\r\n"
           "aws_secret_access_key = a/b+c=d%e&f'g\"hSECRETxyz0123456789\r\n"
           "[other]\r\nregion = us-east-1\r\n")
    aws.credentials.write_bytes(odd.encode())
    config_before = aws.config.read_bytes()
    env = aws.env(**secret_service.env)

    there = aws.run("mfa-switch", "--move-keys-to-keyring", env=env)
    assert there.returncode == 0, there.stderr
    assert "SECRETxyz" not in aws.credentials.read_text()
    back = aws.run("mfa-switch", "--move-keys-to-file", env=env)

    assert back.returncode == 0, back.stderr
    assert aws.credentials.read_bytes() == odd.encode()
    assert aws.config.read_bytes() == config_before


def test_list_says_where_the_source_keys_live(offline_aws, secret_service):
    aws = offline_aws
    env = aws.env(**secret_service.env)
    before = aws.run("mfa-switch", "--list", env=env)
    assert aws.run("mfa-switch", "--move-keys-to-keyring",
                   env=env).returncode == 0
    after = aws.run("mfa-switch", "--list", env=env)

    def dev_row(listing):
        assert listing.returncode == 0, listing.stderr
        (row,) = [line for line in listing.stdout.splitlines()
                  if line.startswith("dev ")]
        return row

    assert " default " in dev_row(before) and "keyring" not in before.stdout
    assert " default (keyring) " in dev_row(after)


def test_a_missing_entry_is_one_sentence_and_nothing_is_asked(
        offline_aws, fake_sts, secret_service):
    aws = offline_aws
    aws.config.write_text(aws.config.read_text().replace(
        "[default]\n", "[default]\nmfa_keys = keyring\n"))
    aws.credentials.write_text("[default]\n")
    before = (aws.config.read_bytes(), aws.credentials.read_bytes())

    result = aws.run("mfa-switch", "--profile", "dev",
                     env=aws.env(**secret_service.env))

    assert result.returncode == 253
    assert result.stderr == (
        "The OS keyring holds no keys for profile 'default', although the "
        "AWS config file says mfa_keys = keyring: add them with 'aws "
        "mfa-switch --profile default --add-keys'.\n")
    assert fake_sts.requests == []
    assert (aws.config.read_bytes(), aws.credentials.read_bytes()) == before


def test_a_locked_keyring_is_one_sentence(offline_aws, fake_sts,
                                          secret_service):
    aws = offline_aws
    env = aws.env(**secret_service.env)
    assert aws.run("mfa-switch", "--move-keys-to-keyring",
                   env=env).returncode == 0
    secret_service.lock()
    before = (aws.config.read_bytes(), aws.credentials.read_bytes())

    result = aws.run("mfa-switch", "--profile", "dev", "--token-code",
                     "123456", env=env)

    assert result.returncode == 253
    assert "The OS keyring (keyring.backends.SecretService.Keyring) is " \
           "locked and was not unlocked" in result.stderr
    assert result.stderr.count("\n") == 1
    assert fake_sts.requests == []
    assert (aws.config.read_bytes(), aws.credentials.read_bytes()) == before


def test_add_keys_asks_at_the_terminal_without_echoing_the_secret(
        offline_aws, fake_sts, secret_service):
    aws = offline_aws
    aws.credentials.write_text("")
    new_key, new_secret = "AKIANEWKEYEXAMPLE123", "newSecretTypedAtThePrompt0123456789abcd"
    child = pexpect.spawn(
        "aws", ["mfa-switch", "--profile", "default", "--add-keys"],
        env=aws.env(**secret_service.env), encoding="utf-8", timeout=60)
    child.expect("AWS Access Key ID: ")
    child.sendline(new_key)
    child.expect(r"AWS Secret Access Key \(hidden\): ")
    child.sendline(new_secret)
    child.expect(pexpect.EOF)
    child.close()
    typed = child.before

    assert child.exitstatus == 0, typed
    assert new_secret not in typed
    assert "Stored the keys of profile 'default'" in typed
    assert new_secret in secret_service.entry("default")
    assert files_holding(aws.home, new_secret) == []
    assert "mfa_keys = keyring" in aws.config.read_text()

    switched(fake_sts)
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code",
                     "123456", env=aws.env(**secret_service.env))
    assert result.returncode == 0, result.stderr
    assert fake_sts.signers == [new_key, SESSION_KEY]


def test_no_usable_keyring_without_a_secret_service(offline_aws, fake_sts):
    """Headless, without D-Bus: keyring falls back to its fail backend."""
    aws = offline_aws
    before = aws.credentials.read_bytes()
    result = aws.run(
        "mfa-switch", "--move-keys-to-keyring",
        env=aws.env(DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/bus",
                    XDG_RUNTIME_DIR="/nonexistent"))

    assert result.returncode == 253
    assert result.stderr.startswith("No usable OS keyring: the keyring "
                                    "package offers only ")
    assert result.stderr.count("\n") == 1
    assert aws.credentials.read_bytes() == before


def test_the_plugin_imports_keyring_only_for_a_profile_that_uses_it(
        offline_aws, fake_sts):
    aws = offline_aws
    switched(fake_sts)
    # A keyring that cannot even be imported stops nobody who does not use it.
    blocker = aws.home / "blocker"
    blocker.mkdir()
    (blocker / "keyring.py").write_text("raise ImportError('no keyring here')\n")
    env = aws.env(PYTHONPATH=str(blocker))

    result = aws.run("mfa-switch", "--profile", "dev", "--token-code",
                     "123456", env=env)
    assert result.returncode == 0, result.stderr

    aws.config.write_text(aws.config.read_text().replace(
        "[default]\n", "[default]\nmfa_keys = keyring\n"))
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code",
                     "123456", "--force", env=env)
    assert result.returncode == 253
    assert "the 'keyring' package cannot be imported here" in result.stderr


@pytest.mark.parametrize("flags", [(), ("--export",), ("--credential-process",)],
                         ids=["file", "export", "credential-process"])
def test_every_way_of_switching_signs_with_the_keyring_keys(
        flags, offline_aws, fake_sts, secret_service):
    aws = offline_aws
    env = aws.env(**secret_service.env)
    assert aws.run("mfa-switch", "--move-keys-to-keyring",
                   env=env).returncode == 0
    switched(fake_sts)

    result = aws.run("mfa-switch", "--profile", "dev", "--token-code",
                     "123456", *flags, env=env)

    assert result.returncode == 0, result.stderr
    assert fake_sts.signers[0] == KEY_ID
    assert set(fake_sts.signers[1:]) <= {SESSION_KEY}
    assert SECRET not in result.stdout + result.stderr
    assert files_holding(aws.home, SECRET) == []


def test_another_pair_in_the_keyring_is_not_overwritten(
        offline_aws, secret_service):
    aws = offline_aws
    other = ('{"aws_access_key_id": "AKIAOTHERKEYEXAMPLE1", '
             '"aws_secret_access_key": "otherSecretExample00000000000000000000"}')
    secret_service.put("default", other)
    before = (aws.config.read_bytes(), aws.credentials.read_bytes())

    result = aws.run("mfa-switch", "--move-keys-to-keyring",
                     env=aws.env(**secret_service.env))

    assert result.returncode == 253
    assert result.stderr.startswith(
        "The OS keyring already holds another key pair for profile "
        "'default'; move it out first with 'aws mfa-switch --profile default "
        "--move-keys-to-file'")
    assert (aws.config.read_bytes(), aws.credentials.read_bytes()) == before
    assert secret_service.entry("default") == other


def test_keys_are_not_moved_back_over_credentials(offline_aws, secret_service):
    aws = offline_aws
    env = aws.env(**secret_service.env)
    assert aws.run("mfa-switch", "--move-keys-to-keyring",
                   env=env).returncode == 0
    aws.credentials.write_text(
        "[default]\naws_access_key_id = AKIATYPEDAGAINEXAMPL\n"
        "aws_secret_access_key = typedAgainSecret000000000000000000000000\n")
    before = (aws.config.read_bytes(), aws.credentials.read_bytes())

    result = aws.run("mfa-switch", "--move-keys-to-file", env=env)

    assert result.returncode == 253
    assert result.stderr.endswith(
        "holds credentials already, which the keys would overwrite; remove "
        "them first.\n")
    assert (aws.config.read_bytes(), aws.credentials.read_bytes()) == before
    assert SECRET in secret_service.entry("default")


def test_add_keys_refuses_a_profile_with_keys_in_the_file(
        offline_aws, secret_service):
    aws = offline_aws
    before = (aws.config.read_bytes(), aws.credentials.read_bytes())
    result = aws.run("mfa-switch", "--add-keys",
                     env=aws.env(**secret_service.env))
    assert result.returncode == 253
    assert result.stderr.endswith(
        "holds credentials already, which the keys would overwrite; move "
        "them with --move-keys-to-keyring or remove them first.\n")
    assert (aws.config.read_bytes(), aws.credentials.read_bytes()) == before


def test_add_keys_without_a_terminal_is_one_sentence(
        offline_aws, secret_service):
    aws = offline_aws
    aws.credentials.write_text("")
    # A new session: no controlling terminal, as under cron or in CI.
    result = subprocess.run(
        ["aws", "mfa-switch", "--add-keys"], capture_output=True, text=True,
        env=aws.env(**secret_service.env), start_new_session=True,
        timeout=120)
    assert result.returncode == 252
    assert result.stderr == ("--add-keys asks for the keys at a terminal, and "
                             "there is none; run it in one.\n")
    assert "mfa_keys" not in aws.config.read_text()


@pytest.mark.parametrize("access, secret, sentence", [
    ("ASIATEMPORARYEXAMPLE", None,
     "That is not a long-term access key ID (AKIA followed by letters and "
     "digits); nothing was stored."),
    ("AKIANEWKEYEXAMPLE123", "short",
     "That is not a secret access key (16 or more characters, no spaces); "
     "nothing was stored."),
], ids=["temporary-key-id", "short-secret"])
def test_add_keys_refuses_what_is_not_a_key_pair(
        access, secret, sentence, offline_aws, secret_service):
    aws = offline_aws
    aws.credentials.write_text("")
    config_before = aws.config.read_bytes()
    child = pexpect.spawn(
        "aws", ["mfa-switch", "--add-keys"],
        env=aws.env(**secret_service.env), encoding="utf-8", timeout=60)
    child.expect("AWS Access Key ID: ")
    child.sendline(access)
    if secret is not None:
        child.expect(r"\(hidden\): ")
        child.sendline(secret)
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 252
    assert sentence in child.before
    assert secret_service.entry("default") is None
    assert aws.config.read_bytes() == config_before
