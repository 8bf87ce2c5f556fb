"""Desktop dialogs that ask for the code when there is no terminal.

zenity and kdialog (X11 or Wayland), ``osascript`` (macOS) and PowerShell
(Windows).  Each runs as an argument list, never through a shell: the
profile and the device reach zenity, kdialog and osascript as arguments of
their own, and PowerShell's fixed script reads them from environment
variables, so no value from a profile can become a command.

:class:`DialogPrompter` asks the way
:class:`~awscli_mfa_plugin.codes.terminal.TerminalPrompter` does: it names
the profile and the device, takes exactly six digits (asking again, with a
word on what is wrong, until it gets them), shows how long the current
code lasts, and Cancel means :class:`~awscli_mfa_plugin.errors.Cancelled`.
"""
import datetime
import subprocess
import time

from awscli_mfa_plugin.codes import asker
from awscli_mfa_plugin.codes.providers import normalize_code, seconds_left
from awscli_mfa_plugin.errors import Cancelled, DialogError, Unanswered, UsageError

#: Seconds a dialog may wait for an answer in all (it is shown again for
#: each new code), so that a dialog nobody sees ends in a sentence.
DIALOG_LIMIT = 60

#: A dialog that closes with its code's window is not shown for the last
#: seconds of one: the code shown then would be gone before it is typed.
_SHORTEST = 3

#: Seconds a dialog program gets beyond the limit before it is stopped.
_GRACE = 5

OK, CANCEL, TIMEOUT, FAILED = "ok", "cancel", "timeout", "failed"

INVALID = "A code is six digits (0-9); spaces are ignored."


class _Tool:
    """One dialog program: the command line it runs and what its answer means."""

    name = ""
    #: True when the dialog closes by itself after the seconds it is given.
    closes_itself = False

    def __init__(self, path):
        self.path = path

    def command(self, title, text, seconds):
        """``(argv, extra environment)`` that show the dialog."""
        raise NotImplementedError

    def reading(self, returncode, stdout, stderr):
        """``(OK, text)``, ``(CANCEL, "")``, ``(TIMEOUT, "")`` or ``(FAILED, why)``."""
        if returncode == 0:
            return OK, stdout
        if returncode == 1:
            return CANCEL, ""
        return FAILED, _last_line(stderr)


class Zenity(_Tool):
    """GNOME's zenity: an entry dialog that closes itself after ``--timeout``."""

    name = asker.ZENITY
    closes_itself = True

    def command(self, title, text, seconds):
        return [self.path, "--entry", "--title", title,
                "--text", _zenity_text(text), "--timeout", str(seconds)], {}

    def reading(self, returncode, stdout, stderr):
        if returncode == 5:  # zenity's status for --timeout
            return TIMEOUT, ""
        if returncode == 1 and "cannot open display" in stderr:
            # zenity says 1, as for Cancel, when GTK finds no display.
            return FAILED, _last_line(stderr)
        return super().reading(returncode, stdout, stderr)


class KDialog(_Tool):
    """KDE's kdialog: an input box, without a timeout of its own."""

    name = asker.KDIALOG

    def command(self, title, text, seconds):
        return [self.path, "--title", title, "--inputbox", text, ""], {}


#: AppleScript's ``display dialog``; the text, the title and the seconds
#: come in as ``argv`` of the run handler, never inside the script.
OSASCRIPT_LINES = (
    "on run argv",
    'set reply to display dialog (item 1 of argv) with title (item 2 of argv)'
    ' default answer "" buttons {"Cancel", "OK"} default button "OK"'
    ' cancel button "Cancel" giving up after ((item 3 of argv) as integer)',
    'if gave up of reply then return "timeout"',
    'return "code:" & (text returned of reply)',
    "end run",
)


class OsaScript(_Tool):
    """macOS's ``osascript`` running ``display dialog``, which gives up by itself."""

    name = asker.OSASCRIPT
    closes_itself = True

    def command(self, title, text, seconds):
        argv = [self.path]
        for line in OSASCRIPT_LINES:
            argv += ["-e", line]
        return argv + [text, title, str(seconds)], {}

    def reading(self, returncode, stdout, stderr):
        if returncode == 0:
            answer = stdout.strip()
            if answer == "timeout":
                return TIMEOUT, ""
            if answer.startswith("code:"):
                return OK, answer[len("code:"):]
            return FAILED, answer
        if "(-128)" in stderr:  # AppleScript's "User canceled."
            return CANCEL, ""
        return FAILED, _last_line(stderr)


#: Variables through which PowerShell's fixed script gets what it shows.
POWERSHELL_TEXT, POWERSHELL_TITLE = "MFA_SWITCH_DIALOG_TEXT", "MFA_SWITCH_DIALOG_TITLE"
POWERSHELL_SCRIPT = (
    "Add-Type -AssemblyName Microsoft.VisualBasic; "
    "$answer = [Microsoft.VisualBasic.Interaction]::InputBox("
    f"$env:{POWERSHELL_TEXT}, $env:{POWERSHELL_TITLE}, ''); "
    "if ($answer -eq '') { exit 1 }; "
    "[Console]::Out.Write($answer)"
)


