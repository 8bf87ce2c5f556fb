"""One run of ``aws mfa-switch``: the request's mode, carried out by its handler.

A request does one thing (:data:`~awscli_mfa_plugin.request.modes.MODES`):
switch (:mod:`.switch`, also for ``--export``, ``--credential-process``,
``--console`` and ``--console-url``), ``--list`` (:mod:`.listing`),
``--clear`` (:mod:`.clear`), ``--export --unset`` (:mod:`.unset`) or a
keys move (:mod:`.keys`).  Each handler is ``run(request, tools)`` and
returns the exit status; only the one the request names is imported.

Errors are raised, never printed: the command turns them into the one
sentence and exit status a user sees.  The handlers are the only
importers of ``deliver/`` (tests/test_layers.py).
"""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, Protocol

from awscli_mfa_plugin.redaction import redact
from awscli_mfa_plugin.request import modes

if TYPE_CHECKING:  # for the types below only: nothing is imported at run time
    from awscli_mfa_plugin.codes.source import CodeSource
    from awscli_mfa_plugin.environment import Environment
    from awscli_mfa_plugin.files.keystore import KeyringStore
    from awscli_mfa_plugin.plan.recipe import Recipe


class Prompter(Protocol):
    """Asks a person at a terminal (:class:`~awscli_mfa_plugin.codes.terminal.TerminalPrompter`)."""

    def ask(self, device: str, notice: Optional[str] = None) -> str:
        """The six-digit code for ``device``."""

    def choose(self, title: str, options: list) -> Any:
        """One of ``options``, picked by its number."""

    def confirm(self, question: str) -> bool:
        """True for an explicit yes."""


#: ``client_creator(recipe)`` gives ``create(service, **kwargs)``: a
#: botocore client signing with the recipe's source profile.
ClientCreator = Callable[["Recipe"], Callable[..., Any]]


@dataclasses.dataclass(frozen=True)
class Tools:
    """What a run reaches the world through; tests hand in their own."""

    env: Environment
    #: botocore's profile map (config and credentials files merged).
    profiles: Mapping[str, Mapping[str, Any]]
    client_creator: ClientCreator
    #: Where codes come from, and the turn of the devices.
    codes: CodeSource
    #: Asks a person to choose a device or confirm saving it.
    prompter: Prompter
    #: ``send(url) -> (status, body)``: HTTP GET (the console's federation);
    #: ``None``: botocore's HTTP session, verifying as the request says.
    http_send: Optional[Callable[[str], tuple]] = None
    #: ``open_browser(url) -> bool``: opens a web browser.
    open_browser: Optional[Callable[[str], bool]] = None
    #: The OS keyring (the keys modes, and sources that keep keys there).
    keys: Optional[KeyringStore] = None


def run(request, tools):
    """Carry out ``request`` with its mode's handler; return the exit status."""
    return modes.handler(request.mode)(request, tools)


class Say:
    """Writes report lines to stderr; lines may quote STS, so redacted."""

    def __init__(self, env, quiet=False):
        self._stderr = env.stderr
        self._quiet = quiet

    def __call__(self, line):
        if not self._quiet:
            self.always(line)

    def always(self, line):
        """Write ``line`` even in a quiet run (a failure the user must see)."""
        self._stderr.write(redact(line) + "\n")
        self._stderr.flush()

    def quiet(self):
        """The same stream, saying nothing but :meth:`always`."""
        quiet = Say.__new__(Say)
        quiet._stderr, quiet._quiet = self._stderr, True
        return quiet
