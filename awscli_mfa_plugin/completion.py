"""Completion: AWS CLI v1's ``aws_completer``, and bash/zsh/fish for ``aws-mfa-switch``.

v1's completer offers a command's own options only after a subcommand
(``aws s3 ls --<TAB>``); for a top-level command without subcommands, such
as ``mfa-switch``, it offers the global options alone, and for
``--profile`` every profile.  The plugin is loaded by the completer too,
and then wraps two methods of it so that ``aws mfa-switch --<TAB>`` also
offers the command's own options, taken from its argument table (the same
one its help page is built from), and ``aws mfa-switch --profile <TAB>``
and the positional profiles offer the profiles mfa-switch can switch.

Only the completer process is touched: :func:`awscli_mfa_plugin.awscli_initialize`
calls :func:`teach` only when ``awscli.completer`` is already imported, which
a plain ``aws`` run never does.  AWS CLI v2 has no such module; its
completion works differently and is not changed.

``aws-mfa-switch --completion-script bash|zsh|fish`` prints the completion
script of the standalone command (``data/aws-mfa-switch.<shell>``, its
option lists filled in from the argument table), and the script asks
``aws-mfa-switch --completion-profiles`` for the profile names: the
standalone command hands both to :func:`main` before anything else.
"""
import os

SCRIPT_FLAG = "--completion-script"
PROFILES_FLAG = "--completion-profiles"
SHELLS = ("bash", "zsh", "fish")

#: Options whose value is a profile: switchable ones, or any.
_SWITCHABLE_VALUE = ("--profile",)
_ANY_PROFILE_VALUE = ("--source-profile", "--target-profile")
#: The global options of ``aws`` offered beside the command's own.
_GLOBAL_VALUE_OPTIONS = ("--profile", "--region", "--endpoint-url",
                         "--ca-bundle", "--cli-read-timeout",
                         "--cli-connect-timeout")
_GLOBAL_FLAGS = ("--debug", "--no-verify-ssl", "--version")
_NO_VALUE_ACTIONS = ("store_true", "store_false", "version")


def teach(completer_module, command_name):
    """Make ``completer_module.Completer`` complete ``command_name``'s options and profiles."""
    completer = getattr(completer_module, "Completer", None)
    original = getattr(completer, "_complete_command", None)
    original_complete = getattr(completer, "complete", None)
    if original is None or original_complete is None \
            or not hasattr(completer, "_find_possible_options"):
        return  # not the completer this was written for: leave it alone
    if getattr(original, "mfa_switch_command", None) == command_name:
        return  # already taught

    def _complete_command(self, name, command_help, current_arg, opts):
        if name == command_name and command_help is not None and current_arg.startswith("-"):
            return self._find_possible_options(current_arg, opts, command_help)
        return original(self, name, command_help, current_arg, opts)

    def complete(self, cmdline, point=None):
        names = profiles_to_complete(
            command_name, cmdline, point,
            lambda: self.driver.session.full_config.get("profiles", {}),
            lambda: _value_options(self, command_name))
        if names is not None:
            return names
        return original_complete(self, cmdline, point)

    _complete_command.mfa_switch_command = command_name
    completer._complete_command = _complete_command
    completer.complete = complete


def profiles_to_complete(command_name, cmdline, point, profiles, value_options):
    """The profile names to offer for ``cmdline``, or ``None`` to leave it to the CLI.

    ``profiles()`` is botocore's profile map and ``value_options()`` the
    options that take a value, both asked only when needed.  Profiles are
    offered after ``--profile`` (the switchable ones), ``--source-profile``
    and ``--target-profile`` (any), and where a positional profile goes
    (the switchable ones not named yet).

    >>> switchable = lambda: {"dev": {"mfa_role_arn": "arn:r"}, "prod": {"mfa_role_arn": "arn:r"}}
    >>> profiles_to_complete("mfa-switch", "aws mfa-switch --profile d", None,
    ...                      switchable, lambda: set())
    ['dev']
    >>> profiles_to_complete("mfa-switch", "aws mfa-switch dev ", None,
    ...                      switchable, lambda: set())
    ['prod']
    >>> profiles_to_complete("mfa-switch", "aws s3 ls --profile ", None,
    ...                      switchable, lambda: set()) is None
    True
    """
    line = cmdline[:len(cmdline) if point is None else point]
    words = line.split()
    if command_name not in words[1:]:
        return None
    at = words.index(command_name, 1)
    current = "" if line[-1:].isspace() else words[-1]
    before = words[:-1] if current else words
    if len(before) <= at:
        return None  # the command's own name: the CLI completes it
    previous = before[-1]
    if previous in _SWITCHABLE_VALUE:
        return _starting(switchable_names(profiles()), current)
    if previous in _ANY_PROFILE_VALUE:
        return _starting(list(profiles()), current)
    if current.startswith("-") or previous in value_options():
        return None  # an option, or a value that is not a profile
    named = set(before[at + 1:])
    return [name for name in _starting(switchable_names(profiles()), current)
            if name not in named]


