"""The credentials file through the real CLI: concurrency, refusals, links, locks, FIFOs."""
import concurrent.futures
import configparser
import os
import stat
import subprocess
import time

import pytest

from awscli_mfa_plugin.files import inifile
from tests import asuser, fakests
from tests.awsenv import AWS, BIN
from tests.conftest import OFFLINE_ACCOUNT


def sections(path):
    parser = configparser.RawConfigParser()
    parser.read(path)
    return parser


def test_sixteen_concurrent_switches_all_land(aws):
    # Sixteen devices, so that the runs do not take turns (one device's
    # runs do, see test_many_callers.py) and all write the file at once.
    names = [f"team{i:02d}" for i in range(16)]
    with aws.config.open("a") as config:
        for name in names:
            config.write(f"\n[profile {name}]\nmfa_role_arn = {aws.account.role_arn}\n"
                         f"mfa_serial = {aws.account.serial_number}-{name}\n"
                         f"mfa_role_session_name = {name}\n")
    before = aws.credentials.read_bytes()
    codes = {name: aws.code() for name in names}
    with concurrent.futures.ThreadPoolExecutor(len(names)) as pool:
        results = list(pool.map(
            lambda n: aws.run("mfa-switch", "--profile", n, "--token-code", codes[n]),
            names))
    for result in results:
        assert result.returncode == 0, result.stderr
    parsed = sections(aws.credentials)
    for name in names:
        assert parsed.get(name, "managed_by") == "mfa-switch"
        assert parsed.get(name, "aws_session_token")
    assert aws.credentials.read_bytes().startswith(before)
    assert not [p for p in os.listdir(aws.dot_aws) if "mfa-switch-" in p]


def test_long_term_keys_in_the_target_are_refused(aws):
    aws.credentials.write_text(aws.credentials.read_text() +
                               "\n[dev]\naws_access_key_id = AKIAEXAMPLEKEEPME\n"
                               "aws_secret_access_key = keep-me\n")
    before = aws.credentials.read_bytes()
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code())
    assert result.returncode == 253
    assert "did not write" in result.stderr and "--target-profile" in result.stderr
    assert "keep-me" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert aws.credentials.read_bytes() == before


def test_refusal_comes_before_the_prompt(aws):
    """Nobody is asked for a code that could not be stored."""
    aws.credentials.write_text(aws.credentials.read_text() +
                               "\n[dev]\naws_access_key_id = AKIAEXAMPLEKEEPME\n")
    result = aws.run("mfa-switch", "--profile", "dev", input="")
    assert result.returncode == 253
    assert "did not write" in result.stderr


def test_unparsable_file_is_never_rewritten(aws):
    aws.credentials.write_text("aws_access_key_id = before-any-section\n"
                               + aws.credentials.read_text())
    before = aws.credentials.read_bytes()
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code())
    assert result.returncode != 0
    assert aws.credentials.read_bytes() == before
    # The AWS CLI parses this file before it loads any plugin, and fails the
    # same way for every command; the editor's own refusal of such files is
    # tested in test_inifile.py.
    other = aws.run("sts", "get-caller-identity")
    assert other.returncode == result.returncode
    assert "Unable to parse config file" in other.stderr


def test_target_with_role_arn_is_refused_with_advice(aws):
    aws.config.write_text(aws.config.read_text() +
                          "\n[profile native]\nrole_arn = arn:aws:iam::123456789012:role/X\n"
                          "source_profile = default\n")
    before = aws.credentials.read_bytes()
    result = aws.run("mfa-switch", "--profile", "dev", "--target-profile", "native",
                     "--token-code", aws.code())
    assert result.returncode == 253
    assert "role_arn" in result.stderr and "--target-profile" in result.stderr
    assert aws.credentials.read_bytes() == before


def test_symlinked_credentials_file_stays_a_link(aws, tmp_path):
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "aws-credentials"
    aws.credentials.rename(target)
    aws.credentials.symlink_to(target)
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code())
    assert result.returncode == 0, result.stderr
    assert aws.credentials.is_symlink()
    assert sections(target).get("dev", "managed_by") == "mfa-switch"
    assert oct(os.stat(target).st_mode & 0o777) == "0o600"


def test_new_credentials_file_and_folder_are_private(aws, tmp_path):
    creds = tmp_path / "fresh" / "credentials"
    env = aws.env(AWS_SHARED_CREDENTIALS_FILE=str(creds))
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code(),
                     "--source-profile", "default", env=env)
    # The source keys live in the default credentials file, which is now not
    # read: the switch must fail cleanly and create nothing.
    assert result.returncode != 0
    assert not creds.exists()
    creds.parent.mkdir(mode=0o755)
    creds.write_text(aws.credentials.read_text())
    os.chmod(creds, 0o644)
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code(), env=env)
    assert result.returncode == 0, result.stderr
    assert oct(os.stat(creds).st_mode & 0o777) == "0o600"


