"""Code providers and code validation (the terminal prompt is in test_prompt_pty)."""
import io
import sys

import pytest

from awscli_mfa_plugin.environment import Environment
from awscli_mfa_plugin.errors import InvalidCodeError, ServiceError, UsageError
from awscli_mfa_plugin.codes.providers import (
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


# -- no code sent twice --------------------------------------------------------

class Answers(FakePrompter):
    """A person who types ``answers`` in turn."""

    def __init__(self, *answers):
        super().__init__()
        self.answers = list(answers)

    def ask(self, device, notice=None):
        super().ask(device, notice)
        return self.answers.pop(0)


class Spent:
    """Stands in for SpentCodes: ``codes`` were sent before."""

    def __init__(self, codes=(), this_window=False):
        self.codes = set(codes)
        self.this_window = this_window
        self.added = []

    def was_spent(self, device, code):
        return code in self.codes

    def spent_this_window(self, device):
        return self.this_window

    def add(self, device, code):
        self.added.append(code)


def test_a_person_hears_the_code_shown_was_used_and_a_spent_one_never_reaches_sts():
    prompter, sts = Answers("111111", "222222"), Sts(refusals=0)
    spent = Spent({"111111"}, this_window=True)
    assert exchange_code(None, env(Tty()), prompter, "dev", sts,
                         spent=spent) == "credentials"
    assert sts.codes == ["222222"] and spent.added == ["222222"]
    assert "already used by another switch" in prompter.notices[0]
    assert prompter.notices[1].startswith("That code was already used")
    assert "(try 2 of 3)" in prompter.notices[1]


def test_a_spent_code_from_a_flag_or_a_pipe_is_a_sentence():
    for flag, stdin in (("111111", Tty()), (None, io.StringIO("111111\n"))):
        sts = Sts(refusals=0)
        with pytest.raises(UsageError, match="was already used for dev "
                                             r"\(STS accepts each code once\)"):
            exchange_code(flag, env(stdin), None, "dev", sts, spent=Spent({"111111"}))
        assert sts.codes == []


def test_mfa_process_is_run_again_once_the_next_code_is_there(tmp_path):
    counter = tmp_path / "count"
    command = (f"{sys.executable} -c \"import pathlib; p = pathlib.Path("
               f"{str(counter)!r}); n = len(p.read_text()) if p.exists() else 0; "
               "p.write_text('x' * (n + 1)); print(['111111', '222222'][n])\"")
    slept, sts = [], Sts(refusals=0)
    streams = env(io.StringIO(""))
    assert exchange_code(None, streams, None, "dev", sts, process=command,
                         spent=Spent({"111111"}), sleep=slept.append) == "credentials"
    assert sts.codes == ["222222"] and len(slept) == 1 and 1 < slept[0] <= 31
    assert "was already used (STS accepts each code once); waiting" in \
        streams.stderr.getvalue()


def test_a_code_sts_took_is_remembered_even_when_the_switch_fails():
    def refused(code):
        raise ServiceError("not authorized")

    spent = Spent()
    with pytest.raises(ServiceError):
        exchange_code("333333", env(Tty()), None, "dev", refused, spent=spent)
    assert spent.added == ["333333"]
    with pytest.raises(InvalidCodeError):
        exchange_code("444444", env(Tty()), None, "dev", Sts(refusals=1), spent=spent)
    assert spent.added == ["333333"]


def test_a_provider_added_to_the_list_gives_the_code_and_nobody_is_asked(
        monkeypatch):
    """The extension point: one object in PROVIDERS, tried in its place."""
    from awscli_mfa_plugin.codes import providers

    class Fixed:
        configured, renews = True, False

        def applies(self, ask):
            return ask.choice == "fixed"

        def code(self, ask):
            return "246810", "the fixed source"

    monkeypatch.setattr(providers, "PROVIDERS", (
        providers.TokenFlag(), Fixed(), *providers.PROVIDERS[1:]))
    prompter = FakePrompter()
    assert exchange_code(None, env(Tty()), prompter, "dev", lambda code: code,
                         choice="fixed") == "246810"
    assert prompter.asked == []
    assert providers.configured(providers.Ask(None, env(Tty()), choice="fixed"))
    assert not providers.configured(providers.Ask(None, env(Tty())))
    # The flag comes first, as for every source.
    assert exchange_code("111111", env(Tty()), prompter, "dev",
                         lambda code: code, choice="fixed") == "111111"
