"""A read-only file is its owner's decision: refused before any code, nothing written.

Through the real ``aws``, as root (who may write anything, and is refused
by the mode bits all the same) and as a user without root's override
(tests/asuser.py).  The installer's files follow the same rule.
"""
import os
import subprocess

import pytest

from tests import asuser, fakests
from tests.awsenv import AWS
from tests.conftest import OFFLINE_ACCOUNT
from tests.test_install import installer

ASSUMED = fakests.assume_role_response(OFFLINE_ACCOUNT.role_arn)


def refusal(path, mode="0444"):
    return (f"Cannot write {path}: it is read-only (mode {mode}), which "
            "mfa-switch takes as your decision and leaves it as it is; make it "
            f"writable (chmod u+w {path}) if mfa-switch may change it.\n")


def run(aws, *argv, prefix=()):
    return subprocess.run([*prefix, AWS, *argv], input="", capture_output=True,
                          text=True, env=aws.env(), timeout=60)


def snapshot(aws):
    """Every file under ~/.aws, with its bytes and mode."""
    found = {}
    for root, _, files in os.walk(aws.dot_aws):
        for name in files:
            path = os.path.join(root, name)
            found[path] = (open(path, "rb").read(), os.stat(path).st_mode)
    return found


@pytest.mark.parametrize("as_user", [False, True], ids=["root", "user"])
@pytest.mark.parametrize("argv", [
    ("mfa-switch", "--profile", "dev"),  # would ask at the terminal
    ("mfa-switch", "--profile", "dev", "--token-code", "123456"),
    ("mfa-switch", "--profile", "dev", "--force", "--export", "bash"),
], ids=["prompt", "token-code", "export"])
def test_a_read_only_credentials_file_is_refused_before_the_code(
        offline_aws, fake_sts, argv, as_user):
    aws = offline_aws
    fake_sts.answer(ASSUMED)
    prefix = asuser.prefix() if as_user else ()
    if as_user:
        asuser.give(aws.home)
    os.chmod(aws.credentials, 0o444)
    before = snapshot(aws)
    result = run(aws, *argv, prefix=prefix)
    assert (result.returncode, result.stderr, result.stdout) == (
        253, refusal(aws.credentials), "")
    assert fake_sts.requests == []
    assert snapshot(aws) == before  # no spent code noted, no lock, no mode change


def test_the_owner_write_bit_alone_decides(offline_aws, fake_sts):
    """0644 is written (and made 0600); 0444 is not, whoever runs."""
    aws = offline_aws
    fake_sts.answer(ASSUMED)
    os.chmod(aws.credentials, 0o644)
    done = run(aws, "mfa-switch", "--profile", "dev", "--token-code", "123456")
    assert done.returncode == 0, done.stderr
    assert "managed_by = mfa-switch" in aws.credentials.read_text()


def test_clear_leaves_a_read_only_file_as_it_is(offline_aws, fake_sts):
    aws = offline_aws
    fake_sts.answer(ASSUMED)
    done = run(aws, "mfa-switch", "--profile", "dev", "--token-code", "123456")
    assert done.returncode == 0, done.stderr
    os.chmod(aws.credentials, 0o400)
    before = snapshot(aws)
    result = run(aws, "mfa-switch", "--profile", "dev", "--clear")
    assert (result.returncode, result.stderr) == (253, refusal(aws.credentials, "0400"))
    assert snapshot(aws) == before


def test_clear_with_nothing_to_remove_is_no_refusal(offline_aws):
    aws = offline_aws
    os.chmod(aws.credentials, 0o444)
    result = run(aws, "mfa-switch", "--profile", "dev", "--clear")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("which", ["credentials", "config"])
def test_a_key_move_is_refused_before_the_keyring_is_touched(offline_aws, which):
    """No keyring runs here: the refusal must come before any is looked for."""
    aws = offline_aws
    path = getattr(aws, which)
    os.chmod(path, 0o444)
    before = snapshot(aws)
    result = run(aws, "mfa-switch", "--profile", "default", "--move-keys-to-keyring")
    assert (result.returncode, result.stderr) == (253, refusal(path))
    assert snapshot(aws) == before


@pytest.mark.parametrize("which", ["config", "alias"])
def test_the_installer_refuses_a_read_only_file_and_writes_nothing(isolated_home, which):
    dot_aws = isolated_home / ".aws"
    (dot_aws / "cli").mkdir(parents=True)
    config, alias = dot_aws / "config", dot_aws / "cli" / "alias"
    config.write_text("[default]\nregion = eu-west-1\n")
    alias.write_text("[toplevel]\nwhoami = sts get-caller-identity\n")
    path = {"config": config, "alias": alias}[which]
    os.chmod(path, 0o444)
    before = {p: (p.read_bytes(), p.stat().st_mode) for p in (config, alias)}
    result = installer("install", "--cli-version", "1")
    assert (result.returncode, result.stderr) == (253, refusal(path))
    assert {p: (p.read_bytes(), p.stat().st_mode) for p in (config, alias)} == before
    assert not (dot_aws / "cli" / "mfa-switch-install.ini").exists()
