"""A code STS rejects is asked for again at the prompt, up to three tries.

The prompt runs in a real pseudo-terminal; STS is the scripted loopback
server (tests/fakests.py), which refuses with STS's real "invalid MFA one
time pass code" answer, since moto accepts any code.
"""
import pexpect

from tests import fakests
from tests.codes.test_prompt_pty import spawn

RETRY = (r"STS rejected that code: it was wrong or already used\. Wait for the "
         r"next code \(the current one changes in\s+(\d+) s\) and type it "
         r"\(try {} of 3\)\.")


def refuse_code():
    return fakests.error_response(*fakests.INVALID_CODE)


def test_rejected_codes_are_asked_again_until_one_works(offline_aws, fake_sts):
    aws = offline_aws
    fake_sts.answer(refuse_code(), refuse_code(),
                    fakests.assume_role_response(
                        "arn:aws:sts::123456789012:assumed-role/AccessToTestDev/alice"))
    child = spawn(aws, "mfa-switch", "--profile", "dev")
    child.send("111111\r")
    child.expect(RETRY.format(2))
    assert 1 <= int(child.match.group(1)) <= 30
    child.expect("MFA code for " + aws.account.serial_number)
    child.send("222222\r")
    child.expect(RETRY.format(3))
    child.expect("MFA code for ")
    child.send("333333\r")
    child.expect("now uses arn:aws:sts::123456789012:assumed-role/AccessToTestDev/alice")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert [form["TokenCode"] for form in fake_sts.requests
            if "TokenCode" in form] == [
        "111111", "222222", "333333"]
    assert "[dev]" in aws.credentials.read_text()


def test_three_rejected_codes_end_the_run_with_254_and_nothing_written(
        offline_aws, fake_sts):
    aws = offline_aws
    fake_sts.answer(refuse_code())
    before = (aws.config.read_bytes(), aws.credentials.read_bytes())
    child = spawn(aws, "mfa-switch", "--profile", "dev")
    for attempt in (2, 3):
        child.send("123456\r")
        child.expect(RETRY.format(attempt))
        child.expect("MFA code for ")
    child.send("123456\r")
    child.expect("STS rejected 3 codes in a row")
    child.expect(pexpect.EOF)
    assert "Traceback" not in child.before
    child.close()
    assert child.exitstatus == 254
    assert len(fake_sts.requests) == 3
    assert (aws.config.read_bytes(), aws.credentials.read_bytes()) == before


def test_ctrl_c_at_the_second_try_cancels_with_130(offline_aws, fake_sts):
    aws = offline_aws
    fake_sts.answer(refuse_code())
    before = aws.credentials.read_bytes()
    child = spawn(aws, "mfa-switch", "--profile", "dev")
    child.send("123456\r")
    child.expect(RETRY.format(2))
    child.expect("MFA code for ")
    child.sendcontrol("c")
    child.expect("Cancelled")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert aws.credentials.read_bytes() == before
