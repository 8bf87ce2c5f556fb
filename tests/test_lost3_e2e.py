"""Nothing lost, round three (issue 22): each fault found by an outside attack,
through the real ``aws`` / ``aws-mfa-switch`` executables."""
import configparser
import fcntl
import hashlib
import json
import os
import shutil
import stat
import subprocess
import tempfile
import time

import pexpect
import pytest

from awscli_mfa_plugin.codes.turns import device_key
from awscli_mfa_plugin.files import inifile
from tests import asuser, awsenv, fakests
from tests.awsenv import AWS
from tests.conftest import OFFLINE_ACCOUNT

ASSUMED = fakests.assume_role_response(OFFLINE_ACCOUNT.role_arn)

#: A user who is neither the test's user nor root.
OTHER_UID = asuser.UID + 1

LONG_TERM_ID = "AKIAKEEPMEEXAMPLE001"
LONG_TERM_SECRET = "keep-me-long-term-secret"


def switch(aws, *extra, prefix=(), code="123456", env=None, timeout=90):
    """``aws mfa-switch --profile dev`` with a code, as ``prefix`` says (a user)."""
    return subprocess.run(
        [*prefix, AWS, "mfa-switch", "--profile", "dev", "--token-code", code, *extra],
        input="", capture_output=True, text=True, env=env or aws.env(),
        timeout=timeout)


def coded(requests):
    """The requests that carried a code (a switch sends one, for its MFA session)."""
    return [form for form in requests if "TokenCode" in form]


def sections(path):
    parser = configparser.RawConfigParser()
    parser.read(path)
    return parser


# --------------------------------------------------------------------------
# 1. A section is ours only while it holds a session token and a temporary key
# --------------------------------------------------------------------------


def _long_term_keys_set_over_a_switch(aws):
    """dev was switched once; then the user set long-term keys into [dev]."""
    first = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code())
    assert first.returncode == 0, first.stderr
    for key, value in (("aws_access_key_id", LONG_TERM_ID),
                       ("aws_secret_access_key", LONG_TERM_SECRET)):
        result = aws.run("configure", "set", key, value, "--profile", "dev")
        assert result.returncode == 0, result.stderr
    dev = sections(aws.credentials)["dev"]
    assert dev["managed_by"] == "mfa-switch"  # the marker stayed
    assert dev["aws_access_key_id"] == LONG_TERM_ID


def test_clear_keeps_long_term_keys_set_over_a_switched_section(aws):
    _long_term_keys_set_over_a_switch(aws)
    kept = dict(sections(aws.credentials)["dev"])
    result = aws.run("mfa-switch", "--profile", "dev", "--clear")
    assert result.returncode == 0, result.stderr
    assert ("Nothing stored by mfa-switch for 'dev'; nothing was removed "
            "for it.") in result.stderr.splitlines()
    # The long-term keys stay; only the MFA session the switch kept goes.
    after = sections(aws.credentials)
    assert dict(after["dev"]) == kept
    assert not after.has_section("default-mfa-session")


def test_force_refuses_to_overwrite_long_term_keys_set_over_a_switched_section(aws):
    _long_term_keys_set_over_a_switch(aws)
    before = aws.credentials.read_bytes()
    for extra in ((), ("--force",)):
        result = aws.run("mfa-switch", "--profile", "dev", *extra,
                         "--token-code", aws.code())
        assert result.returncode == 253, result.stderr
        assert "did not write" in result.stderr
        assert LONG_TERM_SECRET not in result.stderr
        assert len(result.stderr.splitlines()) == 1
        assert aws.credentials.read_bytes() == before


# --------------------------------------------------------------------------
# 5. A code STS never checked is not spent
# --------------------------------------------------------------------------


@pytest.mark.parametrize("code, message", [
    ("InvalidClientTokenId", "The security token included in the request is invalid."),
    ("SignatureDoesNotMatch", "The request signature we calculated does not match "
                              "the signature you provided."),
    ("IncompleteSignature", "Request is missing Authentication Token"),
    ("ExpiredToken", "The security token included in the request is expired"),
])
def test_a_code_sent_with_keys_sts_refused_is_not_spent(offline_aws, fake_sts, code, message):
    fake_sts.answer(fakests.error_response(403, code, message), ASSUMED)
    refused = switch(offline_aws)
    assert refused.returncode == 254, refused.stderr
    # The keys are fixed; the same code, never checked by STS, is sent.
    again = switch(offline_aws)
    assert again.returncode == 0, again.stderr
    assert [form["TokenCode"] for form in coded(fake_sts.requests)] == ["123456"] * 2


