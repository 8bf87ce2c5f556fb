"""Many callers, one code: real processes on one pseudo-terminal.

Terraform starts one credential process per provider at once; scripts run
switches in parallel.  Here a bash on one pseudo-terminal (pexpect) starts
several real ``aws-mfa-switch`` / ``aws mfa-switch`` processes in the
background, as such tools do, against a loopback STS that - like STS -
refuses a code it has already accepted (tests/fakests.py ``OneTimeSts``).
"""
import contextlib
import io
import json
import os
import re
import subprocess
import sys
import time

import pexpect
import pytest

from awscli_mfa_plugin.codes.providers import seconds_left

from tests import awsenv
from tests.conftest import OFFLINE_ACCOUNT
from tests.codes.test_prompt_pty import Terminal

CALLER = str(awsenv.BIN / "aws-mfa-switch")
PROMPT = "MFA code for " + OFFLINE_ACCOUNT.serial_number
WAITING = "waiting for it to finish"
PROD_ROLE = "arn:aws:iam::123456789012:role/AccessToTestProd"

#: Start every command of $COMMANDS (one a line) in the background, each
#: with its own stdout and stderr file, and wait for all of them.  Without
#: job control they share the terminal's foreground process group, as the
#: children of Terraform do.
DRIVER = r'''
i=0
while IFS= read -r line; do
  i=$((i+1))
  eval "$line" > "$OUT/out$i" 2> "$OUT/err$i" &
done <<< "$COMMANDS"
wait
echo "ALL DONE"
'''


@pytest.fixture
def home(isolated_home, one_time_sts):
    return awsenv.AwsHome(isolated_home, one_time_sts.url, OFFLINE_ACCOUNT)


def add_prod(home, own_code=False):
    """A second role profile on the same source profile and device.

    With ``own_code`` it asks for two hours, more than a role assumed from
    the MFA session dev's switch keeps may last: it needs a code of its own.
    """
    with open(home.config, "a") as handle:
        handle.write(
            "\n[profile prod]\n"
            f"mfa_role_arn = {PROD_ROLE}\n"
            "mfa_source_profile = default\n"
            f"mfa_serial = {OFFLINE_ACCOUNT.serial_number}\n"
            + ("mfa_duration_seconds = 7200\n" if own_code else "")
            + "region = eu-west-1\n")


def start(home, tmp_path, *commands):
    """bash on a new pseudo-terminal, starting ``commands`` all at once."""
    env = home.env(OUT=str(tmp_path), COMMANDS="\n".join(commands),
                   CALLER=CALLER, AWS=awsenv.AWS)
    child = pexpect.spawn("bash", ["-c", DRIVER], env=env, encoding="utf-8",
                          timeout=90, dimensions=(24, 160))
    child.logfile_read = io.StringIO()  # all the terminal showed
    return Terminal(child)


def shown(terminal):
    """Everything the terminal showed so far."""
    return terminal.child.logfile_read.getvalue()


def errors_of(tmp_path, count):
    return [(tmp_path / f"err{i}").read_text() for i in range(1, count + 1)]


