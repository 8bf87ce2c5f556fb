"""Standard output that cannot take the answer, and a closed standard error.

``--export`` and ``--credential-process`` print secrets for a shell or an
SDK.  When standard output is closed (``>&-``), a pipe whose reader has
gone, or full (``/dev/full``), the real ``aws mfa-switch`` and
``aws-mfa-switch`` end in one sentence and exit status 255, never a
traceback, and store nothing the caller did not receive - with ``--force``
too, whose switch would otherwise rewrite the credentials file.  What can
be seen beforehand (closed, reader gone) is refused before STS is called;
a full device shows only when writing, which happens before the write.

A closed or full standard error changes nothing but the words shown: the
exit status is the one the run would have had.
"""
import os
import subprocess
from pathlib import Path

import pytest

from tests import fakests
from tests.awsenv import AWS
from tests.conftest import OFFLINE_ACCOUNT
from tests.test_standalone import STANDALONE

KINDS = ("closed", "reader-gone", "full")


#: mfa-switch's own bookkeeping: a code sent to STS is recorded as spent
#: whether or not its answer could be delivered (STS will not take it again).
STATE = Path("cli") / "mfa-switch"


def files(folder):
    """Every file under ``folder`` with its bytes and modification time.

    mfa-switch's private state folder is left out (see :data:`STATE`).
    """
    return {
        str(path.relative_to(folder)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*")) if path.is_file()
        and STATE not in path.relative_to(folder).parents
    }


def run_with_stdout(kind, argv, env):
    """Run ``argv`` with standard output of the given ``kind``; stderr captured."""
    stdout, close = subprocess.DEVNULL, None
    if kind == "closed":
        argv = ["sh", "-c", 'exec "$@" >&-', "sh", *argv]
    elif kind == "reader-gone":
        reader, stdout = os.pipe()
        os.close(reader)
        close = stdout
    elif kind == "full":
        stdout = close = os.open("/dev/full", os.O_WRONLY)
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=stdout,
                              stderr=subprocess.PIPE, text=True, env=env,
                              timeout=120, start_new_session=True)
    finally:
        if close is not None:
            os.close(close)


def command(which, *args):
    return [AWS, "mfa-switch", *args] if which == "aws" else [STANDALONE, *args]


@pytest.fixture
def switched(offline_aws, fake_sts):
    """``[dev]`` switched once (the scripted STS answers every AssumeRole)."""
    fake_sts.answer(fakests.assume_role_response(OFFLINE_ACCOUNT.role_arn))
    result = offline_aws.run("mfa-switch", "--profile", "dev",
                             "--token-code", "654321")  # another code than the runs below
    assert result.returncode == 0, result.stderr
    fake_sts.requests.clear()
    return offline_aws


def assert_one_sentence(result):
    assert result.returncode == 255, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "standard output" in result.stderr.lower()