class PowerShell(_Tool):
    """Windows PowerShell's InputBox; Cancel (or nothing typed) exits 1."""

    name = asker.POWERSHELL

    def command(self, title, text, seconds):
        return ([self.path, "-NoProfile", "-NoLogo", "-Command",
                 POWERSHELL_SCRIPT],
                {POWERSHELL_TEXT: text, POWERSHELL_TITLE: title})


TOOLS = {tool.name: tool for tool in (Zenity, KDialog, OsaScript, PowerShell)}


class DialogPrompter:
    """Asks for the code of ``profile`` in the desktop dialog ``dialog``.

    ``env`` is the :class:`~awscli_mfa_plugin.environment.Environment`
    (its variables find the program and the session); ``run``, ``clock``
    and ``sleep`` are :func:`subprocess.run`, :func:`time.time` and
    :func:`time.sleep` unless a test hands in its own.
    """

    def __init__(self, dialog, profile, env, run=subprocess.run,
                 clock=time.time, sleep=time.sleep, limit=DIALOG_LIMIT):
        self.dialog = dialog
        self._profile = profile
        self._env = env
        self._run = run
        self._clock = clock
        self._sleep = sleep
        self._limit = limit

    def tool(self):
        """The :class:`_Tool` to run; :class:`UsageError` if it cannot be shown."""
        path = asker.program(self.dialog, self._env.environ)
        if path is None:
            raise UsageError(
                f"mfa_prompt or --prompt asks for {self.dialog}, which is not "
                "installed (not on PATH); install it, or choose another of "
                f"{', '.join(asker.CHOICES)}.")
        if not asker.has_desktop(self.dialog, self._env.environ,
                                 self._env.platform):
            raise UsageError(
                f"mfa_prompt or --prompt asks for a {self.dialog} dialog, but "
                "there is no desktop session to show it in (DISPLAY and "
                "WAYLAND_DISPLAY are unset); choose terminal, or run where a "
                "desktop is.")
        return TOOLS[self.dialog](path)

    def ask(self, device, notice=None):
        """Show the dialog until six digits are typed; the code.

        Raises :class:`Cancelled` on Cancel, :class:`Unanswered` when the
        limit passes without an answer, :class:`DialogError` when the
        program fails.
        """
        tool = self.tool()
        deadline = self._clock() + self._limit
        message = notice
        while True:
            left = seconds_left(self._clock())
            if tool.closes_itself and left < _SHORTEST:
                self._sleep(left)
                continue
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise self._unanswered()
            argv, extra = tool.command(
                f"mfa-switch: {self._profile}",
                self.text(device, message, left),
                max(1, min(left, int(remaining + 0.999))))
            kind, answer = self._show(tool, argv, extra, remaining)
            if kind == OK:
                code = normalize_code(answer)
                if code is not None:
                    return code
                message = INVALID
            elif kind == CANCEL:
                raise Cancelled()
            elif kind == FAILED:
                raise DialogError(
                    f"The {tool.name} dialog that asks for the MFA code failed"
                    + (f" ({answer})" if answer else "")
                    + "; choose another way to be asked with --prompt or "
                    "mfa_prompt.")
            # TIMEOUT: the code changed; show the dialog again for the next.

    def text(self, device, notice, left):
        """What the dialog says: profile, device, any notice, seconds left."""
        changes = datetime.datetime.fromtimestamp(self._clock() + left)
        lines = [f"MFA code for the profile {self._profile!r}",
                 f"Device: {device or 'your MFA device'}"]
        if notice:
            lines += ["", notice]
        lines += ["", f"The current code changes in {left} s "
                      f"(at {changes:%H:%M:%S})."]
        return "\n".join(lines)

    def _show(self, tool, argv, extra, remaining):
        environ = dict(self._env.environ)
        environ.update(extra)
        try:
            result = self._run(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env=environ, check=False,
                timeout=remaining + _GRACE)
        except subprocess.TimeoutExpired:
            raise self._unanswered() from None
        except OSError as error:
            return FAILED, error.strerror or str(error)
        return tool.reading(result.returncode,
                            result.stdout.decode("utf-8", "replace"),
                            result.stderr.decode("utf-8", "replace"))

    def _unanswered(self):
        return Unanswered(
            f"Nobody typed the MFA code for {self._profile!r} in the dialog "
            f"within {self._limit:g} s; nothing was changed.")


def _zenity_text(text):
    # zenity shows the text with GTK mnemonics (an underscore marks the
    # next letter) after resolving backslash escapes; double both so that
    # profile and device names show as they are.
    return text.replace("\\", "\\\\").replace("_", "__")


def _last_line(text):
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""
