"""The credentials file through the real CLI: concurrency, refusals, links."""
import concurrent.futures
import configparser
import os

import pytest


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