@pytest.mark.parametrize("mode", ["--export", "--credential-process"])
@pytest.mark.parametrize("which", ["aws", "aws-mfa-switch"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_forced_switch_stores_nothing_it_cannot_print(
        switched, fake_sts, kind, which, mode):
    aws = switched
    before = files(aws.dot_aws)
    result = run_with_stdout(kind, command(
        which, "--profile", "dev", mode, "--force", "--token-code", "123456"),
        aws.env())
    assert_one_sentence(result)
    assert files(aws.dot_aws) == before
    # A full device shows only when written to, after STS answered (the
    # MFA session, then the role).
    assert len(fake_sts.requests) == (2 if kind == "full" else 0)


@pytest.mark.parametrize("argv", [
    ("aws", "--export"),
    ("aws", "--credential-process"),
    ("aws-mfa-switch", "--credential-process"),   # the fast path
])
@pytest.mark.parametrize("kind", KINDS)
def test_kept_credentials_that_cannot_be_printed_are_one_sentence(
        switched, fake_sts, kind, argv):
    aws = switched
    before = files(aws.dot_aws)
    which, mode = argv
    result = run_with_stdout(kind, command(which, "--profile", "dev", mode),
                             aws.env())
    assert_one_sentence(result)
    assert files(aws.dot_aws) == before
    assert fake_sts.requests == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_native_profile_primes_no_cache_it_cannot_print(
        offline_aws, fake_sts, kind):
    aws = offline_aws
    a = aws.account
    with aws.config.open("a") as config:
        config.write(f"\n[profile native]\nrole_arn = {a.role_arn}\n"
                     f"source_profile = default\nmfa_serial = {a.serial_number}\n")
    fake_sts.answer(fakests.assume_role_response(a.role_arn))
    before = files(aws.dot_aws)
    result = run_with_stdout(kind, command(
        "aws", "--profile", "native", "--export", "--token-code", "123456"),
        aws.env())
    assert_one_sentence(result)
    assert files(aws.dot_aws) == before
    assert not (aws.dot_aws / "cli" / "cache").exists()


def test_a_role_from_a_kept_mfa_session_is_not_stored_unprinted(aws):
    """The one-profile switch that needs no code: a kept MFA session."""
    # Two profiles of one device share one code through an MFA session.
    result = aws.run("mfa-switch", "dev", "session", "--token-code", aws.code())
    assert result.returncode == 0, result.stderr
    text = aws.credentials.read_text()
    assert "[default-mfa-session]" in text
    # [dev] gone, the session kept: the next switch of dev needs no code.
    start = text.index("[dev]")
    end = text.find("\n[", start + 1)
    aws.credentials.write_text(text[:start] + (text[end + 1:] if end > 0 else ""))
    before = files(aws.dot_aws)
    result = run_with_stdout("full", command(
        "aws", "--profile", "dev", "--export"), aws.env())
    assert_one_sentence(result)
    assert files(aws.dot_aws) == before


@pytest.mark.parametrize("which", ["aws", "aws-mfa-switch"])
@pytest.mark.parametrize("kind", ["closed", "full"])
def test_the_listing_and_the_version_are_one_sentence(offline_aws, which, kind):
    args = ("--list",) if which == "aws" else ("--version",)
    result = run_with_stdout(kind, command(which, *args), offline_aws.env())
    assert_one_sentence(result)


# -- standard error -----------------------------------------------------------

def run_without_stderr(kind, argv, env):
    """Run ``argv`` with stderr closed or full; stdout captured."""
    if kind == "closed":
        argv = ["sh", "-c", 'exec "$@" 2>&-', "sh", *argv]
        stderr = subprocess.DEVNULL
    else:
        stderr = open("/dev/full", "wb")
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=stderr, text=True,
                              env=env, timeout=120, start_new_session=True)
    finally:
        if kind != "closed":
            stderr.close()


@pytest.mark.parametrize("which", ["aws", "aws-mfa-switch"])
@pytest.mark.parametrize("kind", ["closed", "full"])
class TestStandardErrorGone:
    def test_a_switch_still_succeeds_and_stores(self, offline_aws, fake_sts,
                                                kind, which):
        fake_sts.answer(fakests.assume_role_response(OFFLINE_ACCOUNT.role_arn))
        result = run_without_stderr(kind, command(
            which, "--profile", "dev", "--token-code", "123456"),
            offline_aws.env())
        assert result.returncode == 0
        assert "managed_by = mfa-switch" in offline_aws.credentials.read_text()

    def test_kept_credentials_are_still_printed(self, switched, kind, which):
        result = run_without_stderr(kind, command(
            which, "--profile", "dev", "--credential-process"), switched.env())
        assert result.returncode == 0
        assert '"Version": 1' in result.stdout

    def test_an_error_keeps_its_exit_status(self, offline_aws, kind, which):
        before = files(offline_aws.dot_aws)
        result = run_without_stderr(kind, command(
            which, "--profile", "nope", "--token-code", "123456"),
            offline_aws.env())
        assert result.returncode == 253
        assert files(offline_aws.dot_aws) == before
