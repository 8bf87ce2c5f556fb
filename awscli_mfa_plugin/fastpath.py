"""Answers from still-valid stored credentials, cheaply.

``aws-mfa-switch --profile dev`` (the kept sentence on stderr), ``--export
SHELL`` (the shell lines, then that sentence) and ``--credential-process``
(the JSON, silently) are answered here when the credentials the switch
stored will do, with the words and lines the full command would use
(:func:`~awscli_mfa_plugin.report.sentences.kept_recipe_line`,
:func:`~awscli_mfa_plugin.deliver.shells.export_script`).

The ``credential_process`` answer first:

An SDK runs its ``credential_process`` command for every new process
(Terraform once per provider), so ``aws-mfa-switch --profile dev
--credential-process`` must answer in a few dozen milliseconds when nothing
needs renewing.  This module decides that with the standard library only
(it never imports botocore, awscli or prompt_toolkit) and makes the same
decision ``aws mfa-switch --credential-process`` makes: the same profile
selection, the same recipe resolution, the same minimum remaining time.

Whenever it is not sure - an option it does not know, a file it cannot
parse, a recipe error, credentials too close to expiry - it answers
nothing, and the caller runs the full command, which then renews the
credentials or reports the problem in its usual words.
"""
from __future__ import annotations

import configparser
import os

from awscli_mfa_plugin.deliver.shells import export_script
from awscli_mfa_plugin.files import output
from awscli_mfa_plugin.plan import keep
from awscli_mfa_plugin.errors import MfaSwitchError
from awscli_mfa_plugin.report import sentences
from awscli_mfa_plugin.request.arguments import DEFAULT_SHELL, SHELLS
from awscli_mfa_plugin.request.parse import Overrides
from awscli_mfa_plugin.plan.recipe import (
    is_native_role,
    resolve_recipe,
    shadowing_key,
)
from awscli_mfa_plugin.stored import from_section, is_managed, profile_map
from awscli_mfa_plugin.values import Value

#: Options that take a value and that this module understands.  The global
#: ``--region`` and ``--endpoint-url`` change nothing about a stored answer.
_VALUE_OPTIONS = {
    "--profile": "profile",
    "--target-profile": "target_profile",
    "--min-remaining": "min_remaining",
    "--prompt": "prompt",
    "--region": "region",
    "--endpoint-url": None,
}
PROCESS_FLAG = "--credential-process"
EXPORT_FLAG = "--export"

#: botocore looks at these, in this order, when ``--profile`` is absent.
_PROFILE_VARIABLES = ("AWS_DEFAULT_PROFILE", "AWS_PROFILE")


class ProcessRequest(Value):
    """What a ``--credential-process`` command line asks for."""

    profile: str | None = None
    target_profile: str | None = None
    min_remaining: str | None = None
    #: A profile named without ``--profile`` (``aws-mfa-switch dev ...``).
    name: str | None = None
    prompt: str | None = None
    #: ``--region``: the region ``--export`` prints (the stored answer is
    #: the same in every region).
    region: str | None = None
    #: ``--export``'s shell; ``None`` for the other modes.
    export: str | None = None
    #: ``--credential-process``: JSON on stdout, nothing on stderr.
    process: bool = True


def parse_args(argv):
    """The :class:`ProcessRequest` in ``argv``, or ``None`` if this module can't serve it.

    >>> parse_args(["--profile", "dev", "--credential-process"])
    ProcessRequest(profile='dev', target_profile=None, min_remaining=None, name=None, prompt=None, region=None, export=None, process=True)
    >>> parse_args(["dev", "--credential-process"]).name
    'dev'
    >>> parse_args(["--profile=dev", "--credential-process", "--force"]) is None
    True
    >>> parse_args(["--profile", "dev"]) is None     # not credential_process
    True
    >>> parse_args(["dev", "prod", "--credential-process"]) is None
    True
    """
    request = parse_any(argv)
    return request if request is not None and request.process else None


def parse_any(argv):
    """As :func:`parse_args`, for a plain switch and ``--export`` too.

    >>> parse_any(["--profile", "dev"]).process
    False
    >>> parse_any(["dev", "--export"]).export, parse_any(["--export=fish"]).export
    ('bash', 'fish')
    >>> parse_any(["--export", "dev"]) is None  # argparse would refuse it
    True
    >>> parse_any(["--export", "--credential-process"]) is None
    True
    """
    values = {}
    process = False
    args = list(argv)
    args.reverse()  # popped from the end, first word first
    while args:
        arg = args.pop()
        if arg == PROCESS_FLAG:
            process = True
            continue
        if arg == EXPORT_FLAG or arg.startswith(EXPORT_FLAG + "="):
            # nargs="?": the next word is the shell when it is one; another
            # word there (a profile's name) argparse would refuse.
            shell = arg.partition("=")[2] if "=" in arg else DEFAULT_SHELL
            if "=" not in arg and args and not args[-1].startswith("-"):
                shell = args.pop()
            if shell not in SHELLS:
                return None
            values["export"] = shell
            continue
        if not arg.startswith("-"):
            # One profile name; several (or "help") mean another mode.
            if "name" in values or arg in ("", "help"):
                return None
            values["name"] = arg
            continue
        name, equals, value = arg.partition("=")
        if name not in _VALUE_OPTIONS:
            return None
        if not equals:
            value = args.pop() if args else None
        # What argparse would refuse (a missing value) or could read
        # differently (a value that looks like an option) goes the full way.
        if not value or value.startswith("-"):
            return None
        if _VALUE_OPTIONS[name]:
            values[_VALUE_OPTIONS[name]] = value  # the last one wins, as in argparse
    if process and "export" in values:
        return None  # refused by the full command
    return ProcessRequest(process=process, **values)


