"""Codes from a YubiKey through ``ykman`` (``--prompt ykman``, ``mfa_prompt = ykman``).

The real ``aws`` runs with a stand-in ``ykman`` first on PATH
(tests/ykmanstandin.py: ykman's output formats, sentences and exit
statuses) against a loopback STS that takes each code once.  Waiting for
the next 30-second window is tested in-process with an injected clock.
"""
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from awscli_mfa_plugin.codes.spent import SpentCodes
from awscli_mfa_plugin.codes.ykman import YkmanSource
from awscli_mfa_plugin.errors import CodeProcessError, Unanswered, UsageError

from tests import awsenv
from tests.conftest import OFFLINE_ACCOUNT

STANDIN = Path(__file__).parent.parent / "ykmanstandin.py"
DEVICE = OFFLINE_ACCOUNT.serial_number  # arn:aws:iam::123456789012:mfa/alice
AWS_LABEL = "Amazon Web Services:alice@123456789012"
SEED = OFFLINE_ACCOUNT.mfa_seed
OTHER_SEED = b"another seed, not alice's"


class YubiKey:
    """The stand-in's state file and the folder holding its ``ykman``."""

    def __init__(self, folder):
        self.bin = folder / "bin"
        self.bin.mkdir()
        program = self.bin / "ykman"
        program.write_text(f"#!{sys.executable}\nimport runpy\n"
                           f"runpy.run_path({str(STANDIN)!r}, run_name='__main__')\n")
        program.chmod(program.stat().st_mode | stat.S_IXUSR)
        self.state_file = folder / "yubikey.json"
        self.set(accounts={AWS_LABEL: {"seed": SEED.hex()},
                           "GitHub:alice": {"seed": OTHER_SEED.hex()}})

    def set(self, **state):
        self.state_file.write_text(json.dumps(state))

    def update(self, **changes):
        state = json.loads(self.state_file.read_text())
        state.update(changes)
        self.set(**state)

    def runs(self):
        log = Path(str(self.state_file) + ".log")
        return [json.loads(line) for line in log.read_text().splitlines()] \
            if log.exists() else []

    def environ(self, base):
        return dict(base, YKMAN_STANDIN=str(self.state_file),
                    PATH=f"{self.bin}{os.pathsep}{base.get('PATH', '')}")


@pytest.fixture
def yubikey(tmp_path):
    return YubiKey(tmp_path)


@pytest.fixture
def home(isolated_home, one_time_sts):
    return awsenv.AwsHome(isolated_home, one_time_sts.url, OFFLINE_ACCOUNT)


def switch(home, yubikey, *flags, env=None):
    return subprocess.run(
        [awsenv.AWS, "mfa-switch", "--profile", "dev", *flags],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        env=yubikey.environ(env or home.env()))


def configure(home, *lines):
    text = home.config.read_text().replace(
        "[profile dev]\n", "[profile dev]\n" + "".join(line + "\n" for line in lines))
    home.config.write_text(text)


def sent_codes(one_time_sts):
    return [form["TokenCode"] for form in one_time_sts.exchanges()]


class TestCodes:
    def test_the_account_is_found_from_the_devices_arn(self, home, yubikey, one_time_sts):
        result = switch(home, yubikey, "--prompt", "ykman")
        assert result.returncode == 0, result.stderr
        assert ["oath", "accounts", "list"] in yubikey.runs()
        assert ["oath", "accounts", "code", "--single", AWS_LABEL] in yubikey.runs()
        # The code of the key's account (of this window, or the one before
        # should a window have ended since).
        [sent] = sent_codes(one_time_sts)
        assert sent in {awsenv.totp(SEED, time.time() - 30 * n) for n in range(3)}
        assert "[dev]" in home.credentials.read_text()

    def test_mfa_prompt_and_mfa_ykman_account_in_the_config(self, home, yubikey,
                                                            one_time_sts):
        yubikey.update(accounts={"aws-work": {"seed": SEED.hex()},
                                 AWS_LABEL: {"seed": OTHER_SEED.hex()}})
        configure(home, "mfa_prompt = ykman", "mfa_ykman_account = aws-work")
        result = switch(home, yubikey)
        assert result.returncode == 0, result.stderr
        assert yubikey.runs() == [["oath", "accounts", "code", "--single", "aws-work"]]
        assert len(sent_codes(one_time_sts)) == 1

    def test_an_account_named_the_arn_wins(self, home, yubikey, one_time_sts):
        yubikey.update(accounts={DEVICE: {"seed": SEED.hex()},
                                 AWS_LABEL: {"seed": OTHER_SEED.hex()}})
        result = switch(home, yubikey, "--prompt", "ykman")
        assert result.returncode == 0, result.stderr
        assert yubikey.runs()[-1] == ["oath", "accounts", "code", "--single", DEVICE]

    def test_a_key_that_needs_a_touch_says_so(self, home, yubikey, one_time_sts):
        yubikey.update(accounts={AWS_LABEL: {"seed": SEED.hex(), "touch": True}})
        result = switch(home, yubikey, "--prompt", "ykman")
        assert result.returncode == 0, result.stderr
        assert (f"Touch your YubiKey for the code of {DEVICE} (waiting at most "
                "30 s).") in result.stderr
        assert "Touch your YubiKey..." not in result.stderr  # ykman's own, not passed on

    def test_a_credential_process_needs_no_terminal(self, home, yubikey, one_time_sts):
        configure(home, "mfa_prompt = ykman")
        result = switch(home, yubikey, "--credential-process")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["Version"] == 1

    def test_the_flag_and_mfa_process_come_first(self, home, yubikey, one_time_sts):
        configure(home, "mfa_prompt = ykman")
        result = switch(home, yubikey, "--token-code", "123456")
        assert result.returncode == 0, result.stderr
        assert yubikey.runs() == []
        assert sent_codes(one_time_sts) == ["123456"]


