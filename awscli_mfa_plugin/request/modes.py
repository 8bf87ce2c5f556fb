"""The modes of ``aws mfa-switch``: one per request, each with its flag, its handler and its limits.

A request does one thing: switch (the default), or what one of the flags
below names.  :data:`MODES` is the one table of them: the flag that
chooses a mode is ``--`` and its name, its handler is named as
``"module:function"`` and imported only when the mode runs (a plain
switch never loads the modules of ``--list`` or the keys moves), and
what a mode does not accept is said with the sentence it carries.
:func:`select` refuses two modes at once by one rule, in one sentence,
and :func:`awscli_mfa_plugin.request.parse.check` what a mode does not take.

A new mode is a handler module under ``pipeline/`` (``run(request,
tools) -> exit status``), an argument in ``arguments.py`` and one line
here.
"""
from __future__ import annotations

from awscli_mfa_plugin.errors import UsageError
from awscli_mfa_plugin.values import Value

#: The handler of every mode that switches: the credentials go to the
#: files, and to standard output or the console as the mode says.
SWITCHING = "awscli_mfa_plugin.pipeline.switch:run"
_KEYS = "awscli_mfa_plugin.pipeline.keys:run"

_KEYS_ONE = "{flag} moves the keys of one profile; name it with --profile."
_KEYS_ALONE = ("{flag} only moves keys; flags of a switch such as --role-arn "
               "or --token-code have no place beside it.")
_PRINTS_ONE = ("--export and --credential-process print one profile's "
               "credentials; name a single profile with --profile.")
_SIGNS_IN_ONE = ("{flag} signs in as one profile; name a single profile "
                 "with --profile.")


class Mode(Value):
    """One thing a run can be asked to do."""

    #: Its name; the flag that chooses it is ``--name`` (the switch has none).
    name: str
    #: ``"module:function"``: ``function(request, tools)`` returns the exit status.
    handler: str
    #: The sentence when several profiles (or ``--all``) are named; ``None``
    #: when the mode takes several.
    several: str | None = None
    #: The sentence when a switch's flags (``--role-arn`` and the other
    #: recipe flags, ``--token-code``, ``--force``) are given; ``None`` when
    #: the mode takes them.
    alone: str | None = None
    #: A flag this mode is a variant of (``--export --unset`` is the mode
    #: ``unset``), and the sentence when its own flag comes without it.
    within: str | None = None
    without: str | None = None
    #: Whether standard output receives what the mode is for, so that it is
    #: checked before anything else is done.
    prints: bool = False

    @property
    def flag(self):
        """The flag that chooses the mode (``None`` for the switch)."""
        return None if self.name == SWITCH else "--" + self.name


SWITCH = "switch"

#: Every mode, in the order "pick one" names their flags.
MODES = (
    Mode("move-keys-to-keyring", _KEYS, several=_KEYS_ONE, alone=_KEYS_ALONE),
    Mode("move-keys-to-file", _KEYS, several=_KEYS_ONE, alone=_KEYS_ALONE),
    Mode("add-keys", _KEYS, several=_KEYS_ONE, alone=_KEYS_ALONE),
    Mode("list", "awscli_mfa_plugin.pipeline.listing:run"),
    Mode("export", SWITCHING, several=_PRINTS_ONE, prints=True),
    Mode("credential-process", SWITCHING, several=_PRINTS_ONE, prints=True),
    Mode("console", SWITCHING, several=_SIGNS_IN_ONE),
    Mode("console-url", SWITCHING, several=_SIGNS_IN_ONE, prints=True),
    Mode("clear", "awscli_mfa_plugin.pipeline.clear:run"),
    Mode("exec", "awscli_mfa_plugin.pipeline.execute:run", several=(
        "--exec runs a command with one profile's credentials; name a "
        "single profile with --profile.")),
    Mode("unset", "awscli_mfa_plugin.pipeline.unset:run", several=_PRINTS_ONE,
         within="--export", without=(
             "--unset goes with --export: 'aws mfa-switch --export --unset' "
             "prints the lines that remove the variables --export sets."),
         prints=True),
    Mode("doctor", "awscli_mfa_plugin.pipeline.doctor:run", several=(
        "--doctor checks one profile; name it with --profile."), alone=(
        "--doctor checks the profile as configured; flags of a switch such as "
        "--role-arn or --token-code have no place beside it."), prints=True),
    Mode(SWITCH, SWITCHING),
)

BY_NAME = {mode.name: mode for mode in MODES}

def chosen(given):
    """The flags of the modes asked for in ``given`` (a set of flags), in table order.

    A variant's flag (``--unset``) is not a choice of its own.

    >>> chosen({"--console", "--list", "--unset"})
    ['--list', '--console']
    """
    return [mode.flag for mode in MODES
            if mode.flag in given and mode.within is None]


def select(given):
    """The one :class:`Mode` that ``given`` flags ask for.

    Two modes at once are refused by one rule, in one sentence, and so is
    a variant's flag without the flag it varies.

    >>> select(set()).name
    'switch'
    >>> select({"--export", "--unset"}).name
    'unset'
    >>> select({"--list", "--clear"})
    Traceback (most recent call last):
    ...
    awscli_mfa_plugin.errors.UsageError: --list and --clear cannot be used together; pick one.
    """
    flags = chosen(given)
    if len(flags) > 1:
        raise UsageError(
            f"{flags[0]} and {flags[1]} cannot be used together; pick one.")
    name = flags[0][2:] if flags else SWITCH
    for mode in MODES:
        if mode.within is not None and mode.flag in given:
            if flags != [mode.within]:
                raise UsageError(mode.without)
            name = mode.name
    return BY_NAME[name]


def handler(mode):
    """The function that runs ``mode`` (imported now)."""
    import importlib

    module, _, function = BY_NAME[mode].handler.partition(":")
    return getattr(importlib.import_module(module), function)
