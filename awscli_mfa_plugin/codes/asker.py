"""Who asks a person for a code: the terminal, a desktop dialog, or nobody.

The profile key ``mfa_prompt`` and the flag ``--prompt`` choose; ``auto``
(the default) means the terminal when there is one, else a dialog when a
desktop session is there to show it in, else nobody - and then the run
fails at once with a sentence instead of waiting for an answer that
cannot come.

Standard library only: the ``aws-mfa-switch`` fast path makes the same
decision before it would load the AWS CLI, so that a caller without a
terminal or desktop learns within a fraction of a second.
"""
import os
import shutil

from awscli_mfa_plugin.errors import UsageError
from awscli_mfa_plugin.request.parse import (  # noqa: F401 (asker's API)
    PROMPT_KEY, PROMPTS, check_choice)

#: The values of ``mfa_prompt`` and ``--prompt`` (the request stage's).
CHOICES = PROMPTS
AUTO, TERMINAL, ZENITY, KDIALOG, OSASCRIPT, POWERSHELL, YKMAN = PROMPTS
DIALOGS = (ZENITY, KDIALOG, OSASCRIPT, POWERSHELL)


#: Variables that say an X11 or Wayland session is there to draw in.
_DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY")

#: The programs each dialog runs, in order of preference.
PROGRAMS = {
    ZENITY: ("zenity",),
    KDIALOG: ("kdialog",),
    OSASCRIPT: ("osascript",),
    POWERSHELL: ("powershell", "pwsh"),
}


def program(dialog, environ, which=shutil.which):
    """The path of the program that shows ``dialog``, or ``None``."""
    for name in PROGRAMS[dialog]:
        found = which(name, path=environ.get("PATH", os.defpath))
        if found:
            return found
    return None


def has_desktop(dialog, environ, platform):
    """True when a session is there for ``dialog`` to appear in.

    >>> has_desktop("zenity", {"DISPLAY": ":0"}, "linux")
    True
    >>> has_desktop("zenity", {}, "linux")
    False
    >>> has_desktop("osascript", {}, "darwin")
    True
    """
    if dialog == OSASCRIPT:
        return platform == "darwin"
    if dialog == POWERSHELL:
        return platform == "win32"
    return any(environ.get(name) for name in _DISPLAY_VARIABLES)


def desktop_dialog(environ, platform, which=shutil.which):
    """The dialog ``auto`` uses without a terminal, or ``None``.

    On Linux and the BSDs, zenity or kdialog when DISPLAY or
    WAYLAND_DISPLAY names a session (kdialog first in a KDE session);
    osascript on macOS; PowerShell on Windows.
    """
    if platform == "darwin":
        candidates = (OSASCRIPT,)
    elif platform == "win32":
        candidates = (POWERSHELL,)
    elif "KDE" in environ.get("XDG_CURRENT_DESKTOP", "").upper():
        candidates = (KDIALOG, ZENITY)
    else:
        candidates = (ZENITY, KDIALOG)
    for dialog in candidates:
        if has_desktop(dialog, environ, platform) \
                and program(dialog, environ, which):
            return dialog
    return None


def how_to_ask(choice, has_terminal, environ, platform, which=shutil.which):
    """``"terminal"``, the dialog to show, or ``None`` when nobody can be asked.

    A dialog named by the choice is returned whether or not it can be
    shown; :mod:`~awscli_mfa_plugin.codes.dialog` says why it cannot.

    >>> how_to_ask("auto", True, {}, "linux")
    'terminal'
    >>> how_to_ask("auto", False, {}, "linux") is None
    True
    >>> how_to_ask("kdialog", True, {}, "linux")
    'kdialog'
    >>> how_to_ask("ykman", False, {}, "linux")
    'ykman'
    """
    choice = choice or AUTO
    if choice in DIALOGS or choice == YKMAN:
        return choice
    if has_terminal:
        return TERMINAL
    if choice == AUTO:
        return desktop_dialog(environ, platform, which)
    return None


def no_terminal_sentence(profile):
    """What a ``credential_process`` run says when nobody can be asked."""
    return (
        f"The credentials of {profile!r} need a new MFA code and there is "
        "no terminal to ask for it on; run 'aws mfa-switch --profile "
        f"{profile}' in a terminal first."
    )