# --------------------------------------------------------------------------
# 2, 3, 4, 6. The private state folder: spent codes, locks and notes
# --------------------------------------------------------------------------


def state_folder(aws):
    return aws.dot_aws / "cli" / "mfa-switch"


def spent_file(aws):
    return state_folder(aws) / ("spent-" + device_key(OFFLINE_ACCOUNT.serial_number))


def private_state(aws):
    folder = state_folder(aws)
    folder.mkdir(parents=True, mode=0o700)
    return folder


def test_credentials_sts_gave_are_stored_when_the_spent_codes_cannot_be_kept(
        offline_aws, fake_sts):
    prefix = asuser.prefix()
    aws = offline_aws
    fake_sts.answer(ASSUMED)
    asuser.give(aws.home)
    first = switch(aws, prefix=prefix, code="111111")
    assert first.returncode == 0, first.stderr
    # The folder can take no new file now (as on a full or read-only disk).
    spent_file(aws).unlink()
    state_folder(aws).chmod(0o500)
    result = switch(aws, "--force", prefix=prefix, code="222222")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == (
        f"mfa-switch could not note in {state_folder(aws)} that the code was "
        "used (Permission denied), so another switch may send it to STS "
        "again, which refuses it.")
    assert any(line.startswith("Profile 'dev' now uses")
               for line in result.stderr.splitlines()[1:])
    assert "ASIAFAKESTSEXAMPLE01" in aws.credentials.read_text()
    assert len(coded(fake_sts.requests)) == 2


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_spent_codes_file_that_is_not_a_file_is_a_sentence(offline_aws, fake_sts, kind):
    aws = offline_aws
    fake_sts.answer(ASSUMED)
    private_state(aws)
    path = spent_file(aws)
    os.mkfifo(path) if kind == "fifo" else path.mkdir()
    before = aws.credentials.read_bytes()
    result = switch(aws, timeout=30)
    assert result.returncode == 253, result.stderr
    assert result.stderr == (
        f"{path} is not a regular file (a FIFO or a folder?), so mfa-switch "
        "does not use it; remove it and try again.\n")
    assert fake_sts.requests == []
    assert aws.credentials.read_bytes() == before


