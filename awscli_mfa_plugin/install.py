"""``python -m awscli_mfa_plugin install|uninstall``: enable the plugin and its shortcuts.

``install`` does, idempotently, what a user would otherwise do by hand:

* enables the plugin in the AWS config file (``AWS_CONFIG_FILE``, else
  ``~/.aws/config``): ``[plugins] mfa_switch = awscli_mfa_plugin``;
* for AWS CLI v2, which only imports plugins from the folders listed in
  ``[plugins] cli_legacy_plugin_path``, adds the folder this package is
  installed in (site-packages, or the source tree of an editable install);
* merges the shipped aliases (``cli-alias/alias``, also shipped inside the
  package as ``data/alias``) into ``~/.aws/cli/alias``, never replacing an
  alias of the user's that has the same name.

Before writing anything, the ``aws`` it configures (the one on ``PATH``) is
run once with the plugin enabled in a throw-away config: an ``aws`` that
runs in another Python, one that cannot import this package, would fail on
every command once the real config enabled it, so the installer refuses
instead and says what to run.  For AWS CLI v2 it also notes modules in the
plugin's folder compiled for another Python than the one v2 bundles.

What it added is remembered in ``~/.aws/cli/mfa-switch-install.ini`` so
that ``uninstall`` removes exactly that, and nothing a user wrote or changed
since.  Every file is edited through :func:`inifile.update_section`
(lossless, locked, atomic); a second ``install`` finds nothing to do and
writes nothing.  The report goes to standard error, like every summary of
this package; standard output stays empty.
"""
import argparse
import dataclasses
import importlib.metadata
import importlib.resources
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from typing import Mapping, Optional, Tuple

from awscli_mfa_plugin import COMMAND_NAME
from awscli_mfa_plugin.files import inifile
from awscli_mfa_plugin.environment import Environment
from awscli_mfa_plugin.errors import (
    ConfigError,
    CredentialsFileError,
    ExitCode,
    MfaSwitchError,
    UsageError,
)

PLUGIN_MODULE = "awscli_mfa_plugin"
PLUGIN_KEY = "mfa_switch"
#: AWS CLI v2 imports plugins only from these folders (os.pathsep-separated).
PLUGIN_PATH_KEY = "cli_legacy_plugin_path"
PLUGINS_SECTION = "plugins"
ALIAS_SECTION = "toplevel"
RECORD_NAME = "mfa-switch-install.ini"

PROG = "python -m awscli_mfa_plugin"


# --------------------------------------------------------------------------
# Where things are
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Paths:
    """The files the installer edits."""

    config: str
    alias: str
    record: str

    @classmethod
    def from_environ(cls, environ):
        """The paths the AWS CLI itself would use in ``environ``.

        The config file honours ``AWS_CONFIG_FILE``; the alias file is always
        ``~/.aws/cli/alias`` (both CLI versions hard-code it).
        """
        home = environ.get("HOME") or os.path.expanduser("~")
        config = environ.get("AWS_CONFIG_FILE") or os.path.join("~", ".aws", "config")
        cli = os.path.join(home, ".aws", "cli")
        return cls(
            config=os.path.abspath(
                _expand_home(_expand_variables(config, environ), home)),
            alias=os.path.join(cli, "alias"),
            record=os.path.join(cli, RECORD_NAME),
        )


#: ``$NAME`` or ``${NAME}``, as ``os.path.expandvars`` reads them on POSIX.
_VARIABLE = re.compile(r"\$(\w+|\{[^}]*\})", re.ASCII)


def _expand_variables(path, environ):
    """``os.path.expandvars(path)`` with the variables of ``environ``.

    botocore expands variables, then ``~``, in ``AWS_CONFIG_FILE``; an
    unknown variable stays as it is, as there.

    >>> _expand_variables("${CFG}/config:$NOPE", {"CFG": "/srv"})
    '/srv/config:$NOPE'
    """
    def value(match):
        name = match.group(1).strip("{}")
        return environ.get(name, match.group(0))

    return _VARIABLE.sub(value, path)


