"""``aws mfa-switch --doctor``: the checklist, through the real ``aws``.

Each run starts in a session of its own, so that it has no controlling
terminal whoever runs the tests: who could ask a ``credential_process``
caller for a code is then decided by the profile alone.
"""
import re
import subprocess

import pytest

from tests import awsenv, fakests
from tests.conftest import OFFLINE_ACCOUNT
from tests.test_cli_v2 import V2, VERSION, v2  # noqa: F401 (a fixture)


def doctor(home, *args, program=awsenv.AWS, env=None):
    """Run ``aws mfa-switch --doctor`` (or ``aws-mfa-switch``) without a terminal."""
    command = [program] if program != awsenv.AWS else [program, "mfa-switch"]
    return subprocess.run(
        [*command, "--doctor", *args], capture_output=True, text=True,
        env=env or home.env(), timeout=120, stdin=subprocess.DEVNULL,
        start_new_session=True)


def lines(result):
    """The checklist as {label: [sentences]}."""
    found = {}
    for line in result.stdout.splitlines():
        label, _, sentence = line.partition(" ")
        found.setdefault(label, []).append(sentence.strip())
    return found


def with_code_process(home):
    """The dev profile gets its codes from a command: nobody need be asked."""
    home.config.write_text(home.config.read_text().replace(
        "[profile dev]\n", "[profile dev]\nmfa_process = echo 123456\n"))


def test_all_well_is_ok_lines_and_exit_0(aws):
    with_code_process(aws)
    switched = aws.run("mfa-switch", "--profile", "dev",
                       "--token-code", aws.code())
    assert switched.returncode == 0, switched.stderr

    result = doctor(aws, "--profile", "dev")

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    found = lines(result)
    assert "problem" not in found
    text = result.stdout
    assert re.search(r"AWS CLI \d+\.\d+\.\d+ \(v\d\) on Python 3\.", text)
    assert f"The recipe of 'dev' is valid: it assumes {aws.account.role_arn}" in text
    key = aws.account.access_key_id
    assert f"long-term keys ({key[:4]}...{key[-4:]})" in text
    assert f"The MFA device is {aws.account.serial_number}." in text
    assert f"they are {aws.account.user_arn}" in text
    assert "This machine's clock agrees with STS's" in text
    assert "GetCallerIdentity" in text
    assert re.search(r"stored in \[dev\] have \dh\d\dm left", text)
    assert "The region of 'dev' is" in text
    assert "from mfa_process" in text
    assert any(s.startswith("Role chaining") for s in found["note"])
    assert key not in text and aws.account.secret_access_key not in text


def test_the_standalone_command_checks_too(aws):
    with_code_process(aws)
    result = doctor(aws, "--profile", "dev",
                    program=str(awsenv.BIN / "aws-mfa-switch"))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "The recipe of 'dev' is valid" in result.stdout


def test_a_session_token_recipe_explains_invalidclienttokenid(aws):
    aws.config.write_text(aws.config.read_text().replace(
        "[profile session]\n", "[profile session]\nmfa_process = echo 1\n"))
    result = doctor(aws, "--profile", "session")

    assert result.returncode == 0, result.stdout + result.stderr
    assert any("InvalidClientTokenId" in s for s in lines(result)["note"])


def test_missing_keys_are_a_problem_and_sts_is_not_called(offline_aws, fake_sts):
    offline_aws.credentials.write_text("# no keys here\n")
    fake_sts.answer(fakests.caller_identity_response())

    result = doctor(offline_aws, "--profile", "dev")

    assert result.returncode == 253, result.stdout + result.stderr
    found = lines(result)
    assert ("The source profile 'default' has no access keys (in the "
            "credentials file or the OS keyring); add them: aws configure "
            "--profile default, or 'aws mfa-switch --profile default "
            "--add-keys' to keep them in the OS keyring.") in found["problem"]
    assert any(s.startswith("STS was not asked") for s in found["skipped"])
    assert fake_sts.requests == []


def test_a_skewed_clock_is_said_with_its_size(offline_aws, fake_sts):
    fake_sts.answer(fakests.caller_identity_response())
    fake_sts.clock_offset = -120  # STS's Date two minutes earlier than ours

    result = doctor(offline_aws, "--profile", "dev")

    assert result.returncode == 253, result.stdout + result.stderr
    problems = lines(result)["problem"]
    clock = [s for s in problems if s.startswith("This machine's clock")]
    assert clock, result.stdout
    # The Date header has whole seconds and the request takes a moment.
    assert re.match(r"This machine's clock is 1(19|20|21) s ahead of STS's "
                    r"\(the Date of its answer\)", clock[0])
    assert "codes made on this machine (mfa_process, ykman) are then wrong" in clock[0]
    assert fake_sts.actions() == ["GetCallerIdentity"]
    assert fake_sts.signers == [OFFLINE_ACCOUNT.access_key_id]
    assert OFFLINE_ACCOUNT.secret_access_key not in result.stdout
    assert OFFLINE_ACCOUNT.access_key_id not in result.stdout