def unchanged(home):
    return home.credentials.read_text()


#: (state of the key, the sentence, exit status)
FAILURES = [
    (dict(keys=0),
     f"No YubiKey is plugged in (ykman found none) to give the code for {DEVICE}; "
     "plug it in and try again.", 253),
    (dict(keys=2),
     "Several YubiKeys are plugged in and ykman cannot tell which one holds the "
     f"code for {DEVICE}; leave only that one plugged in.", 253),
    (dict(accounts={AWS_LABEL: {"seed": "00"}, "AWS:alice@123456789012": {"seed": "00"}}),
     f"Several OATH accounts on the YubiKey match {DEVICE} ('AWS:alice@123456789012', "
     f"'{AWS_LABEL}'); set mfa_ykman_account to the one to use.", 253),
    (dict(accounts={"GitHub:alice": {"seed": "00"}}),
     f"No OATH account on the YubiKey is named for {DEVICE}; set mfa_ykman_account "
     "to its name as 'ykman oath accounts list' shows it.", 253),
    (dict(accounts={AWS_LABEL: {"seed": "00", "touch": True}}, touch="never"),
     f"The YubiKey was not touched in time to give the code for {DEVICE}; nothing "
     "was changed.", 130),
    (dict(password=True),
     "The YubiKey's OATH accounts are protected by a password; run 'ykman oath "
     "access remember' once, so that ykman can read them without asking.", 253),
]


@pytest.mark.parametrize("state, sentence, status", FAILURES,
                         ids=["no key", "two keys", "two accounts", "no account",
                              "no touch", "password"])
def test_each_failure_is_one_sentence(home, yubikey, one_time_sts, state, sentence,
                                      status):
    before = unchanged(home)
    yubikey.update(**state)
    result = switch(home, yubikey, "--prompt", "ykman")
    assert (result.returncode, result.stderr.strip().splitlines()[-1]) == (
        status, sentence), result.stderr
    assert "Traceback" not in result.stderr
    assert unchanged(home) == before
    assert sent_codes(one_time_sts) == []


@pytest.mark.parametrize("account, sentence", [
    ("alice", "Several OATH accounts on the YubiKey match 'alice' (mfa_ykman_account); "
              "set it to an account's full name as 'ykman oath accounts list' shows it."),
    ("bob", "The YubiKey has no OATH account 'bob' (mfa_ykman_account); set it to a "
            "name 'ykman oath accounts list' shows."),
])
def test_a_configured_account_that_is_not_one(home, yubikey, one_time_sts, account,
                                              sentence):
    configure(home, "mfa_prompt = ykman", f"mfa_ykman_account = {account}")
    result = switch(home, yubikey)
    assert (result.returncode, result.stderr.strip()) == (253, sentence)


def test_ykman_missing_is_said_before_anything_else(home, yubikey, one_time_sts):
    configure(home, "mfa_prompt = ykman")
    env = home.env()
    (yubikey.bin / "ykman").unlink()
    result = switch(home, yubikey, env=env)
    assert (result.returncode, result.stderr.strip()) == (
        252, "mfa_prompt or --prompt asks for ykman, which is not installed (not on "
             "PATH); install YubiKey Manager (ykman), or choose another way to give "
             "the code.")
    assert sent_codes(one_time_sts) == []


