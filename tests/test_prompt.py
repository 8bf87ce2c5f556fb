"""Code sources and code validation (the terminal prompt is in test_prompt_pty)."""
import io

import pytest

from awscli_mfa_plugin.environment import Environment
from awscli_mfa_plugin.errors import UsageError
from awscli_mfa_plugin.prompt import normalize_code, obtain_code, seconds_left


class FakePrompter:
    def __init__(self, answer="654321"):
        self.asked = []
        self.answer = answer

    def ask(self, device):
        self.asked.append(device)
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
        obtain_code(flag, env(io.StringIO(stdin)), FakePrompter(), "d")
