"""AWS CLI plugin that adds ``aws mfa-switch``.

The CLI imports this module on every ``aws`` run, so it stays tiny: it only
registers a placeholder command that imports the real one when used.
"""

import sys

__version__ = "0.1.0"

COMMAND_NAME = "mfa-switch"


def awscli_initialize(cli):
    """Entry point the AWS CLI calls for each enabled plugin."""
    cli.register("building-command-table.main", _add_command)
    completer = sys.modules.get("awscli.completer")
    if completer is not None:  # only aws_completer imports it (AWS CLI v1)
        from awscli_mfa_plugin.completion import teach

        teach(completer, COMMAND_NAME)


def _add_command(command_table, session, **kwargs):
    command_table[COMMAND_NAME] = _LazyCommand(session)


class _LazyCommand:
    """Stands in the command table until ``mfa-switch`` is actually used.

    Building the main command table happens on every ``aws`` run; importing
    the command (and with it prompt_toolkit and the STS code) only happens
    when the CLI calls, documents or completes this command.
    """

    def __init__(self, session):
        self._session = session
        self._command = None
        self._lineage = None

    @property
    def name(self):
        return COMMAND_NAME

    def _load(self):
        if self._command is None:
            from awscli_mfa_plugin.command import MfaSwitchCommand

            self._command = MfaSwitchCommand(self._session)
            if self._lineage is not None:
                self._command.lineage = self._lineage
        return self._command

    @property
    def lineage(self):
        return self._load().lineage

    @lineage.setter
    def lineage(self, value):
        self._lineage = value
        if self._command is not None:
            self._command.lineage = value

    def __call__(self, args, parsed_globals):
        # What the AWS CLI loaded to get here (its modules, the service
        # models) lives until the process ends: a full garbage collection
        # would walk all of it and free nothing, and a switch's imports and
        # work would pay for one (bench/, comparison 2).  Objects made from
        # now on are collected as usual, in a long --exec run too.
        import gc

        gc.freeze()
        return self._load()(args, parsed_globals)

    def __getattr__(self, attr):
        return getattr(self._load(), attr)