def _expand_home(path, home):
    if path == "~" or path.startswith("~" + os.sep):
        return home + path[1:]
    return path


def plugin_folder():
    """The folder to put on AWS CLI v2's plugin path: the one holding this package.

    That is site-packages for a normal install and the source tree for an
    editable one (whose ``.pth`` files v2 would not read).
    """
    package = os.path.dirname(os.path.abspath(__file__))
    return os.path.dirname(package)


def shipped_aliases():
    """The ``[toplevel]`` aliases shipped with the package: ``{name: value}``."""
    resource = importlib.resources.files(PLUGIN_MODULE).joinpath("data", "alias")
    with importlib.resources.as_file(resource) as path:
        return inifile.read_sections(path, subsections=False).get(ALIAS_SECTION, {})


# --------------------------------------------------------------------------
# Which AWS CLI
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Cli:
    """The AWS CLI the plugin is installed for."""

    major: int
    how: str  # for the report: "aws-cli/2.9.19 at /usr/bin/aws", "--cli-version 2"
    #: The ``aws`` found on PATH; ``None`` when the version was given.
    path: Optional[str] = None
    #: The version of the Python it runs in, as ``aws --version`` says it.
    python: Optional[str] = None


_VERSION_RE = re.compile(r"aws-cli/(\d+)\.\S*")
_PYTHON_RE = re.compile(r"\bPython/(\d+\.\d+)")


def detect_cli(environ):
    """Ask the ``aws`` on ``PATH`` for its version.

    The config file is hidden from it (``AWS_CONFIG_FILE=/dev/null``): AWS
    CLI v1 fails on every command, ``--version`` included, when the config
    holds v2's ``cli_legacy_plugin_path``.
    """
    aws = shutil.which("aws", path=environ.get("PATH", os.defpath))
    if aws is None:
        raise UsageError(
            "There is no aws command on PATH to tell the AWS CLI version; "
            "pass --cli-version 1 or --cli-version 2."
        )
    env = dict(environ)
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    try:
        result = subprocess.run(
            [aws, "--version"], env=env, capture_output=True, text=True,
            stdin=subprocess.DEVNULL, timeout=120,
        )
        output = result.stdout + result.stderr
    except (OSError, subprocess.SubprocessError):
        output = ""
    match = _VERSION_RE.search(output)
    if match is None:
        raise UsageError(
            f"{aws} --version did not tell its version; pass --cli-version 1 "
            "or --cli-version 2."
        )
    python = _PYTHON_RE.search(output)
    return Cli(int(match.group(1)), f"{match.group(0)} at {aws}", aws,
               python and python.group(1))


