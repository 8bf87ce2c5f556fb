"""Teach AWS CLI v1's ``aws_completer`` the options of ``mfa-switch``.

v1's completer offers a command's own options only after a subcommand
(``aws s3 ls --<TAB>``); for a top-level command without subcommands, such
as ``mfa-switch``, it offers the global options alone.  The plugin is
loaded by the completer too, and then wraps one method of it so that
``aws mfa-switch --<TAB>`` also offers the command's own options, taken
from its argument table (the same one its help page is built from).

Only the completer process is touched: :func:`awscli_mfa_plugin.awscli_initialize`
calls :func:`teach` only when ``awscli.completer`` is already imported, which
a plain ``aws`` run never does.  AWS CLI v2 has no such module; its
completion works differently and is not changed.
"""


def teach(completer_module, command_name):
    """Make ``completer_module.Completer`` complete ``command_name``'s options."""
    completer = getattr(completer_module, "Completer", None)
    original = getattr(completer, "_complete_command", None)
    if original is None or not hasattr(completer, "_find_possible_options"):
        return  # not the completer this was written for: leave it alone
    if getattr(original, "mfa_switch_command", None) == command_name:
        return  # already taught

    def _complete_command(self, name, command_help, current_arg, opts):
        if name == command_name and command_help is not None and current_arg.startswith("-"):
            return self._find_possible_options(current_arg, opts, command_help)
        return original(self, name, command_help, current_arg, opts)

    _complete_command.mfa_switch_command = command_name
    completer._complete_command = _complete_command
