"""No mfa_serial anywhere: the device is found with ListMFADevices."""
import base64
import time

import boto3
import pexpect
import pytest
from botocore.configloader import load_config

from awscli_mfa_plugin.sts.discovery import user_name_of
from awscli_mfa_plugin.errors import RecipeError
from tests.awsenv import AWS, REGION, USER_NAME, totp
from tests.codes.test_prompt_pty import Terminal


@pytest.mark.parametrize("arn, name", [
    ("arn:aws:iam::111111111111:user/alice", "alice"),
    ("arn:aws:iam::111111111111:user/division/team/bob", "bob"),
])
def test_user_name_from_the_caller_arn(arn, name):
    assert user_name_of(arn) == name


@pytest.mark.parametrize("arn, words", [
    ("arn:aws:iam::111111111111:root", "root user"),
    ("arn:aws:sts::111111111111:assumed-role/Admin/alice", "assumed role"),
    ("arn:aws:sts::111111111111:federated-user/bob", "federated user"),
])
def test_callers_that_are_not_iam_users_are_a_sentence(arn, words):
    with pytest.raises(RecipeError, match=words):
        user_name_of(arn)


def enable_device(aws, name=None):
    """Enable a virtual device for the user, as the console does: two codes."""
    client = boto3.client("iam", endpoint_url=aws.endpoint, region_name=REGION,
                          aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    if name is None:
        serial, seed = aws.account.serial_number, aws.account.mfa_seed
    else:
        device = client.create_virtual_mfa_device(
            VirtualMFADeviceName=name)["VirtualMFADevice"]
        serial = device["SerialNumber"]
        seed = base64.b32decode(device["Base32StringSeed"])
    now = time.time()
    client.enable_mfa_device(
        UserName=USER_NAME, SerialNumber=serial,
        AuthenticationCode1=totp(seed, now - 30),
        AuthenticationCode2=totp(seed, now))
    return serial


def forget_serial(aws):
    """Drop mfa_serial from the config: nothing names the device any more."""
    text = aws.config.read_text()
    aws.config.write_text(
        text.replace(f"mfa_serial = {aws.account.serial_number}\n", ""))
    return aws.config.read_bytes()


class TestWithoutTerminal:
    def test_the_one_device_is_used_and_named(self, aws):
        serial = enable_device(aws)
        config = forget_serial(aws)
        result = aws.run("mfa-switch", "--profile", "dev",
                         "--token-code", aws.code())
        assert result.returncode == 0, result.stderr
        assert f"Using MFA device {serial} of IAM user 'alice'" in result.stderr
        assert "assumed-role/AccessToTestDev/alice" in result.stderr
        assert aws.config.read_bytes() == config  # no terminal: nothing saved

    def test_save_serial_writes_it_into_the_profile(self, aws):
        serial = enable_device(aws)
        config = forget_serial(aws)
        result = aws.run("mfa-switch", "--profile", "dev",
                         "--token-code", aws.code(), "--save-serial")
        assert result.returncode == 0, result.stderr
        text = aws.config.read_text()
        dev = text.split("[profile dev]\n")[1].split("\n\n")[0]
        assert f"mfa_serial = {serial}" in dev
        assert text.replace(f"mfa_serial = {serial}\n", "", 1) == config.decode()

    def test_no_device_is_a_sentence(self, aws):
        forget_serial(aws)
        before = aws.credentials.read_bytes()
        result = aws.run("mfa-switch", "--profile", "dev",
                         "--token-code", aws.code())
        assert result.returncode == 253
        assert "'alice' has no MFA device" in result.stderr
        assert aws.credentials.read_bytes() == before

    def test_several_devices_are_listed(self, aws):
        first = enable_device(aws)
        second = enable_device(aws, "alice-backup")
        forget_serial(aws)
        result = aws.run("mfa-switch", "--profile", "dev",
                         "--token-code", aws.code())
        assert result.returncode == 253
        assert first in result.stderr and second in result.stderr
        assert "--serial-number" in result.stderr
        assert "dev" not in aws.credentials.read_text()


def test_several_devices_are_offered_as_a_choice_and_saved(aws):
    enable_device(aws)
    second = enable_device(aws, "alice-backup")
    forget_serial(aws)
    child = Terminal(pexpect.spawn(
        AWS, ["mfa-switch", "--profile", "dev"], env=aws.env(),
        encoding="utf-8", timeout=30, dimensions=(24, 120)))
    child.expect(r"Device \[1-2\]")
    child.send("3\r")
    child.expect("from 1 to 2")
    child.sendcontrol("u")
    child.send("2\r")
    child.expect(r"\[y/N\]")
    child.send("y\r")
    child.expect("MFA code for " + second)
    child.send(aws.code() + "\r")
    child.expect("now uses .*assumed-role/AccessToTestDev/alice-backup")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert f"mfa_serial = {second}" in aws.config.read_text()


def test_declining_to_save_leaves_the_config_alone(aws):
    enable_device(aws)
    config = forget_serial(aws)
    child = Terminal(pexpect.spawn(
        AWS, ["mfa-switch", "--profile", "dev"], env=aws.env(),
        encoding="utf-8", timeout=30, dimensions=(24, 120)))
    child.expect(r"\[y/N\]")
    child.send("\r")
    child.expect("MFA code for " + aws.account.serial_number)
    child.send(aws.code() + "\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert aws.config.read_bytes() == config


def test_aws_mfa_layout_saves_the_device_where_aws_mfa_reads_it(aws):
    serial = enable_device(aws)
    a = aws.account
    aws.config.write_text("[plugins]\nmfa_switch = awscli_mfa_plugin\n")
    aws.credentials.write_text(
        "[dev-long-term]\n"
        f"aws_access_key_id = {a.access_key_id}\n"
        f"aws_secret_access_key = {a.secret_access_key}\n"
        f"assume_role = {a.role_arn}\n")
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code",
                     aws.code(), "--save-serial")
    assert result.returncode == 0, result.stderr
    long_term = aws.credentials.read_text().split("[dev-long-term]\n")[1]
    assert f"aws_mfa_device = {serial}" in long_term.split("\n[")[0]
    assert "[profile dev]" not in aws.config.read_text()


@pytest.mark.parametrize("name, sections", [
    ("dev", ['[profile "dev"]']),
    ("dev", ["[profile 'dev']"]),
    ("dev", ["[profile  dev]"]),
    ("my profile", ['[profile "my profile"]']),
    ("default", ["[profile default]"]),
    # [default] and [profile default] both: botocore reads the last one
    ("default", ["[default]\nregion = us-east-2\n", "[profile default]"]),
    ("default", ["[profile default]\nregion = us-east-2\n", "[default]"]),
], ids=["double-quoted", "single-quoted", "two-spaces", "name-with-space",
        "profile-default", "default-then-profile-default",
        "profile-default-then-default"])
def test_save_serial_edits_the_section_botocore_reads(aws, name, sections):
    """The serial goes into the recipe's own section, however its header is
    written: no new section that botocore would read instead of the recipe."""
    serial = enable_device(aws)
    a = aws.account
    recipe = (f"mfa_role_arn = {a.role_arn}\n"
              "mfa_source_profile = base\n"
              f"region = {REGION}\n")
    *others, last = sections
    aws.config.write_text(
        "[plugins]\nmfa_switch = awscli_mfa_plugin\n\n"
        + "".join(other + "\n" for other in others)
        + last + "\n" + recipe)
    aws.credentials.write_text(
        "[base]\n"
        f"aws_access_key_id = {a.access_key_id}\n"
        f"aws_secret_access_key = {a.secret_access_key}\n")
    before = aws.config.read_text()
    result = aws.run("mfa-switch", "--profile", name, "--token-code", aws.code(),
                     "--save-serial")
    assert result.returncode == 0, result.stderr
    assert f"Saved the device in {aws.config}" in result.stderr
    after = aws.config.read_text()
    assert after == before + f"mfa_serial = {serial}\n"
    profile = load_config(str(aws.config))["profiles"][name]
    assert profile == {"mfa_role_arn": a.role_arn, "mfa_source_profile": "base",
                       "region": REGION, "mfa_serial": serial}
    # The next switch reads the recipe, device included: no lookup, same role.
    again = aws.run("mfa-switch", "--profile", name, "--token-code", aws.code(),
                    "--force")
    assert again.returncode == 0, again.stderr
    assert "ListMFADevices" not in again.stderr
    assert "assumed-role/AccessToTestDev/" in again.stderr