def _starting(names, prefix):
    return [name for name in names if name.startswith(prefix)]


def _value_options(completer, command_name):
    """Every ``--option`` of the CLI and of ``command_name`` that takes a value."""
    found = set()
    tables = [completer.main_help.arg_table]
    command = completer.driver.create_help_command().command_table.get(command_name)
    if command is not None:
        tables.append(command.create_help_command().arg_table)
    for table in tables:
        for name, argument in table.items():
            if getattr(argument, "_action", None) in _NO_VALUE_ACTIONS \
                    or getattr(argument, "nargs", None) == "?" \
                    or getattr(argument, "positional_arg", False):
                continue  # a flag, an optional value (--export), or no option
            found.add("--" + name)
    return found


def switchable_names(profiles):
    """The profiles mfa-switch can switch, in config order (as ``--list`` shows them).

    Recipes (``mfa_*`` keys), AWS CLI role profiles with ``mfa_serial``,
    and aws-mfa's ``[<profile>-long-term]`` layout, named ``<profile>``.
    Never fails: completion must not break a shell over a bad config.

    >>> switchable_names({"default": {"mfa_serial": "arn:m"},
    ...                   "dev": {"mfa_role_arn": "arn:r"},
    ...                   "native": {"role_arn": "arn:r", "mfa_serial": "arn:m"},
    ...                   "plain": {"region": "eu-west-1"},
    ...                   "old-long-term": {"aws_mfa_device": "arn:m"}})
    ['dev', 'native', 'old']
    """
    from awscli_mfa_plugin.plan.recipe import (
        DEFAULT_SOURCE_PROFILE, RECIPE_KEYS, aws_mfa_profiles, is_native_role)

    names = []
    try:
        layout = aws_mfa_profiles(profiles)
        for name, config in profiles.items():
            if not isinstance(config, dict):
                continue
            if is_native_role(config) or (
                    any(config.get(key) for key in RECIPE_KEYS)
                    and (config.get("mfa_source_profile")
                         or DEFAULT_SOURCE_PROFILE) != name):
                candidate = name
            elif name in layout:
                candidate = layout[name]
            else:
                continue
            if candidate not in names:
                names.append(candidate)
    except Exception:  # noqa: BLE001 - a shell's TAB must never see a traceback
        return names
    return names


def script(shell):
    """The completion script of ``aws-mfa-switch`` for ``shell``, options filled in."""
    from awscli_mfa_plugin.request.arguments import ARG_TABLE, SHELLS as EXPORT_SHELLS
    from awscli_mfa_plugin.request.parse import PROMPTS

    flags, values = list(_GLOBAL_FLAGS), list(_GLOBAL_VALUE_OPTIONS)
    for argument in ARG_TABLE:
        if argument.get("positional_arg"):
            continue
        option = "--" + argument["name"]
        if argument.get("action") == "store_true" or argument.get("nargs") == "?":
            flags.append(option)
        else:
            values.append(option)
    path = os.path.join(os.path.dirname(__file__), "data", f"aws-mfa-switch.{shell}")
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    fill = {
        "@FLAGS@": " ".join(sorted(flags)),
        "@VALUE_OPTIONS@": " ".join(sorted(values)),
        "@VALUE_OPTIONS_CASE@": "|".join(sorted(values)),
        "@PROMPTS@": " ".join(PROMPTS),
        "@EXPORT_SHELLS@": " ".join(EXPORT_SHELLS),
    }
    for marker, value in fill.items():
        text = text.replace(marker, value)
    return text


def main(argv, env):
    """``aws-mfa-switch --completion-script SHELL`` or ``--completion-profiles [all]``.

    Returns the exit status; a bad config gives no names rather than an
    error, since a shell's TAB has nowhere to show one.
    """
    if argv[0] == SCRIPT_FLAG:
        if len(argv) != 2 or argv[1] not in SHELLS:
            env.stderr.write(f"{SCRIPT_FLAG} takes one of {', '.join(SHELLS)}: "
                             f"aws-mfa-switch {SCRIPT_FLAG} bash.\n")
            return 252
        env.stdout.write(script(argv[1]))
        return 0
    from awscli_mfa_plugin.stored import profile_map
    from awscli_mfa_plugin.request.parse import botocore_path

    environ = env.environ
    config = botocore_path(environ.get("AWS_CONFIG_FILE") or "~/.aws/config")
    credentials = botocore_path(environ.get("AWS_SHARED_CREDENTIALS_FILE")
                                or "~/.aws/credentials")
    try:
        profiles, _ = profile_map(config, credentials)
    except Exception:  # noqa: BLE001 - unreadable files: nothing to offer
        return 0
    names = list(profiles) if argv[1:] == ["all"] else switchable_names(profiles)
    env.stdout.write("".join(name + "\n" for name in names))
    return 0

