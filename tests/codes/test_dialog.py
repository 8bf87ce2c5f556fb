"""A code without a terminal: the desktop dialogs, and failing at once without one.

The end-to-end tests run the real zenity on a virtual X display (Xvfb) and
type into it with xdotool, while the caller runs in a session of its own
(``setsid``: no controlling terminal), as an IDE or a GUI application
starts a ``credential_process``.  macOS's and Windows' dialogs are covered
by the command lines they run.
"""
import io
import json
import os
import shutil
import subprocess
import time

import pytest

from awscli_mfa_plugin.codes import asker, dialog
from awscli_mfa_plugin.codes.dialog import DialogPrompter
from awscli_mfa_plugin.codes.providers import seconds_left
from awscli_mfa_plugin.codes.source import CodeSource
from awscli_mfa_plugin.environment import Environment
from awscli_mfa_plugin.errors import Cancelled, DialogError, Unanswered, UsageError
from awscli_mfa_plugin.plan.recipe import Recipe
from tests import awsenv
from tests.conftest import OFFLINE_ACCOUNT

CALLER = str(awsenv.BIN / "aws-mfa-switch")
SERIAL = OFFLINE_ACCOUNT.serial_number
NO_TERMINAL = ("The credentials of 'dev' need a new MFA code and there is no "
               "terminal to ask for it on; run 'aws mfa-switch --profile dev' "
               "in a terminal first.")


# -- end to end: zenity on Xvfb ----------------------------------------------

def _missing_desktop_tools():
    return [tool for tool in ("Xvfb", "zenity", "xdotool")
            if shutil.which(tool) is None]


@pytest.fixture
def display():
    """A virtual X display (``:N``), stopped after the test."""
    missing = _missing_desktop_tools()
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (apt-get install "
                    "xvfb zenity xdotool; .ci/run does)")
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0",
         "1024x768x24"], pass_fds=(write,), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        with os.fdopen(read) as handle:
            number = handle.readline().strip()
        if not number:
            pytest.skip("Xvfb did not start")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def home(isolated_home, one_time_sts):
    return awsenv.AwsHome(isolated_home, one_time_sts.url, OFFLINE_ACCOUNT)


def without_terminal(home, *args, **env):
    """Start a caller in a new session (no controlling terminal), stdin empty."""
    return subprocess.Popen(
        [CALLER, *args], env=home.env(**env), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)


def xdotool(display, *args, timeout=60):
    return subprocess.run(["xdotool", *args], env={**os.environ, "DISPLAY": display},
                          capture_output=True, text=True, timeout=timeout)