# --------------------------------------------------------------------------
# Lock files: none left behind, never followed, never in the owner's way
# --------------------------------------------------------------------------

#: What the scripted STS answers when a run gets that far.
ASSUMED = fakests.assume_role_response(OFFLINE_ACCOUNT.role_arn)


def lock_of(aws):
    return inifile.lock_path(os.path.realpath(aws.credentials))


def switch(aws, *extra, prefix=(), code="123456", **kwargs):
    """``aws mfa-switch --profile dev`` with a code, as ``prefix`` says (a user)."""
    return subprocess.run(
        [*prefix, AWS, "mfa-switch", "--profile", "dev", "--token-code", code, *extra],
        input="", capture_output=True, text=True, env=aws.env(), timeout=60, **kwargs)


def beside_the_files(aws):
    """What ~/.aws holds, but the AWS CLI's own folder ``cli`` (its cache, and
    mfa-switch's private state for runs that take turns)."""
    return sorted(name for name in os.listdir(aws.dot_aws) if name != "cli")


def test_no_lock_file_is_left_after_a_switch(aws):
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code())
    assert result.returncode == 0, result.stderr
    assert beside_the_files(aws) == ["config", "credentials"]


def test_a_dangling_lock_symlink_is_refused_and_never_followed(offline_aws, fake_sts, tmp_path):
    aws = offline_aws
    fake_sts.answer(ASSUMED)
    target = tmp_path / "made-by-the-switch"
    os.symlink(target, lock_of(aws))
    before = aws.credentials.read_bytes()
    result = switch(aws)
    assert result.returncode == 253, result.stderr
    assert result.stderr == (
        f"Cannot lock {aws.credentials}: {lock_of(aws)} is a symbolic link, which "
        "mfa-switch never follows for a lock file; remove it and try again.\n")
    assert fake_sts.requests == []  # refused before the code was sent
    assert not os.path.lexists(target)
    assert aws.credentials.read_bytes() == before


def test_an_old_credentials_lock_symlink_creates_nothing(offline_aws, fake_sts, tmp_path):
    """Earlier versions locked credentials.lock, following a symlink there."""
    aws = offline_aws
    fake_sts.answer(ASSUMED)
    target = tmp_path / "made-by-the-switch"
    os.symlink(target, aws.dot_aws / "credentials.lock")
    result = switch(aws)
    assert result.returncode == 0, result.stderr
    assert not os.path.lexists(target)
    assert "managed_by = mfa-switch" in aws.credentials.read_text()


def test_a_root_owned_lock_left_by_an_old_version_blocks_nobody(offline_aws, fake_sts):
    """The bug report: run once as root, credentials.lock stays root's, and
    every later run as the user failed. It is not used any more."""
    prefix = asuser.prefix()
    aws = offline_aws
    fake_sts.answer(ASSUMED)
    old = aws.dot_aws / "credentials.lock"
    old.write_bytes(b"")
    old.chmod(0o600)
    asuser.give(aws.home)
    os.chown(old, 0, 0)
    result = switch(aws, prefix=prefix)
    assert result.returncode == 0, result.stderr
    assert "managed_by = mfa-switch" in aws.credentials.read_text()
    assert beside_the_files(aws) == ["config", "credentials", "credentials.lock"]


def test_a_lock_file_the_user_cannot_open_is_a_sentence_before_the_code(offline_aws, fake_sts):
    prefix = asuser.prefix()
    aws = offline_aws
    fake_sts.answer(ASSUMED)
    asuser.give(aws.home)
    lock = lock_of(aws)
    with open(lock, "wb"):
        pass
    os.chmod(lock, 0o600)  # root's, as a killed root run of some tool left it
    before = aws.credentials.read_bytes()
    result = switch(aws, prefix=prefix)
    assert result.returncode == 253, result.stderr
    assert result.stderr == (
        f"Cannot lock {aws.credentials}: the lock file {lock} belongs to another user "
        "(left by a run as root?) and cannot be opened; remove it and try again.\n")
    assert fake_sts.requests == []
    assert aws.credentials.read_bytes() == before


def test_a_run_as_root_leaves_the_user_able_to_switch(offline_aws, fake_sts):
    """sudo keeping HOME: root switches in the user's ~/.aws, then the user does."""
    prefix = asuser.prefix()
    aws = offline_aws
    fake_sts.answer(ASSUMED)
    asuser.give(aws.home)
    as_root = switch(aws)
    assert as_root.returncode == 0, as_root.stderr
    assert beside_the_files(aws) == ["config", "credentials"]
    assert aws.credentials.stat().st_uid == asuser.UID
    # The next code: the user's run knows the first was spent by root's.
    as_user = switch(aws, "--force", prefix=prefix, code="654321")
    assert as_user.returncode == 0, as_user.stderr
    # Each switch: its MFA session, then the role from it.
    assert len(fake_sts.requests) == 4
    assert beside_the_files(aws) == ["config", "credentials"]