def test_another_users_lock_and_note_in_a_once_open_folder_are_not_trusted(
        offline_aws, fake_sts):
    prefix = asuser.prefix()
    aws = offline_aws
    fake_sts.answer(ASSUMED)
    folder = private_state(aws)
    asuser.give(aws.home)
    folder.chmod(0o777)
    name = "device-" + device_key(OFFLINE_ACCOUNT.serial_number)
    lock, note = folder / (name + ".lock"), folder / (name + ".holder")
    note.write_text(json.dumps({"pid": 4242, "what": "call the helpdesk at 555-0100"}))
    lock.write_bytes(b"")
    lock.chmod(0o666)  # anyone's to lock, as its owner left it
    for path in (lock, note):
        os.chown(path, OTHER_UID, OTHER_UID)
    with open(lock, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # the other user's run holds it
        result = switch(aws, prefix=prefix)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == (
        f"Removed {name}.holder, {name}.lock from {folder}: other users' "
        "files, which mfa-switch does not trust.")
    assert "helpdesk" not in result.stderr and "waiting" not in result.stderr
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(path.stat().st_uid == asuser.UID for path in folder.iterdir())
    assert len(coded(fake_sts.requests)) == 1


def test_spent_codes_written_by_a_clock_that_ran_ahead_do_not_hide_new_ones(
        offline_aws, fake_sts):
    aws = offline_aws
    fake_sts.answer(ASSUMED)
    private_state(aws)
    now = int(time.time() // 30)
    # 150 KiB of windows hours ahead, as a clock that ran ahead left them.
    spent_file(aws).write_text("".join(
        f"{window} {hashlib.sha256(str(window).encode()).hexdigest()}\n"
        for window in range(now + 200, now + 2200)))
    first = switch(aws)
    assert first.returncode == 0, first.stderr
    again = switch(aws, "--force")
    assert again.returncode == 252, again.stderr
    assert "was already used" in again.stderr
    assert len(coded(fake_sts.requests)) == 1
    assert len(spent_file(aws).read_text().splitlines()) == 1


# --------------------------------------------------------------------------
# Found by our own attack: another user's lock beside the credentials file
# --------------------------------------------------------------------------


@pytest.fixture
def open_home(fake_sts):
    """A HOME whose parents anyone may pass through, as /home is: the user's
    own view of its files, without the test's 0700 temporary folders."""
    home = tempfile.mkdtemp(prefix="mfa-switch-home-")
    os.chmod(home, 0o755)
    try:
        yield awsenv.AwsHome(home, fake_sts.url, OFFLINE_ACCOUNT)
    finally:
        shutil.rmtree(home)


def test_another_users_credentials_lock_is_refused_before_the_code(open_home, fake_sts):
    """~/.aws was once open to all; another user's run holds a lock there.
    Waiting for it would come after STS answered, and lose the credentials."""
    prefix = asuser.prefix()
    aws = open_home
    fake_sts.answer(ASSUMED)
    asuser.give(aws.home)
    lock = inifile.lock_path(os.path.realpath(aws.credentials))
    with open(lock, "wb"):
        pass
    os.chmod(lock, 0o666)
    os.chown(lock, OTHER_UID, OTHER_UID)
    before = aws.credentials.read_bytes()
    with open(lock, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = switch(aws, prefix=prefix)
    assert result.returncode == 253, result.stderr
    assert result.stderr == (
        f"Cannot lock {aws.credentials}: the lock file {lock} belongs to another "
        "user, and mfa-switch shares no lock with other users; remove it and "
        "try again.\n")
    assert fake_sts.requests == []
    assert aws.credentials.read_bytes() == before


# --------------------------------------------------------------------------
# Found by our own attack: a clock that ran ahead, then was set right
# --------------------------------------------------------------------------


def test_a_cancel_noted_by_a_clock_that_ran_ahead_is_not_reported_later(offline_aws, fake_sts):
    """A person cancelled a prompt while the clock was an hour ahead; the
    clock was set right. A run that waits for another's turn now must not
    be told that prompt was cancelled while it waited."""
    aws = offline_aws
    fake_sts.answer(ASSUMED)
    folder = private_state(aws)
    name = "device-" + device_key(OFFLINE_ACCOUNT.serial_number)
    (folder / (name + ".outcome")).write_text(json.dumps(
        {"result": "cancelled", "at": time.time() + 3600, "pid": 4242,
         "what": "switching 'dev'"}))
    lock = folder / (name + ".lock")
    lock.write_bytes(b"")
    lock.chmod(0o600)
    with open(lock, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another run's turn
        # A person at a terminal: it is their prompt that waits.
        run = pexpect.spawn(AWS, ["mfa-switch", "--profile", "dev"],
                            env=aws.env(), encoding="utf-8", timeout=90)
        run.expect("waiting for it to finish")
    # The other run ended without any prompt being cancelled.
    run.expect("MFA code for " + OFFLINE_ACCOUNT.serial_number)
    run.sendline("123456")
    run.expect(pexpect.EOF)
    run.close()
    assert run.exitstatus == 0, run.before
    assert "cancelled" not in run.before
    assert len(coded(fake_sts.requests)) == 1


# --------------------------------------------------------------------------
# Found by our own attack: a full or read-only disk under the credentials file
# --------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 256 KiB tmpfs (root may mount one in the test's container), unmounted after."""
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a small disk needs root and mount")
    where = tmp_path / "disk"
    where.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700",
                           "tmpfs", str(where)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.mark.parametrize("trouble, reason", [
    ("full", "No space left on device"),
    ("read-only", "Read-only file system"),
])
def test_a_disk_that_cannot_take_the_credentials_is_refused_before_the_code(
        offline_aws, fake_sts, small_disk, trouble, reason):
    aws = offline_aws
    fake_sts.answer(ASSUMED)
    credentials = small_disk / "credentials"
    credentials.write_bytes(aws.credentials.read_bytes())
    credentials.chmod(0o600)
    if trouble == "full":
        fd = os.open(small_disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            with pytest.raises(OSError):
                while True:
                    os.write(fd, b"x" * 4096)
        finally:
            os.close(fd)
    else:
        subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    before = credentials.read_bytes()
    result = switch(aws, env=aws.env(AWS_SHARED_CREDENTIALS_FILE=str(credentials)))
    assert result.returncode == 253, result.stderr
    assert result.stderr == (
        f"Cannot write a temporary file in {small_disk}: {reason}.\n")
    assert fake_sts.requests == []
    assert credentials.read_bytes() == before