class Clock:
    """Time that passes only when slept through."""

    def __init__(self, yubikey, now):
        self.yubikey, self.now, self.slept = yubikey, now, []
        yubikey.update(at=now)

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds
        self.yubikey.update(at=self.now)  # the key's clock moves too


class TestSpentCodes:
    def source(self, yubikey, tmp_path, clock, said, **options):
        spent = SpentCodes(str(tmp_path), clock=clock)
        return spent, YkmanSource(yubikey.environ(dict(os.environ)), said.append,
                                  spent=spent, clock=clock, sleep=clock.sleep, **options)

    def test_a_spent_window_is_waited_out_and_said(self, yubikey, tmp_path):
        clock, said = Clock(yubikey, 1_800_000_012.0), []
        spent, source = self.source(yubikey, tmp_path, clock, said)
        spent.add(DEVICE, awsenv.totp(SEED, clock.now))  # another run sent it
        code = source(DEVICE)
        assert clock.slept == [18]
        assert code == awsenv.totp(SEED, 1_800_000_030) != awsenv.totp(SEED, clock.now - 18)
        assert said == [f"The code the YubiKey gives now for {DEVICE} was already used "
                        "(STS accepts each code once); waiting 18 s for the next one."]

    def test_an_unspent_window_gives_its_code_at_once(self, yubikey, tmp_path):
        clock, said = Clock(yubikey, 1_800_000_012.0), []
        _, source = self.source(yubikey, tmp_path, clock, said)
        assert source(DEVICE) == awsenv.totp(SEED, clock.now)
        assert clock.slept == [] and said == []

    def test_a_code_spent_after_the_look_is_not_given(self, yubikey, tmp_path):
        class SentAfterTheLook(SpentCodes):
            def spent_this_window(self, device):
                return False  # another run sends its code just after this look

        clock, said = Clock(yubikey, 1_800_000_025.0), []
        spent = SentAfterTheLook(str(tmp_path), clock=clock)
        spent.add(DEVICE, awsenv.totp(SEED, clock.now))
        source = YkmanSource(yubikey.environ(dict(os.environ)), said.append,
                             spent=spent, clock=clock, sleep=clock.sleep)
        assert source(DEVICE) == awsenv.totp(SEED, 1_800_000_030)
        assert clock.slept == [5] and len(said) == 1


def test_a_ykman_that_never_answers_is_stopped(yubikey):
    yubikey.update(accounts={AWS_LABEL: {"seed": SEED.hex(), "touch": True}},
                   touch="hang")
    said = []
    source = YkmanSource(yubikey.environ(dict(os.environ)), said.append,
                         account=AWS_LABEL, limit=0.5)
    with pytest.raises(Unanswered) as raised:
        source(DEVICE)
    assert str(raised.value) == (
        f"The YubiKey gave no code for {DEVICE} within 0.5 s (not touched?), so "
        "ykman was stopped; nothing was changed.")
    assert said == [f"Touch your YubiKey for the code of {DEVICE} (waiting at most 0.5 s)."]


def test_errors_are_the_kinds_the_command_reports(yubikey):
    yubikey.update(keys=0)
    source = YkmanSource(yubikey.environ(dict(os.environ)), print)
    with pytest.raises(CodeProcessError):
        source(DEVICE)
    with pytest.raises(UsageError):
        YkmanSource({"PATH": "/nonexistent"}, print).check()


@pytest.mark.parametrize("change, sentence", [
    (dict(accounts={AWS_LABEL: {"seed": SEED.hex(), "digits": 8}}),
     f"ykman gave no six-digit code for the YubiKey account {AWS_LABEL!r}; AWS takes "
     "six-digit TOTP codes, so the account must be one made from AWS's QR code."),
    (dict(broken=True),
     "ykman failed with exit status 1 (Failed to connect to YubiKey.); run 'ykman oath "
     "accounts list' yourself to see why."),
])
def test_other_faults_of_the_key(yubikey, change, sentence):
    yubikey.update(**change)
    source = YkmanSource(yubikey.environ(dict(os.environ)), print, account=AWS_LABEL)
    with pytest.raises(CodeProcessError) as raised:
        source(DEVICE)
    assert str(raised.value) == sentence


def test_a_ykman_that_cannot_start(yubikey):
    program = yubikey.bin / "ykman"
    program.write_text("#!/nonexistent/python\n")
    source = YkmanSource(yubikey.environ(dict(os.environ)), print, account=AWS_LABEL)
    with pytest.raises(CodeProcessError) as raised:
        source(DEVICE)
    assert str(raised.value) == (
        f"ykman ({program}) cannot be run (No such file or directory); reinstall it, "
        "or choose another way to give the code.")