# --------------------------------------------------------------------------
# A FIFO (or another non-regular file) where a file should be
# --------------------------------------------------------------------------


@pytest.fixture
def fifo_credentials(offline_aws):
    """~/.aws/credentials is a FIFO; the source keys move to the config file."""
    aws = offline_aws
    keys = aws.credentials.read_text().split("[default]\n", 1)[1]
    aws.config.write_text(aws.config.read_text().replace(
        "[default]\n", "[default]\n" + keys, 1))
    aws.credentials.unlink()
    os.mkfifo(aws.credentials)
    return aws


def run_timed(argv, env):
    started = time.monotonic()
    result = subprocess.run(argv, input="", capture_output=True, text=True,
                            env=env, timeout=30, start_new_session=True)
    return result, time.monotonic() - started


def test_listing_reads_a_fifo_as_no_file(fifo_credentials):
    aws = fifo_credentials
    result, seconds = run_timed([AWS, "mfa-switch", "--list"], aws.env())
    assert result.returncode == 0, result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()] == [
        "PROFILE", "dev", "session"]
    assert "never switched" in result.stdout
    assert seconds < 10


@pytest.mark.parametrize("argv", [
    [AWS, "mfa-switch", "--profile", "dev", "--token-code", "123456"],
    [AWS, "mfa-switch", "--profile", "dev", "--token-code", "123456", "--credential-process"],
    [str(BIN / "aws-mfa-switch"), "--profile", "dev", "--credential-process"],
], ids=["switch", "credential-process", "standalone-fast-path"])
def test_a_switch_into_a_fifo_is_one_sentence_before_the_code(fifo_credentials, fake_sts, argv):
    aws = fifo_credentials
    fake_sts.answer(ASSUMED)
    result, seconds = run_timed(argv, aws.env())
    if "--token-code" not in argv:
        # The fast path read the FIFO as no file (it did not hang); with no
        # code to be had here, the refresh is refused before anything else.
        assert result.returncode == 252, result.stderr
        assert result.stderr.count("\n") == 1
        assert "no terminal to ask for it on" in result.stderr
    else:
        assert result.returncode == 253, result.stderr
        assert result.stderr == (
            f"Cannot write {aws.credentials}: it is a FIFO (named pipe), not a regular "
            "file (botocore skips it unread); put a regular file in its place, or point "
            "the AWS CLI at another file.\n")
    assert result.stdout == ""
    assert fake_sts.requests == []
    assert stat.S_ISFIFO(os.lstat(aws.credentials).st_mode)
    assert seconds < 10


def test_a_fifo_config_file_reads_as_none(offline_aws):
    """AWS_CONFIG_FILE a FIFO: the standalone command (which needs no
    [plugins] entry) lists nothing and answers credential_process with a
    sentence, never waiting on the pipe."""
    aws = offline_aws
    fifo = aws.home / "config-fifo"
    os.mkfifo(fifo)
    env = aws.env(AWS_CONFIG_FILE=str(fifo))
    listing, seconds = run_timed([str(BIN / "aws-mfa-switch"), "--list"], env)
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout == "" and "No profile has an mfa-switch recipe" in listing.stderr
    process, more = run_timed(
        [str(BIN / "aws-mfa-switch"), "--profile", "dev", "--credential-process"], env)
    assert process.returncode == 253, process.stderr
    assert "The profile 'dev' is not in your AWS config" in process.stderr
    assert seconds + more < 20


def test_a_variable_in_the_file_variables_is_expanded_as_botocore_does(aws, tmp_path):
    """botocore reads ``$VAR/credentials``; the switch must write that file,
    not a folder named ``$VAR`` in the current directory."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    moved = elsewhere / "credentials"
    moved.write_bytes(aws.credentials.read_bytes())
    work = tmp_path / "work"
    work.mkdir()
    env = aws.env(MFA_TEST_AWS_DIR=str(elsewhere),
                  AWS_SHARED_CREDENTIALS_FILE="$MFA_TEST_AWS_DIR/credentials")

    result = subprocess.run(
        [AWS, "mfa-switch", "--profile", "dev", "--token-code", aws.code()],
        capture_output=True, text=True, env=env, cwd=work, timeout=120)

    assert result.returncode == 0, result.stderr
    assert sections(moved).get("dev", "managed_by") == "mfa-switch"
    assert list(work.iterdir()) == []
    identity = subprocess.run(
        [AWS, "sts", "get-caller-identity", "--profile", "dev"],
        capture_output=True, text=True, env=env, cwd=work, timeout=120)
    assert identity.returncode == 0, identity.stderr
    assert ":assumed-role/" in identity.stdout