def wait_until_waiting(tmp_path, count, others, terminal=None, timeout=90):
    """Until ``others`` of the ``count`` callers say they wait for the first.

    Callers write that on their stderr: a file, or the terminal.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        said = [text for text in errors_of(tmp_path, count) if WAITING in text]
        if terminal is not None:
            with contextlib.suppress(pexpect.TIMEOUT):
                terminal.child.expect(pexpect.TIMEOUT, timeout=0.1)
            said += [WAITING] * shown(terminal).count(WAITING)
        if len(said) >= others:
            return said
        time.sleep(0.2)
    raise AssertionError(f"not {others} waiting: {errors_of(tmp_path, count)}")


def answers(tmp_path, count):
    return [json.loads((tmp_path / f"out{i}").read_text())
            for i in range(1, count + 1)]


def next_prompt(terminal):
    """Wait for the next prompt to start (see :func:`prompts`) and show itself."""
    terminal.expect(re.escape("\x1b[?2004h"))
    terminal.expect(PROMPT)


def prompts(seen):
    """How many prompts the terminal showed.

    prompt_toolkit redraws a prompt many times, but turns the terminal's
    bracketed paste mode on once when a prompt starts.
    """
    assert seen.count("\x1b[?2004h") == seen.count("\x1b[?2004l")
    return seen.count("\x1b[?2004h")


def finish(terminal):
    terminal.expect("ALL DONE")
    terminal.expect(pexpect.EOF)
    return shown(terminal)


PROCESS = '"$CALLER" --profile dev --credential-process'
FULL_PROCESS = '"$AWS" mfa-switch --profile dev --credential-process'


def test_four_credential_processes_share_one_prompt_and_one_exchange(
        home, one_time_sts, tmp_path):
    before = home.credentials.read_bytes()
    terminal = start(home, tmp_path, *[PROCESS] * 4)
    terminal.expect(PROMPT)
    # The other three wait for this prompt before anyone types a code.
    said = wait_until_waiting(tmp_path, 4, others=3)
    terminal.send("123456\r")
    seen = finish(terminal)

    assert prompts(seen) == 1
    assert [form["TokenCode"] for form in one_time_sts.exchanges()] == ["123456"]
    stored = answers(tmp_path, 4)
    assert all(answer == stored[0] for answer in stored)
    assert stored[0]["Version"] == 1 and stored[0]["AccessKeyId"]
    for text in said:
        assert re.search(r"Another mfa-switch \(process \d+, switching 'dev'\) "
                         "is using the MFA device "
                         + re.escape(OFFLINE_ACCOUNT.serial_number)
                         + r"; waiting for it to finish \(at most 60 s\)\.", text)
        assert text.count(WAITING) == 1
    assert home.credentials.read_bytes() != before


def test_switches_of_every_kind_wait_for_one_another(home, one_time_sts, tmp_path):
    # The fast path falling through, the full credential process, a plain
    # switch and --all, all needing the device's code at once; the plain
    # ones ask (and say what they wait for) on the terminal.
    status = '; echo "status $?" >&2'
    terminal = start(home, tmp_path, PROCESS + status, FULL_PROCESS + status,
                     '"$AWS" mfa-switch --profile dev <>/dev/tty 2>&0' + status,
                     '"$AWS" mfa-switch --all <>/dev/tty 2>&0' + status)
    terminal.expect(PROMPT)
    wait_until_waiting(tmp_path, 4, others=3, terminal=terminal)
    terminal.send("123456\r")
    seen = finish(terminal)

    assert prompts(seen) == 1
    assert len(one_time_sts.exchanges()) == 1
    assert all("status 0" in text for text in errors_of(tmp_path, 4))
    first, second = answers(tmp_path, 2)
    assert first == second and first["AccessKeyId"].startswith("ASIA")
    assert "Traceback" not in seen + "".join(errors_of(tmp_path, 4))


def test_ctrl_c_at_the_one_prompt_cancels_every_caller(home, one_time_sts, tmp_path):
    before = home.credentials.read_bytes()
    terminal = start(home, tmp_path,
                     *[PROCESS + '; echo "status $?" >&2'] * 4)
    terminal.expect(PROMPT)
    wait_until_waiting(tmp_path, 4, others=3)
    terminal.sendcontrol("c")
    finish(terminal)

    errors = errors_of(tmp_path, 4)
    assert all("status 130" in text for text in errors), errors
    assert sum("Cancelled; nothing was changed." in text for text in errors) == 1
    waiters = [text for text in errors if WAITING in text]
    assert len(waiters) == 3
    for text in waiters:
        assert re.search(r"The prompt of another mfa-switch \(process \d+\) for "
                         "the code of " + re.escape(OFFLINE_ACCOUNT.serial_number)
                         + " was cancelled while this one waited for it; "
                         "nothing was changed.", text)
        assert "Traceback" not in text
    assert all((tmp_path / f"out{i}").read_text() == "" for i in range(1, 5))
    assert one_time_sts.exchanges() == []
    assert home.credentials.read_bytes() == before


def test_a_second_exchange_asks_for_the_next_code_and_never_resends_one(
        home, one_time_sts, tmp_path):
    # dev and prod: two roles, two exchanges (prod's direct), one device.
    add_prod(home, own_code=True)
    terminal = start(home, tmp_path, PROCESS,
                     '"$CALLER" --profile prod --credential-process')
    next_prompt(terminal)
    wait_until_waiting(tmp_path, 2, others=1)
    terminal.send("111111\r")
    # The second caller asks in its turn; the spent code is refused before
    # it reaches STS, and the next one is taken.
    next_prompt(terminal)
    terminal.send("111111\r")
    terminal.expect(r"That code was already used \(STS accepts each code "
                    r"once\); wait for the next code, in\s+\d+ s, and type it "
                    r"\(try 2 of 3\)\.")
    next_prompt(terminal)
    terminal.send("222222\r")
    finish(terminal)

    codes = [form["TokenCode"] for form in one_time_sts.exchanges()]
    assert codes == ["111111", "222222"]
    dev, prod = answers(tmp_path, 2)
    assert dev["AccessKeyId"] != prod["AccessKeyId"]


def test_a_token_code_already_spent_is_a_sentence_not_an_sts_call(home, one_time_sts):
    add_prod(home)
    first = home.run("mfa-switch", "--profile", "dev", "--token-code", "333333")
    assert first.returncode == 0, first.stderr
    before = home.credentials.read_bytes()
    again = home.run("mfa-switch", "--profile", "prod", "--token-code", "333 333")
    assert again.returncode == 252
    assert re.fullmatch(
        r"The MFA code from --token-code was already used for "
        + re.escape(OFFLINE_ACCOUNT.serial_number)
        + r" \(STS accepts each code once\); wait for the next code, in \d+ s, "
        r"and pass that\.\n", again.stderr)
    assert len(one_time_sts.exchanges()) == 1
    assert home.credentials.read_bytes() == before


def test_what_is_remembered_is_private_and_holds_no_code(home, one_time_sts):
    assert home.run("mfa-switch", "--profile", "dev",
                    "--token-code", "444444").returncode == 0
    folder = home.dot_aws / "cli" / "mfa-switch"
    assert os.stat(folder).st_mode & 0o777 == 0o700
    files = list(folder.iterdir())
    assert files
    for path in files:
        assert os.stat(path).st_mode & 0o077 == 0
        assert "444444" not in path.read_text()


#: mfa_process for scripts: prints a code that changes every 30 seconds,
#: as a key such as ykman does.
WINDOW_CODE = ("{python} -c \"import time; "
               "print('%06d' % (int(time.time() // 30) % 1000000))\"")


def test_parallel_scripts_with_mfa_process_wait_for_the_next_code(
        home, one_time_sts, tmp_path):
    add_prod(home, own_code=True)
    process = "mfa_process = " + WINDOW_CODE.format(python=sys.executable)
    text = home.config.read_text()
    for name in ("dev", "prod"):
        text = text.replace(f"[profile {name}]\n", f"[profile {name}]\n{process}\n")
    home.config.write_text(text)
    # Start early in a code's window, so that both need its code.
    if seconds_left() < 25:
        time.sleep(seconds_left())
    runs = [subprocess.Popen(
        [awsenv.AWS, "mfa-switch", "--profile", name], env=home.env(),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True)
        for name in ("dev", "prod")]
    results = [run.communicate(timeout=120) for run in runs]

    assert [run.returncode for run in runs] == [0, 0], results
    codes = [form["TokenCode"] for form in one_time_sts.exchanges()]
    assert len(codes) == 2 and codes[0] != codes[1]
    said = "".join(err for _, err in results)
    assert "waiting for it to finish" in said
    assert re.search(r"The code from the mfa_process command '.*' was already "
                     r"used \(STS accepts each code once\); waiting \d+ s for "
                     r"the next one\.", said), said


def test_the_second_caller_renews_from_the_first_callers_session(
        home, one_time_sts, tmp_path):
    # dev and prod at once: one asks, the other waits and assumes its role
    # from the MFA session the first one kept - one code for both.
    add_prod(home)
    terminal = start(home, tmp_path, PROCESS,
                     '"$CALLER" --profile prod --credential-process')
    next_prompt(terminal)
    wait_until_waiting(tmp_path, 2, others=1)
    terminal.send("111111\r")
    finish(terminal)
    assert [form["TokenCode"] for form in one_time_sts.exchanges()] == [
        "111111"]
    dev, prod = answers(tmp_path, 2)
    assert dev["AccessKeyId"] != prod["AccessKeyId"]


#: The stable part of each sentence of README's "Many callers and dialogs"
#: rows, with its exit status.
README_ROWS = [
    ("need a new MFA code and there is no terminal to ask for it on", 252),
    ("was already used for arn:aws:iam::123456789012:mfa/alice (STS accepts "
     "each code once); wait for the next code", 252),
    ("which is not one of auto, terminal, zenity, kdialog, osascript, "
     "powershell, ykman.", 252),
    ("which is not installed (not on PATH); install it, or choose another of",
     252),
    ("but there is no desktop session to show it in (DISPLAY and "
     "WAYLAND_DISPLAY are unset)", 252),
    ("in the dialog within 60 s; nothing was changed.", 130),
    ("was cancelled while this one waited for it; nothing was changed.", 130),
    ("went unanswered while this one waited for it; nothing was changed.", 130),
    ("for more than 60 s, so this one stopped waiting and changed nothing; "
     "answer or cancel its prompt, then try again.", 255),
    ("The zenity dialog that asks for the MFA code failed (", 255),
    ("it is a symbolic link; remove it (it holds nothing but locks and "
     "notes) and try again.", 253),
]


@pytest.mark.parametrize("fragment, status", README_ROWS)
def test_the_catalogue_lists_the_sentence(fragment, status):
    from tests.test_errors_e2e import catalogue_rows

    rows = [line for line in catalogue_rows() if fragment in line]
    assert rows, fragment
    assert any(f"| {status} |" in row for row in rows)