def selected_profile(request, environ):
    """The profile the command switches, or ``None`` when that is unclear.

    A name given without ``--profile`` (which ``--profile`` may repeat but
    not contradict), as in ``aws mfa-switch``; else the profile botocore
    selects.
    """
    if request.name is not None:
        # The full command refuses a name that --profile contradicts.
        if request.profile not in (None, request.name):
            return None
        return request.name
    if request.profile is not None:
        return request.profile
    for name in _PROFILE_VARIABLES:
        if name in environ:
            return environ[name] or None
    return "default"


def file_path(environ, variable, default):
    """Where botocore looks for a shared file, or ``None`` when unsure."""
    raw = environ.get(variable, default)
    # botocore also expands $VARIABLES when reading; leave those to it.
    if not raw or "$" in raw:
        return None
    return os.path.expanduser(raw)


class _Reading(Value):
    """What the files say about a ``--credential-process`` request."""

    profiles: dict
    sections: dict
    recipe: object
    #: Seconds the stored credentials must still have.
    minimum: int


def _read(request, env):
    """The :class:`_Reading` of ``request``, or ``None`` when unsure.

    ``None`` also for a native role profile, whose credentials the AWS
    CLI's own cache holds, and for anything the full command would report:
    an unreadable file, a recipe error, a bad minimum.
    """
    profile = selected_profile(request, env.environ)
    config_path = file_path(env.environ, "AWS_CONFIG_FILE", "~/.aws/config")
    credentials_path = file_path(
        env.environ, "AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")
    if not (profile and config_path and credentials_path):
        return None
    try:
        profiles, sections = profile_map(config_path, credentials_path)
        if is_native_role(profiles.get(profile, {})):
            return None
        recipe = resolve_recipe(
            profiles, profile, Overrides(target_profile=request.target_profile))
        minimum = keep.min_remaining(
            request.min_remaining, profiles.get(profile),
            for_process=request.process)
    except (OSError, ValueError, configparser.Error, MfaSwitchError):
        return None
    return _Reading(profiles, sections, recipe, minimum)


def answer(argv, env):
    """Answer as the full command would if the stored credentials will do.

    The credential_process JSON; ``--export``'s lines and the kept
    sentence; or, for a plain switch, that sentence alone.  Returns
    ``True`` when it answered, ``False`` when the full command must run
    instead.  Raises :class:`~awscli_mfa_plugin.errors.OutputError` when
    standard output cannot take the answer, in the words the full command
    would use.
    """
    request = parse_any(argv)
    if request is None:
        return False
    if request.process or request.export:
        output.check(env.stdout, PROCESS_FLAG if request.process else EXPORT_FLAG)
    reading = _read(request, env)
    if reading is None:
        return False
    profiles, sections, recipe = reading.profiles, reading.sections, reading.recipe
    minimum = reading.minimum
    if shadowing_key(profiles.get(recipe.target_profile, {})):
        return False  # the full command refuses such a target
    stored = from_section(sections.get(recipe.target_profile, {}))
    now = env.now()
    if (stored is None or stored.seconds_left(now) <= minimum
            or not stored.serves(recipe)):
        return False
    if not request.process:
        if request.export:
            # The region the full command prints: --region, else botocore's
            # AWS_DEFAULT_REGION, else the selected profile's own.
            region = (request.region or env.environ.get("AWS_DEFAULT_REGION")
                      or profiles.get(recipe.profile, {}).get("region"))
            output.write(env.stdout, export_script(
                request.export, stored, region, recipe.profile),
                "The credentials", note="nothing was stored")
        env.stderr.write(sentences.kept_recipe_line(recipe, stored, now) + "\n")
        env.stderr.flush()
        return True
    # Silent on success, as ``aws mfa-switch --credential-process`` is when
    # it keeps credentials: tools such as Terraform show a credential
    # process's stderr to their user.
    output.write(env.stdout, stored.process_json() + "\n", "The credentials",
                 note="nothing was stored")
    return True


def nobody_to_ask(argv, env):
    """The sentence ``aws mfa-switch`` would end with at once, or ``None``.

    When new credentials need a code that only a person can give, and
    there is neither a terminal nor a desktop to ask in, the full command
    fails without asking anything; saying so here spares the caller the
    second it takes to load the AWS CLI.  Whenever the full command might
    do otherwise - the code from ``mfa_process``, a kept MFA session,
    a section it would refuse, another layout - this returns ``None``.
    """
    from awscli_mfa_plugin.codes import asker
    from awscli_mfa_plugin.plan.planner import fits_session, kept_session

    request = parse_args(argv)
    if request is None:
        return None
    reading = _read(request, env)
    if reading is None:
        return None
    profiles, sections, recipe = reading.profiles, reading.sections, reading.recipe
    minimum = reading.minimum
    try:
        choice = asker.check_choice(request.prompt, "--prompt") or recipe.prompt
    except MfaSwitchError:
        return None
    section = sections.get(recipe.target_profile, {})
    if (recipe.layout != "mfa" or recipe.code_process
            or not recipe.serial_number
            or shadowing_key(profiles.get(recipe.target_profile, {}))
            or (section and not is_managed(section))):
        return None
    now = env.now()
    stored = from_section(section)
    if stored is not None and stored.seconds_left(now) > minimum \
            and stored.serves(recipe):
        return None
    if kept_session(sections, recipe, now, minimum) is not None \
            and fits_session(recipe):
        return None
    terminal = env.open_terminal()
    if terminal is not None:
        terminal.close()
    if asker.how_to_ask(choice, terminal is not None, env.environ,
                        env.platform) is not None:
        return None
    return asker.no_terminal_sentence(recipe.profile)