def test_a_clock_behind_by_minutes_is_said_too(offline_aws, fake_sts):
    fake_sts.answer(fakests.caller_identity_response())
    fake_sts.clock_offset = 600

    result = doctor(offline_aws, "--profile", "dev")

    assert result.returncode == 253
    assert re.search(r"clock is (599|600|601) s behind STS's .*STS refuses "
                     r"every signature", result.stdout)


def test_refused_keys_are_a_problem_with_sts_words(offline_aws, fake_sts):
    fake_sts.answer(fakests.error_response(*fakests.INVALID_KEY))

    result = doctor(offline_aws, "--profile", "dev")

    assert result.returncode == 253
    problems = lines(result)["problem"]
    assert any(s.startswith("STS refused the source profile's keys") for s in problems)
    # The refusal still carries STS's Date: the clock is checked anyway.
    assert "This machine's clock agrees with STS's" in result.stdout


def test_temporary_source_keys_no_region_and_nobody_to_ask(offline_aws, fake_sts):
    offline_aws.credentials.write_text(
        "[default]\naws_access_key_id = ASIAOFFLINEEXAMPLE01\n"
        "aws_secret_access_key = offlineSecret0000000000000000000000000000\n"
        "aws_session_token = token\n")
    offline_aws.config.write_text(offline_aws.config.read_text().replace(
        f"region = {awsenv.REGION}\n", ""))
    fake_sts.answer(fakests.caller_identity_response())

    result = doctor(offline_aws, "--profile", "dev")

    assert result.returncode == 253
    problems = lines(result)["problem"]
    assert any("holds temporary keys (ASIA...LE01)" in s for s in problems)
    assert any(s.startswith("The profile 'dev' has no region") for s in problems)
    assert any(s.startswith("A credential_process caller could not be asked")
               for s in problems)


def test_a_profile_without_recipe_is_one_problem(aws):
    result = doctor(aws, "--profile", "default")

    assert result.returncode == 253
    found = lines(result)
    assert found["problem"] == [
        "The recipe of 'default' cannot be used: The profile 'default' holds "
        "long-term access keys, not an mfa-switch recipe: name the profile to "
        "switch with --profile NAME (aws mfa-switch --list shows which can "
        "be), or add a recipe under another profile name, with "
        "mfa_source_profile = default."]


def test_doctor_takes_one_profile_and_no_switch_flags(aws):
    several = aws.run("mfa-switch", "--doctor", "dev", "session")
    assert several.returncode == 252
    assert several.stderr == "--doctor checks one profile; name it with --profile.\n"
    flags = aws.run("mfa-switch", "--doctor", "--profile", "dev",
                    "--token-code", "123456")
    assert flags.returncode == 252
    assert flags.stderr.startswith("--doctor checks the profile as configured")
    both = aws.run("mfa-switch", "--doctor", "--list")
    assert both.stderr == "--list and --doctor cannot be used together; pick one.\n"


def test_a_key_without_its_secret_is_a_problem(offline_aws, fake_sts):
    offline_aws.credentials.write_text(
        f"[default]\naws_access_key_id = {OFFLINE_ACCOUNT.access_key_id}\n")

    result = doctor(offline_aws, "--profile", "dev")

    assert result.returncode == 253
    assert ("The source profile 'default' has an access key but no "
            "aws_secret_access_key; add it to the profile in your credentials "
            "file.") in lines(result)["problem"]
    assert fake_sts.requests == []


def test_sts_out_of_reach_is_a_problem(offline_aws):
    result = doctor(offline_aws, "--profile", "dev", env=offline_aws.env(
        AWS_ENDPOINT_URL=fakests.closed_port_url()))

    assert result.returncode == 253
    assert any(s.startswith("STS could not be asked (so the clock is not checked)")
               for s in lines(result)["problem"])


def test_ykman_missing_is_a_problem(offline_aws, fake_sts):
    fake_sts.answer(fakests.caller_identity_response())
    offline_aws.config.write_text(offline_aws.config.read_text().replace(
        "[profile dev]\n", "[profile dev]\nmfa_prompt = ykman\n"))

    result = doctor(offline_aws, "--profile", "dev",
                    env=offline_aws.env(PATH=str(awsenv.BIN)))

    assert result.returncode == 253
    assert ("mfa_prompt is ykman, but ykman is not on PATH; install it (pip "
            "install yubikey-manager) or choose another mfa_prompt."
            ) in lines(result)["problem"]


@pytest.mark.skipif(VERSION is None, reason="no AWS CLI v2 at /usr/bin/aws")
def test_the_plugin_is_checked_in_aws_cli_v2(v2):
    with_code_process(v2.home)
    result = subprocess.run(
        [V2, "mfa-switch", "--profile", "dev", "--doctor", "--endpoint-url",
         v2.home.endpoint], capture_output=True, text=True, env=v2.env,
        timeout=120, stdin=subprocess.DEVNULL, start_new_session=True)

    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^ok +The plugin loads in AWS CLI 2\.\S+ \(v2\) on "
                     r"Python 3\.", result.stdout, re.M)
    assert "STS takes the source profile's keys" in result.stdout
