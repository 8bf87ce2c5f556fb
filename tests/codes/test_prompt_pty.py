"""The code prompt, driven through a real pseudo-terminal."""
import configparser

import pexpect
import pytest

from tests.awsenv import AWS


CPR_REQUEST = r"\x1b\[6n"


class Terminal:
    """A pexpect child that answers cursor-position requests like a terminal.

    prompt_toolkit asks where the cursor is before drawing the bottom
    toolbar; a real terminal answers, so this one does too.
    """

    def __init__(self, child):
        self.child = child

    def expect(self, pattern):
        while self.child.expect([CPR_REQUEST, pattern]) == 0:
            self.child.send("\x1b[1;1R")
        return self.child.match

    def __getattr__(self, name):
        return getattr(self.child, name)


def spawn(aws, *args):
    child = pexpect.spawn(
        AWS, list(args), env=aws.env(), encoding="utf-8", timeout=30,
        dimensions=(24, 120),
    )
    terminal = Terminal(child)
    terminal.expect("MFA code for " + aws.account.serial_number)
    return terminal


def written_sections(aws):
    parser = configparser.RawConfigParser()
    parser.read(aws.credentials)
    return parser.sections()


def test_prompt_names_the_device_and_shows_seconds_left(aws):
    child = spawn(aws, "mfa-switch", "--profile", "dev")
    child.expect(r"changes in\s+(\d+) s")
    assert 1 <= int(child.match.group(1)) <= 30
    child.sendcontrol("c")
    child.expect(pexpect.EOF)


def test_malformed_codes_are_refused_in_the_prompt_then_a_good_one_works(aws):
    child = spawn(aws, "mfa-switch", "--profile", "dev")
    for bad in ("12a456", "12345", "1234567", "\u0661\u0662\u0663\u0664\u0665\u0666"):
        child.send(bad + "\r")
        child.expect("six digits")
        child.sendcontrol("u")  # clear the line, as a person would
    code = aws.code()
    child.send(f"{code[:3]} {code[3:]}\r")
    child.expect("now uses .*assumed-role/AccessToTestDev/alice")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "dev" in written_sections(aws)


@pytest.mark.parametrize("key", ["c", "d"])
def test_ctrl_c_or_ctrl_d_cancels_with_130_and_writes_nothing(aws, key):
    before = aws.credentials.read_bytes()
    child = spawn(aws, "mfa-switch", "--profile", "dev")
    child.sendcontrol(key)
    child.expect("Cancelled")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert aws.credentials.read_bytes() == before