class Dialogs:
    """The zenity dialogs one caller shows, one process each."""

    def __init__(self, display, caller):
        self.display = display
        self.caller = caller
        self.seen = []

    def next(self):
        """``(process ID, window)`` of the caller's next zenity dialog."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            children = subprocess.run(
                ["pgrep", "-P", str(self.caller.pid), "zenity"],
                capture_output=True, text=True).stdout.split()
            fresh = [pid for pid in children if pid not in self.seen]
            if fresh:
                windows = self._windows(fresh[0])
                if windows:
                    self.seen.append(fresh[0])
                    return fresh[0], windows[0]
            time.sleep(0.1)
        raise AssertionError("no dialog appeared")

    def type(self, text):
        """Type ``text`` and Enter into the next dialog, early in a code's window.

        The dialog closes and opens again when the code changes; typing
        early in a window lands in one dialog.
        """
        pid, window = self.next()
        if seconds_left() < 10:
            pid, window = self.next()
        xdotool(self.display, "windowfocus", "--sync", window)
        xdotool(self.display, "type", "--delay", "30", text)
        xdotool(self.display, "key", "Return")
        return window

    def _windows(self, pid):
        # GTK gives a dialog a hidden leader window too: the one with the
        # title is the dialog.
        by_pid = xdotool(self.display, "search", "--pid", pid).stdout.split()
        by_title = xdotool(self.display, "search", "--name",
                           "mfa-switch: dev").stdout.split()
        return [window for window in by_title if window in by_pid]


def test_a_caller_without_a_terminal_gets_its_json_through_the_dialog(
        home, one_time_sts, display):
    caller = without_terminal(home, "--profile", "dev", "--credential-process",
                              DISPLAY=display)
    dialogs = Dialogs(display, caller)
    dialogs.type("12a4")       # not six digits: asked again
    dialogs.type("654321")
    out, err = caller.communicate(timeout=60)

    assert caller.returncode == 0, err
    answer = json.loads(out)
    assert answer["Version"] == 1 and answer["AccessKeyId"].startswith("ASIA")
    assert [form["TokenCode"] for form in one_time_sts.exchanges()] == ["654321"]
    assert "Traceback" not in err


def test_cancel_in_the_dialog_exits_130_and_writes_nothing(home, one_time_sts, display):
    before = home.credentials.read_bytes()
    caller = without_terminal(home, "--profile", "dev", "--credential-process",
                              DISPLAY=display)
    _, window = Dialogs(display, caller).next()
    xdotool(display, "windowfocus", "--sync", window)
    xdotool(display, "key", "Escape")
    out, err = caller.communicate(timeout=60)

    assert caller.returncode == 130
    assert (out, err) == ("", "Cancelled; nothing was changed.\n")
    assert one_time_sts.exchanges() == []
    assert home.credentials.read_bytes() == before


def test_without_display_or_terminal_it_fails_within_a_second(home, one_time_sts):
    before = home.credentials.read_bytes()
    started = time.monotonic()
    caller = without_terminal(home, "--profile", "dev", "--credential-process")
    out, err = caller.communicate(timeout=60)
    took = time.monotonic() - started

    assert took < 1.0, f"took {took:.2f} s"
    assert caller.returncode == 252
    assert (out, err) == ("", NO_TERMINAL + "\n")
    assert one_time_sts.exchanges() == []
    assert home.credentials.read_bytes() == before


def test_the_full_command_says_the_same_without_waiting(home, one_time_sts):
    started = time.monotonic()
    caller = subprocess.run(
        [awsenv.AWS, "mfa-switch", "--profile", "dev", "--credential-process"],
        env=home.env(), stdin=subprocess.DEVNULL, capture_output=True,
        text=True, start_new_session=True, timeout=60)
    assert caller.returncode == 252
    assert caller.stderr == NO_TERMINAL + "\n"
    assert time.monotonic() - started < 30
    assert not (home.dot_aws / "cli" / "mfa-switch").exists()


def test_a_dialog_named_but_not_installed_is_a_sentence(home, one_time_sts):
    caller = without_terminal(home, "--profile", "dev", "--credential-process",
                              "--prompt", "kdialog", DISPLAY=":99",
                              PATH=os.path.dirname(CALLER))
    out, err = caller.communicate(timeout=60)
    assert caller.returncode == 252
    assert err == ("mfa_prompt or --prompt asks for kdialog, which is not "
                   "installed (not on PATH); install it, or choose another of "
                   "auto, terminal, zenity, kdialog, osascript, powershell, ykman.\n")


def test_a_display_where_there_is_none_is_the_dialogs_failure(home, one_time_sts):
    if shutil.which("zenity") is None:
        pytest.skip("zenity not installed (apt-get install zenity; .ci/run does)")
    caller = without_terminal(home, "--profile", "dev", "--credential-process",
                              "--prompt", "zenity", DISPLAY=":99")
    out, err = caller.communicate(timeout=60)
    assert caller.returncode == 255
    assert err.startswith("The zenity dialog that asks for the MFA code failed (")
    assert "cannot open display: :99" in err
    assert err.endswith("); choose another way to be asked with --prompt or "
                        "mfa_prompt.\n")


def test_a_named_dialog_without_a_desktop_is_a_sentence(home, one_time_sts):
    if shutil.which("zenity") is None:
        pytest.skip("zenity not installed (apt-get install zenity; .ci/run does)")
    caller = without_terminal(home, "--profile", "dev", "--credential-process",
                              "--prompt", "zenity")
    out, err = caller.communicate(timeout=60)
    assert caller.returncode == 252
    assert err == ("mfa_prompt or --prompt asks for a zenity dialog, but there is "
                   "no desktop session to show it in (DISPLAY and "
                   "WAYLAND_DISPLAY are unset); choose terminal, or run where a "
                   "desktop is.\n")


def test_mfa_prompt_must_be_one_of_the_choices(home, one_time_sts):
    with open(home.config, "a") as handle:
        handle.write("\n[profile popup]\nmfa_source_profile = default\n"
                     f"mfa_serial = {SERIAL}\nmfa_prompt = popup\n")
    result = home.run("mfa-switch", "--profile", "popup", "--token-code", "123456")
    assert result.returncode == 252
    assert result.stderr == (
        "The mfa_prompt of 'popup' is 'popup', which is not one of auto, "
        "terminal, zenity, kdialog, osascript, powershell, ykman.\n")
    assert one_time_sts.requests == []


# -- which way of asking ------------------------------------------------------

def which_of(*present):
    return lambda name, path=None: f"/usr/bin/{name}" if name in present else None


@pytest.mark.parametrize("choice, terminal, environ, platform, present, expected", [
    ("auto", True, {"DISPLAY": ":0"}, "linux", ("zenity",), "terminal"),
    (None, False, {"DISPLAY": ":0"}, "linux", ("zenity", "kdialog"), "zenity"),
    ("auto", False, {"WAYLAND_DISPLAY": "wayland-0"}, "linux", ("kdialog",), "kdialog"),
    ("auto", False, {"DISPLAY": ":0", "XDG_CURRENT_DESKTOP": "KDE"}, "linux",
     ("zenity", "kdialog"), "kdialog"),
    ("auto", False, {}, "linux", ("zenity",), None),
    ("auto", False, {"DISPLAY": ":0"}, "linux", (), None),
    ("auto", False, {}, "darwin", ("osascript",), "osascript"),
    ("auto", False, {}, "win32", ("pwsh",), "powershell"),
    ("terminal", False, {"DISPLAY": ":0"}, "linux", ("zenity",), None),
    ("zenity", True, {}, "linux", (), "zenity"),
])
def test_how_to_ask(choice, terminal, environ, platform, present, expected):
    assert asker.how_to_ask(choice, terminal, environ, platform,
                            which_of(*present)) == expected


def test_a_choice_that_is_not_one_names_where_it_came_from():
    with pytest.raises(UsageError, match=r"The mfa_prompt of 'dev' is 'popup', "
                                         "which is not one of auto, terminal"):
        asker.check_choice("popup", "mfa_prompt of 'dev'")


# -- the command lines of each dialog -----------------------------------------

HOSTILE = "dev; rm -rf ~ $(reboot) `id` \"'_x"


def test_zenity_runs_an_entry_that_closes_with_the_code():
    argv, extra = dialog.Zenity("/usr/bin/zenity").command(
        "mfa-switch: " + HOSTILE, "Profile " + HOSTILE + "\\n", 17)
    assert argv == ["/usr/bin/zenity", "--entry", "--title", "mfa-switch: " + HOSTILE,
                    "--text", "Profile dev; rm -rf ~ $(reboot) `id` \"'__x\\\\n",
                    "--timeout", "17"]
    assert extra == {}
    tool = dialog.Zenity("zenity")
    assert tool.reading(0, "123456\n", "") == (dialog.OK, "123456\n")
    assert tool.reading(1, "", "")[0] == dialog.CANCEL
    assert tool.reading(5, "", "")[0] == dialog.TIMEOUT
    assert tool.reading(255, "", "Gtk: cannot open display\n") == \
        (dialog.FAILED, "Gtk: cannot open display")
    assert tool.reading(1, "", "(zenity:1): Gtk-WARNING **: cannot open "
                               "display: :99\n")[0] == dialog.FAILED


def test_kdialog_runs_an_input_box():
    argv, extra = dialog.KDialog("/usr/bin/kdialog").command(HOSTILE, "text", 9)
    assert argv == ["/usr/bin/kdialog", "--title", HOSTILE, "--inputbox", "text", ""]
    assert dialog.KDialog("k").reading(1, "", "")[0] == dialog.CANCEL


def test_osascript_passes_what_it_shows_as_arguments_of_a_fixed_script():
    argv, extra = dialog.OsaScript("/usr/bin/osascript").command(
        "mfa-switch: dev", "Profile " + HOSTILE, 12)
    script = [argv[i + 1] for i in range(1, len(argv) - 3, 2)]
    assert argv[0] == "/usr/bin/osascript"
    assert argv[1:-3:2] == ["-e"] * len(dialog.OSASCRIPT_LINES)
    assert tuple(script) == dialog.OSASCRIPT_LINES
    assert argv[-3:] == ["Profile " + HOSTILE, "mfa-switch: dev", "12"]
    assert "giving up after ((item 3 of argv) as integer)" in script[1]
    assert not any(HOSTILE in line for line in script)
    tool = dialog.OsaScript("osascript")
    assert tool.reading(0, "code:123456\n", "") == (dialog.OK, "123456")
    assert tool.reading(0, "timeout\n", "")[0] == dialog.TIMEOUT
    assert tool.reading(1, "", "execution error: User canceled. (-128)\n")[0] == \
        dialog.CANCEL


def test_powershell_reads_what_it_shows_from_the_environment():
    argv, extra = dialog.PowerShell(r"C:\Windows\powershell.exe").command(
        "mfa-switch: " + HOSTILE, "Profile " + HOSTILE, 12)
    assert argv == [r"C:\Windows\powershell.exe", "-NoProfile", "-NoLogo",
                    "-Command", dialog.POWERSHELL_SCRIPT]
    assert HOSTILE not in dialog.POWERSHELL_SCRIPT
    assert extra == {"MFA_SWITCH_DIALOG_TEXT": "Profile " + HOSTILE,
                     "MFA_SWITCH_DIALOG_TITLE": "mfa-switch: " + HOSTILE}
    assert "[Microsoft.VisualBasic.Interaction]::InputBox(" \
           "$env:MFA_SWITCH_DIALOG_TEXT, $env:MFA_SWITCH_DIALOG_TITLE" \
           in dialog.POWERSHELL_SCRIPT
    tool = dialog.PowerShell("powershell")
    assert tool.reading(0, "123456", "") == (dialog.OK, "123456")
    assert tool.reading(1, "", "")[0] == dialog.CANCEL


# -- the dialog's questions, with a scripted program -------------------------

class Clock:
    def __init__(self, now=1010.0):  # 10 s left in its window
        self.now = now

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class Program:
    """Stands in for subprocess.run: each call answers the next (status, stdout)."""

    def __init__(self, clock, *answers, takes=1.0):
        self.clock = clock
        self.answers = list(answers)
        self.calls = []
        self.takes = takes

    def __call__(self, argv, **options):
        self.calls.append((argv, options))
        self.clock.now += self.takes
        status, out = self.answers.pop(0)
        return subprocess.CompletedProcess(argv, status, out.encode(), b"")


def desktop_env(**environ):
    environ.setdefault("DISPLAY", ":0")
    environ.setdefault("PATH", os.path.dirname(shutil.which("sh")))
    return Environment(io.StringIO(), io.StringIO(), io.StringIO(), environ,
                       platform="linux")


@pytest.fixture
def fake_zenity(tmp_path):
    path = tmp_path / "zenity"
    path.write_text("#!/bin/sh\nexit 1\n")
    path.chmod(0o755)
    return str(tmp_path)


def prompter(fake_zenity, clock, program, profile="dev"):
    return DialogPrompter("zenity", profile, desktop_env(PATH=fake_zenity),
                          run=program, clock=clock, sleep=clock.sleep)


def test_the_dialog_names_profile_and_device_and_asks_until_six_digits(fake_zenity):
    clock = Clock()
    program = Program(clock, (0, "12a\n"), (0, " 123 456\n"))
    assert prompter(fake_zenity, clock, program).ask(SERIAL, notice="A notice.") \
        == "123456"
    (first, options), (second, _) = program.calls
    text = first[first.index("--text") + 1]
    assert first[first.index("--title") + 1] == "mfa-switch: dev"
    assert "MFA code for the profile 'dev'" in text and f"Device: {SERIAL}" in text
    assert "A notice." in text and "The current code changes in 10 s" in text
    assert first[first.index("--timeout") + 1] == "10"
    assert dialog.INVALID in second[second.index("--text") + 1]
    assert options["stdin"] == subprocess.DEVNULL and options["env"]["DISPLAY"] == ":0"


def test_the_dialog_opens_again_for_each_new_code_then_gives_up(fake_zenity):
    clock = Clock()
    program = Program(clock, *[(5, "")] * 10, takes=10.0)
    with pytest.raises(Unanswered, match=r"Nobody typed the MFA code for 'dev' in "
                                         r"the dialog within 60 s; nothing was "
                                         r"changed\."):
        prompter(fake_zenity, clock, program).ask(SERIAL)
    timeouts = [int(argv[argv.index("--timeout") + 1]) for argv, _ in program.calls]
    assert all(1 <= seconds <= 30 for seconds in timeouts)
    assert 4 <= len(timeouts) <= 7


def test_cancel_and_a_failing_program_are_sentences(fake_zenity):
    clock = Clock()
    with pytest.raises(Cancelled, match="Cancelled; nothing was changed."):
        prompter(fake_zenity, clock, Program(clock, (1, ""))).ask(SERIAL)
    with pytest.raises(DialogError, match="The zenity dialog that asks for the "
                                          "MFA code failed"):
        prompter(fake_zenity, clock, Program(clock, (255, ""))).ask(SERIAL)


def test_a_dialog_without_a_desktop_is_a_sentence(fake_zenity):
    ask = DialogPrompter("zenity", "dev", desktop_env(PATH=fake_zenity, DISPLAY=""))
    with pytest.raises(UsageError, match="there is no desktop session"):
        ask.ask(SERIAL)


class FakeDialog:
    made = []

    def __init__(self, name, profile, env):
        self.made.append((name, profile))

    def ask(self, device, notice=None):
        return "123456"

    def tool(self):
        return None


RECIPE = Recipe("dev", "dev", "default", SERIAL, "arn:aws:iam::1:role/r")


def test_credential_process_mode_uses_a_dialog_when_there_is_no_terminal(fake_zenity):
    FakeDialog.made = []
    env = Environment(io.StringIO("stdin belongs to the SDK\n"), io.StringIO(),
                      io.StringIO(), {"DISPLAY": ":0", "PATH": fake_zenity},
                      open_terminal=lambda: None, platform="linux")
    codes = CodeSource(env, None, None, for_process=True, dialog_class=FakeDialog)
    assert codes.exchange(RECIPE, lambda code: code) == "123456"
    assert FakeDialog.made == [("zenity", "dev")]
    assert env.stdin.read() == "stdin belongs to the SDK\n"


@pytest.mark.parametrize("prompt, asked", [(None, [("zenity", "dev")]),
                                           ("terminal", [])])
def test_a_plain_switch_with_nothing_on_stdin_asks_in_a_dialog_unless_told_not_to(
        fake_zenity, prompt, asked):
    FakeDialog.made = []
    env = Environment(io.StringIO(""), io.StringIO(), io.StringIO(),
                      {"DISPLAY": ":0", "PATH": fake_zenity}, platform="linux")
    codes = CodeSource(env, None, None, prompt=prompt, dialog_class=FakeDialog)
    if asked:
        assert codes.exchange(RECIPE, lambda code: code) == "123456"
    else:
        with pytest.raises(UsageError, match="No MFA code"):
            codes.exchange(RECIPE, lambda code: code)
    assert FakeDialog.made == asked