def check_plugin_loads(cli, folder, environ):
    """Refuse, before any write, an ``aws`` that fails once the plugin is enabled.

    The ``aws`` is run as the user would run it, with a throw-away HOME and
    a config holding exactly what :func:`install` would enable, on the one
    command that needs the plugin: ``aws mfa-switch --list`` (nothing to
    list there, exit status 0).  Running it, rather than guessing from its
    first line, also covers wrappers such as pyenv's shims.

    Raises :class:`ConfigError` saying what to run instead.
    """
    with tempfile.TemporaryDirectory(prefix="mfa-switch-install-") as home:
        config = os.path.join(home, "config")
        lines = ["[plugins]", f"{PLUGIN_KEY} = {PLUGIN_MODULE}"]
        if cli.major >= 2:
            lines.append(f"{PLUGIN_PATH_KEY} = {folder}")
        with open(config, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        # Nothing of the user's: no profile to select, no file to read.
        env = {key: value for key, value in environ.items()
               if key not in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")}
        env.update(HOME=home, AWS_CONFIG_FILE=config,
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        try:
            result = subprocess.run(
                [cli.path, COMMAND_NAME, "--list"], env=env, cwd=home,
                capture_output=True, text=True, stdin=subprocess.DEVNULL,
                timeout=120,
            )
        except (OSError, subprocess.SubprocessError) as error:
            reason = str(error)
        else:
            if result.returncode == 0:
                return
            said = [line.strip() for line in result.stderr.splitlines()
                    if line.strip()]
            reason = said[-1][:200] if said else (
                f"exit status {result.returncode}")
    raise ConfigError(_cannot_load(cli, folder, reason, environ))


def _cannot_load(cli, folder, reason, environ):
    """The sentence for an ``aws`` that cannot load the plugin: what to run."""
    head = (f"The aws on PATH ({cli.path}) fails with the plugin enabled "
            f"({reason}), so enabling it would break every aws command; "
            "nothing was changed")
    scripts = sysconfig.get_path("scripts")
    if cli.major >= 2:
        mine = sysconfig.get_python_version()
        if cli.python and cli.python != mine:
            return (f"{head}: it runs Python {cli.python} and would import "
                    f"the plugin from {folder}, installed for Python {mine}; "
                    f"install the package with a Python {cli.python} and run "
                    "that Python's installer.")
        return (f"{head}: run `{cli.path} {COMMAND_NAME} --list` with the "
                "plugin enabled to see the whole error.")
    python = script_python(cli.path, environ)
    checkout = _checkout_imported_from()
    if checkout is not None and (python is None or _same_file(python, sys.executable)):
        # This Python only sees the package because it runs in the checkout;
        # putting its own bin first on PATH would change nothing.
        venv = _virtualenv_of(checkout)
        step = (f"activate the virtualenv that has it (`. {venv}/bin/activate`) "
                f"and run `python -m {PLUGIN_MODULE} install` again"
                if venv else
                f"install it first (`{python or 'python'} -m pip install "
                "'.[cli1]'`, README's v1 section) and run the installer again")
        return (f"{head}: the package is not installed in the Python that "
                f"runs it{'' if python is None else f' ({python})'}, which "
                f"imported it only from this checkout ({checkout}); {step}.")
    if python is None:
        return (f"{head}: install the package into the Python that runs "
                f"{cli.path} and run the installer with that Python, or put "
                f"{scripts} first on PATH.")
    return (f"{head}: it runs in {python}, where the package is not "
            f"installed; install it there and run `{python} -m "
            f"{PLUGIN_MODULE} install`, or put {scripts} first on PATH and "
            "run this installer again.")


def _checkout_imported_from():
    """The source checkout this package was imported from by way of the current folder, else ``None``.

    ``python -m awscli_mfa_plugin`` run in a checkout imports the package
    from there even where it is not installed.
    """
    package = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(package)
    if os.path.abspath(os.getcwd()) != root or \
            not os.path.exists(os.path.join(root, "setup.cfg")):
        return None
    for folder in sysconfig.get_paths().values():
        if folder and os.path.abspath(folder) == root:
            return None
    return root


def _virtualenv_of(checkout):
    """The checkout's own virtualenv (``make demo`` creates ``.venv``), if it has one."""
    for name in (".venv", "venv"):
        folder = os.path.join(checkout, name)
        if os.path.exists(os.path.join(folder, "bin", "activate")) or \
                os.path.exists(os.path.join(folder, "Scripts", "activate")):
            return folder
    return None


def _same_file(a, b):
    return os.path.abspath(a) == os.path.abspath(b)


_ENV_SHEBANG = re.compile(r"#!\s*\S*/env\s+(?:-\S+\s+)*(\S+)")
_PLAIN_SHEBANG = re.compile(r"#!\s*(\S+)")
# pip writes a shell trampoline when the interpreter's path is too long for
# a shebang line: "#!/bin/sh", then the line: '''exec' "/python" "$0" "$@"
_TRAMPOLINE = re.compile(r"^'''exec' \"?([^\"]+)\"? \"\$0\"", re.M)


def script_python(path, environ):
    """The Python a script such as ``aws`` runs in, read from its first lines.

    ``None`` when it is not a Python script (a binary, a shell wrapper).
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(1024).decode("utf-8", "replace")
    except OSError:
        return None
    if not head.startswith("#!"):
        return None
    trampoline = _TRAMPOLINE.search(head)
    if trampoline:
        return trampoline.group(1)
    first = head.splitlines()[0]
    match = _ENV_SHEBANG.match(first)
    if match:
        if "python" not in match.group(1):
            return None
        return shutil.which(match.group(1), path=environ.get("PATH", os.defpath))
    match = _PLAIN_SHEBANG.match(first)
    if match and "python" in os.path.basename(match.group(1)):
        return match.group(1)
    return None


# A compiled module's file name says which Python it is built for:
# _speedups.cpython-312-x86_64-linux-gnu.so, _speedups.cp312-win_amd64.pyd.
# (abi3 modules, and pure Python, load in any Python 3.)
_EXTENSION_RE = re.compile(r"\.(?:cpython-|cp)(3)(\d+)[-\w.]*\.(?:so|pyd)$")


def foreign_extension(folder, python):
    """A compiled module under ``folder`` built for a Python other than ``python`` ("3.11").

    ``None`` when there is none.  Folders Python cannot import from (hidden
    ones such as ``.venv`` or ``.git``, ``__pycache__``) are not looked into.
    """
    for top, folders, files in os.walk(folder):
        folders[:] = sorted(name for name in folders
                            if not name.startswith(".") and name != "__pycache__")
        for name in sorted(files):
            match = _EXTENSION_RE.search(name)
            if match and f"{match.group(1)}.{match.group(2)}" != python:
                return os.path.join(top, name)
    return None


def python_note(cli, folder):
    """A note when AWS CLI v2 would find modules in ``folder`` that its Python cannot load.

    v2 runs plugins in the Python it bundles (``aws --version`` names it)
    and looks in ``folder`` for any module it does not have itself.  The
    plugin is pure Python and needs nothing from there, so this is a note,
    not a refusal: the check that v2 loads the plugin has passed.
    """
    if cli.major < 2 or not cli.python:
        return None
    found = foreign_extension(folder, cli.python)
    if found is None:
        return None
    return (f"Note: AWS CLI v2 runs Python {cli.python} and imports from {folder}, "
            f"which holds modules compiled for another Python (such as {found}) "
            "that v2 cannot load; the plugin needs none of them, but a folder "
            "holding only the plugin (pip install --no-deps --target, see "
            "README) keeps v2 away from them.")


#: Run in an ``aws`` script's Python: its awscli's version, then the import
#: that AWS CLI v1 makes for ``[plugins] mfa_switch`` (failing there).
_V1_PROBE = ("import sys, awscli; sys.stdout.write(awscli.__version__); "
             "sys.stdout.flush(); import " + PLUGIN_MODULE)


def other_v1_notes(cli, config, environ):
    """Notes for every other AWS CLI v1 on PATH that cannot import the package.

    AWS CLI v1 imports each module of ``[plugins]`` at start-up and, when
    one is missing, fails every command with a traceback: a second v1 (a
    virtualenv's, another Python's) breaks once the plugin is enabled.  An
    ``aws`` is looked at when it is a Python script (its ``#!`` line or
    pip's trampoline); its Python is asked for awscli's version and to
    import the package, in a folder of its own so that no checkout helps.
    """
    seen = {os.path.realpath(cli.path)} if cli.path else set()
    notes = []
    for folder in _components(environ.get("PATH", os.defpath)):
        candidate = os.path.join(folder, "aws")
        real = os.path.realpath(candidate)
        if real in seen or not (os.path.isfile(real) and os.access(real, os.X_OK)):
            continue
        seen.add(real)
        python = script_python(candidate, environ)
        if python is None:
            continue
        try:
            with tempfile.TemporaryDirectory(prefix="mfa-switch-install-") as cwd:
                probe = subprocess.run(
                    [python, "-c", _V1_PROBE], cwd=cwd, capture_output=True,
                    text=True, stdin=subprocess.DEVNULL, timeout=120)
        except (OSError, subprocess.SubprocessError):
            continue
        if probe.returncode != 0 and probe.stdout.startswith("1."):
            notes.append(
                f"Note: {candidate}, also on PATH, is AWS CLI v1 "
                f"(awscli {probe.stdout}) in {python}, which lacks the "
                f"package, so it now fails every command with a traceback "
                f"(the [plugins] {PLUGIN_KEY} of {config}); install the "
                f"package there too (`{python} -m pip install "
                f"awscli-mfa-plugin`) or take that aws off PATH.")
    return notes


def _awscli_v1_beside():
    """The version of AWS CLI v1 installed alongside this package, if any."""
    try:
        version = importlib.metadata.version("awscli")
    except importlib.metadata.PackageNotFoundError:
        return None
    return version if version.startswith("1.") else None


# --------------------------------------------------------------------------
# Section edits: what to change in one section, decided before anything is written
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SectionEdit:
    """The edit of one section and of its record, and what to tell the user."""

    path: str
    section: str
    subsections: bool
    before: Mapping[str, str]  # the section as planned from, re-checked under the lock
    set: Mapping[str, str] = dataclasses.field(default_factory=dict)
    remove: Tuple[str, ...] = ()
    record_set: Mapping[str, str] = dataclasses.field(default_factory=dict)
    record_remove: Tuple[str, ...] = ()
    changes: Tuple[str, ...] = ()
    notes: Tuple[str, ...] = ()


def plan_plugins(path, sections, cli, folder, recorded, v1_beside=None):
    """What ``install`` changes in ``[plugins]`` of the config file."""
    plugins = sections.get(PLUGINS_SECTION, {})
    values, record, changes, notes = {}, {}, [], []
    enabled_as = [
        key for key, value in plugins.items()
        if key != PLUGIN_PATH_KEY and value == PLUGIN_MODULE
    ]
    current = plugins.get(PLUGIN_KEY)
    if current is not None and current != PLUGIN_MODULE:
        raise ConfigError(
            f"[plugins] {PLUGIN_KEY} in {path} is {current!r}, not "
            f"{PLUGIN_MODULE}; nothing was changed: remove or correct that line "
            "and run the installer again."
        )
    if not enabled_as:
        values[PLUGIN_KEY] = record[PLUGIN_KEY] = PLUGIN_MODULE
        changes.append(
            f"{path}: enabled the plugin ([plugins] {PLUGIN_KEY} = {PLUGIN_MODULE})."
        )

    path_value = plugins.get(PLUGIN_PATH_KEY)
    if cli.major >= 2:
        components = _components(path_value)
        if not any(_same_folder(c, folder) for c in components):
            values[PLUGIN_PATH_KEY] = os.pathsep.join(components + [folder])
            record[PLUGIN_PATH_KEY] = folder
            changes.append(
                f"{path}: added {folder} to [plugins] {PLUGIN_PATH_KEY}, where "
                "AWS CLI v2 looks for the plugin."
            )
        if v1_beside:
            notes.append(
                f"Note: AWS CLI v1 (awscli {v1_beside} is installed alongside "
                f"this package) fails on every command while {path} sets "
                f"{PLUGIN_PATH_KEY}; use AWS CLI v2 with this config."
            )
    elif path_value is not None:
        notes.append(
            f"Note: {path} sets [plugins] {PLUGIN_PATH_KEY} (for AWS CLI v2), "
            "and AWS CLI v1 fails on every command while it is there; remove it "
            f"(`{PROG} uninstall` does if this installer added it)."
        )
    return SectionEdit(
        path=path, section=PLUGINS_SECTION, subsections=True, before=dict(plugins),
        set=values, record_set={k: v for k, v in record.items() if recorded.get(k) != v},
        changes=tuple(changes), notes=tuple(notes),
    )


def plan_aliases(path, sections, shipped, recorded):
    """What ``install`` adds to ``[toplevel]`` of the alias file."""
    aliases = sections.get(ALIAS_SECTION, {})
    added, updated, kept, edited = {}, {}, [], []
    for name, value in shipped.items():
        current = aliases.get(name)
        if current is None:
            added[name] = value
        elif current == value:
            continue
        elif current == recorded.get(name):
            updated[name] = value  # ours from an older release, unchanged since
        elif name in recorded:
            edited.append(name)
        else:
            kept.append(name)
    values = {**added, **updated}
    changes, notes = [], []
    if added:
        changes.append(f"{path}: added the aliases {', '.join(added)}.")
    if updated:
        changes.append(f"{path}: updated the aliases {', '.join(updated)}.")
    for name in kept:
        notes.append(
            f"{path}: kept your own alias {name!r}; the shipped one was not added."
        )
    for name in edited:
        notes.append(
            f"{path}: kept the alias {name!r} as you changed it."
        )
    return SectionEdit(
        path=path, section=ALIAS_SECTION, subsections=False, before=dict(aliases),
        set=values, record_set={k: v for k, v in values.items() if recorded.get(k) != v},
        changes=tuple(changes), notes=tuple(notes),
    )


def plan_plugins_removal(path, sections, recorded):
    """What ``uninstall`` takes out of ``[plugins]``: what install recorded adding."""
    plugins = sections.get(PLUGINS_SECTION, {})
    values, remove, changes, notes = {}, [], [], []
    for key, added in recorded.items():
        current = plugins.get(key)
        if key == PLUGIN_PATH_KEY:
            components = _components(current)
            if any(_same_folder(c, added) for c in components):
                rest = [c for c in components if not _same_folder(c, added)]
                if rest:
                    values[key] = os.pathsep.join(rest)
                else:
                    remove.append(key)
                changes.append(f"{path}: removed {added} from [plugins] {key}.")
        elif current == added:
            remove.append(key)
            changes.append(f"{path}: disabled the plugin (removed [plugins] {key}).")
        elif current is not None:
            notes.append(
                f"{path}: left [plugins] {key} as you changed it."
            )
    if not recorded and any(v == PLUGIN_MODULE for v in plugins.values()):
        notes.append(
            f"{path}: the plugin was enabled by hand, not by this installer, "
            "so it stays enabled."
        )
    return SectionEdit(
        path=path, section=PLUGINS_SECTION, subsections=True, before=dict(plugins),
        set=values, remove=tuple(remove), record_remove=tuple(recorded),
        changes=tuple(changes), notes=tuple(notes),
    )


def plan_aliases_removal(path, sections, recorded):
    """What ``uninstall`` takes out of ``[toplevel]``: recorded aliases still as added."""
    aliases = sections.get(ALIAS_SECTION, {})
    remove, edited = [], []
    for name, added in recorded.items():
        current = aliases.get(name)
        if current == added:
            remove.append(name)
        elif current is not None:
            edited.append(name)
    changes, notes = [], []
    if remove:
        changes.append(f"{path}: removed the aliases {', '.join(remove)}.")
    for name in edited:
        notes.append(
            f"{path}: left the alias {name!r} in place: you changed it."
        )
    return SectionEdit(
        path=path, section=ALIAS_SECTION, subsections=False, before=dict(aliases),
        remove=tuple(remove), record_remove=tuple(recorded),
        changes=tuple(changes), notes=tuple(notes),
    )


def _components(value):
    return [c for c in (value or "").split(os.pathsep) if c]


def _same_folder(a, b):
    return os.path.normpath(a) == os.path.normpath(b)


# --------------------------------------------------------------------------
# Carrying plans out
# --------------------------------------------------------------------------


def _record_header(kind, path):
    return f"{kind} {path}"


def _apply(plan, record_path, record_header):
    """Write one plan: the record first, so an interrupted install can be undone."""
    if plan.record_set:
        inifile.update_section(record_path, record_header, dict(plan.record_set))
    if plan.set or plan.remove:
        inifile.update_section(
            plan.path, plan.section, dict(plan.set), plan.remove,
            check=_unchanged(plan), subsections=plan.subsections,
        )
    if plan.record_remove:
        inifile.update_section(record_path, record_header, {}, plan.record_remove)


def _check_writable(plans, record_path):
    """Refuse a read-only file among those the plans change, before any is written."""
    changing = [plan for plan, _ in plans
                if plan.set or plan.remove or plan.record_set or plan.record_remove]
    for path in dict.fromkeys([plan.path for plan in changing if plan.set or plan.remove]
                              + [record_path] * bool(changing)):
        inifile.check_writable(path)


def _unchanged(plan):
    def check(sections):
        if sections.get(plan.section, {}) != plan.before:
            raise CredentialsFileError(
                f"[{plan.section}] of {plan.path} changed while the installer "
                "was running, so it was left as it is; run the installer again."
            )
    return check


def _read(path, subsections=True):
    return inifile.read_sections(path, subsections=subsections)


def install(paths, cli, folder, shipped, v1_beside=None):
    """Plan and carry out ``install``; return the report's lines."""
    record = _read(paths.record)
    config_header = _record_header("config", paths.config)
    alias_header = _record_header("alias", paths.alias)
    plans = [
        (plan_plugins(paths.config, _read(paths.config), cli, folder,
                      record.get(config_header, {}), v1_beside), config_header),
        (plan_aliases(paths.alias, _read(paths.alias, subsections=False), shipped,
                      record.get(alias_header, {})), alias_header),
    ]
    _check_writable(plans, paths.record)
    for plan, header in plans:
        _apply(plan, paths.record, header)
    return _report(plans, f"AWS CLI v{cli.major} ({cli.how}).",
                   "Nothing to do: the plugin and the aliases are already installed.",
                   f"Done; try: aws {COMMAND_NAME} --profile <profile>  (or aws {COMMAND_NAME} help)")


def uninstall(paths):
    """Plan and carry out ``uninstall``; return the report's lines."""
    record = _read(paths.record)
    config_header = _record_header("config", paths.config)
    alias_header = _record_header("alias", paths.alias)
    plans = [
        (plan_plugins_removal(paths.config, _read(paths.config),
                              record.get(config_header, {})), config_header),
        (plan_aliases_removal(paths.alias, _read(paths.alias, subsections=False),
                              record.get(alias_header, {})), alias_header),
    ]
    _check_writable(plans, paths.record)
    for plan, header in plans:
        _apply(plan, paths.record, header)
    return _report(plans, None,
                   "Nothing to undo: this installer has nothing recorded as added "
                   f"to {paths.config} or {paths.alias}.",
                   "Done.")


def _report(plans, first, nothing, done):
    lines = [first] if first else []
    changes = [line for plan, _ in plans for line in plan.changes]
    lines.extend(changes)
    lines.extend(line for plan, _ in plans for line in plan.notes)
    lines.append(done if changes else nothing)
    return lines


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{self.prog}: {message} (see --help).")


def _parser():
    parser = _Parser(
        prog=PROG,
        description="Enable aws mfa-switch and its aliases for the AWS CLI, or undo that.",
    )
    commands = parser.add_subparsers(dest="action", metavar="{install,uninstall}")
    commands.required = True
    add = commands.add_parser(
        "install",
        help="enable the plugin in the AWS config and merge the aliases into ~/.aws/cli/alias",
    )
    add.add_argument(
        "--cli-version", choices=("1", "2"),
        help="the AWS CLI major version to install for (default: ask the aws "
             "on PATH, and check that it can load the plugin)",
    )
    commands.add_parser(
        "uninstall", help="remove exactly what install added",
    )
    return parser


def main(argv=None, env=None):
    """Run ``install`` or ``uninstall`` as given in ``argv``; return the exit status."""
    env = env or Environment.from_process()
    try:
        args = _parser().parse_args(argv)
        paths = Paths.from_environ(env.environ)
        if args.action == "install":
            if args.cli_version:
                cli = Cli(int(args.cli_version), f"--cli-version {args.cli_version}")
            else:
                cli = detect_cli(env.environ)
                check_plugin_loads(cli, plugin_folder(), env.environ)
            lines = install(paths, cli, plugin_folder(), shipped_aliases(),
                            _awscli_v1_beside())
            note = python_note(cli, plugin_folder())
            if note:
                lines.insert(-1, note)
            for note in other_v1_notes(cli, paths.config, env.environ):
                lines.insert(-1, note)
        else:
            lines = uninstall(paths)
    except MfaSwitchError as error:
        env.stderr.write(f"{error}\n")
        env.stderr.flush()
        return error.exit_code
    env.stderr.write("".join(line + "\n" for line in lines))
    env.stderr.flush()
    return ExitCode.OK
