"""Code sources and code validation (the terminal prompt is in test_prompt_pty)."""
import io

import pytest

from awscli_mfa_plugin.environment import Environment
from awscli_mfa_plugin.errors import InvalidCodeError, UsageError
from awscli_mfa_plugin.codes.prompt import (
    exchange_code, normalize_code, obtain_code, seconds_left)


class FakePrompter:
    def __init__(self, answer="654321"):
        self.asked = []
        self.notices = []
        self.answer = answer

    def ask(self, device, notice=None):
        self.asked.append(device)
        self.notices.append(notice)
        return self.answer


class Tty(io.StringIO):
    def isatty(self):
        return True


def env(stdin):
    return Environment(stdin=stdin, stdout=io.StringIO(),
                       stderr=io.StringIO(), environ={})


@pytest.mark.parametrize("text, code", [
    ("123456", "123456"), (" 123 456 ", "123456"), ("123456\n", "123456"),
    ("12345", None), ("1234567", None), ("12a456", None), ("", None),
    ("\u0661\u0662\u0663\u0664\u0665\u0666", None),  # Arabic-Indic digits
    ("\uff11\uff12\uff13\uff14\uff15\uff16", None),  # full-width digits
])
def test_normalize_code(text, code):
    assert normalize_code(text) == code


def test_seconds_left_counts_down_within_the_window():
    assert [seconds_left(now=t) for t in (0, 1, 29.9, 30)] == [30, 29, 1, 30]


def test_flag_wins_over_everything():
    prompter = FakePrompter()
    assert obtain_code("111 222", env(Tty()), prompter, "dev") == "111222"
    assert prompter.asked == []


def test_pipe_is_read_when_stdin_is_not_a_terminal():
    prompter = FakePrompter()
    assert obtain_code(None, env(io.StringIO("333444\n")), prompter, "d") == "333444"
    assert prompter.asked == []


def test_terminal_asks_the_prompter_naming_the_device():
    prompter = FakePrompter()
    assert obtain_code(None, env(Tty()), prompter, "arn:dev") == "654321"
    assert prompter.asked == ["arn:dev"]


@pytest.mark.parametrize("flag, stdin", [("12345", ""), (None, ""), (None, "abcdef\n")])
def test_bad_codes_without_a_person_fail_at_once(flag, stdin):
    with pytest.raises(UsageError):
        obtain_code(flag, env(io.StringIO(stdin)), None, "d")


def test_an_empty_pipe_leaves_the_code_to_a_person_when_there_is_one():
    # An IDE runs the command with nothing on stdin; a dialog can still ask.
    prompter = FakePrompter()
    assert obtain_code(None, env(io.StringIO("")), prompter, "d") == "654321"
    assert prompter.asked == ["d"]


class Sts:
    """Stands in for the STS call: refuses the first ``refusals`` codes."""

    def __init__(self, refusals):
        self.refusals = refusals
        self.codes = []

    def __call__(self, code):
        self.codes.append(code)
        if len(self.codes) <= self.refusals:
            raise InvalidCodeError("refused")
        return "credentials"


def test_a_person_is_asked_again_after_a_rejected_code():
    prompter, sts = FakePrompter(), Sts(refusals=2)
    assert exchange_code(None, env(Tty()), prompter, "dev", sts) == "credentials"
    assert len(sts.codes) == 3
    assert prompter.notices[0] is None
    assert "try 2 of 3" in prompter.notices[1] and "try 3 of 3" in prompter.notices[2]
    assert "wrong or already used" in prompter.notices[1]


def test_a_person_gets_three_tries_in_all():
    prompter, sts = FakePrompter(), Sts(refusals=5)
    with pytest.raises(InvalidCodeError, match="3 codes in a row"):
        exchange_code(None, env(Tty()), prompter, "dev", sts)
    assert len(sts.codes) == 3


@pytest.mark.parametrize("flag, stdin", [("123456", Tty()), (None, io.StringIO("123456\n"))])
def test_a_code_from_a_flag_or_a_pipe_fails_at_once(flag, stdin):
    prompter, sts = FakePrompter(), Sts(refusals=1)
    with pytest.raises(InvalidCodeError, match="refused"):
        exchange_code(flag, env(stdin), prompter, "dev", sts)
    assert len(sts.codes) == 1 and prompter.asked == []
