"""The command line and the environment, read once into a :class:`Request`.

Nothing below this stage sees argparse's namespace or the CLI's session:
the stages that follow get plain, frozen values.
"""
from __future__ import annotations

import os
import re
import types
from collections.abc import Mapping

from awscli_mfa_plugin.errors import UsageError
from awscli_mfa_plugin.request import modes
from awscli_mfa_plugin.request.modes import SWITCH
from awscli_mfa_plugin.values import Value

#: Who may ask a person for a code (``--prompt``, ``mfa_prompt``):
#: see :mod:`awscli_mfa_plugin.codes.asker`.
PROMPTS = ("auto", "terminal", "zenity", "kdialog", "osascript", "powershell",
           "ykman")
#: The profile key (on the profile or its source profile).
PROMPT_KEY = "mfa_prompt"
#: The YubiKey OATH account that gives the code with ``mfa_prompt = ykman``.
YKMAN_ACCOUNT_KEY = "mfa_ykman_account"

#: The :class:`Overrides` that change what is switched to (not where to).
RECIPE_ATTRIBUTES = ("role_arn", "source_profile", "serial_number",
                     "duration_seconds", "role_session_name", "external_id")


class Overrides(Value):
    """Values given as flags for one run; ``None`` means "not given"."""

    role_arn: str | None = None
    source_profile: str | None = None
    serial_number: str | None = None
    duration_seconds: str | None = None
    role_session_name: str | None = None
    external_id: str | None = None
    target_profile: str | None = None

    def any_recipe_value(self):
        """True when flags alone describe what to switch to."""
        return any(getattr(self, attr) is not None for attr in RECIPE_ATTRIBUTES)



class Request(Value):
    """What one run of ``aws mfa-switch`` was asked to do."""

    #: Profiles named on the command line (positional), in order, once each.
    names: tuple[str, ...]
    #: The profile the CLI selected: ``--profile``, ``AWS_PROFILE``, else
    #: ``default``; switched when no name is given.
    selected_profile: str
    #: ``--all``: every profile whose recipe assumes a role.
    every: bool = False
    overrides: Overrides = Overrides()
    token_code: str | None = None
    force: bool = False
    min_remaining: str | None = None
    #: What the run does: a name in :data:`~awscli_mfa_plugin.request.modes.MODES`.
    mode: str = SWITCH
    #: ``--export SHELL``: the shell (modes ``export`` and ``unset``), else ``None``.
    export: str | None = None
    save_serial: bool = False
    #: ``--region`` or ``AWS_REGION``/``AWS_DEFAULT_REGION``, not the config.
    region: str | None = None
    endpoint_url: str | None = None
    verify_ssl: object | None = None
    config_path: str = ""
    credentials_path: str = ""
    #: The folder of the AWS CLI's assume-role cache (native profiles).
    cache_dir: str = ""
    #: The login name, the last resort for a session name.
    user_name: str | None = None
    #: The CLI's global ``--profile`` as typed (``None`` when absent).
    profile_flag: str | None = None
    #: The environment variables of the run (federation endpoint override).
    environ: Mapping[str, str] = types.MappingProxyType({})
    #: ``--prompt``: who asks for a code (see ``codes/asker.py``), else ``None``.
    prompt: str | None = None
    #: The private folder where runs take turns and spent codes are kept.
    state_dir: str = ""
    #: ``--exec -- COMMAND [ARGUMENT...]`` (mode ``exec``): the command
    #: to run with the profile's credentials, renewed; else ``None``.
    exec_command: tuple[str, ...] | None = None
    #: ``--no-server``: the command gets fixed keys in its environment.
    no_server: bool = False
    #: ``--exec-port``: the endpoint's port (``None``: any free one).
    exec_port: str | None = None

    @property
    def renews_itself(self):
        """True for the consumers that come back for more: a credential
        process and the child of ``--exec`` (SDKs renew 15 minutes ahead)."""
        return self.mode in ("credential-process", "exec")
    #: ``--console-service``, ``--console-destination`` (a console path),
    #: ``--console-region`` and ``--browser`` (a command line), else ``None``.
    console_service: str | None = None
    console_path: str | None = None
    console_region: str | None = None
    browser: str | None = None

    @property
    def several(self):
        """True when more than one profile may be switched in this run."""
        return self.every or len(self.names) > 1

    @property
    def credential_process(self):
        """True in ``--credential-process`` mode."""
        return self.mode == "credential-process"

    @property
    def wants_console(self):
        """True with ``--console`` or ``--console-url``."""
        return self.mode in ("console", "console-url")


def from_parsed(parsed_args, parsed_globals, session, cache_dir, environ,
                after_dashes=None):
    """The :class:`Request` for argparse's namespaces and the CLI's session.

    ``session`` is read for what the CLI resolved: the selected profile,
    the files' paths and the region given by flag or environment.
    ``after_dashes`` is what followed ``--`` on the command line (``None``:
    no ``--``), the command of ``--exec``.
    """
    mode = modes.select(_mode_flags(parsed_args))
    names = tuple(dict.fromkeys(parsed_args.profiles or ()))
    check_profile_flag(names, bool(parsed_args.all), parsed_globals.profile)
    request = Request(
        names=names,
        mode=mode.name,
        selected_profile=session.profile or "default",
        every=bool(parsed_args.all),
        overrides=Overrides(
            role_arn=parsed_args.role_arn,
            source_profile=parsed_args.source_profile,
            serial_number=parsed_args.serial_number,
            duration_seconds=parsed_args.duration_seconds,
            role_session_name=parsed_args.role_session_name,
            external_id=parsed_args.external_id,
            target_profile=parsed_args.target_profile,
        ),
        token_code=parsed_args.token_code,
        force=bool(parsed_args.force),
        min_remaining=parsed_args.min_remaining,
        export=parsed_args.export,
        save_serial=bool(parsed_args.save_serial),
        # The config file's region depends on the profile switched, which
        # the plan knows; only what overrides every profile is read here.
        region=session.get_config_variable(
            "region", methods=("instance", "env")),
        endpoint_url=parsed_globals.endpoint_url,
        verify_ssl=parsed_globals.verify_ssl,
        config_path=botocore_path(session.get_config_variable("config_file")),
        credentials_path=botocore_path(
            session.get_config_variable("credentials_file")),
        cache_dir=cache_dir,
        user_name=_login_name(),
        profile_flag=parsed_globals.profile,
        environ=environ,
        prompt=getattr(parsed_args, "prompt", None),
        state_dir=state_folder(cache_dir),
        exec_command=_exec_command(mode, after_dashes),
        no_server=bool(getattr(parsed_args, "no_server", False)),
        exec_port=getattr(parsed_args, "exec_port", None),
        console_service=getattr(parsed_args, "console_service", None),
        console_path=getattr(parsed_args, "console_destination", None),
        console_region=getattr(parsed_args, "console_region", None),
        browser=getattr(parsed_args, "browser", None),
    )
    check(request)
    check_token_code(request.token_code)
    return request


def check(request):
    """Refuse what the request's mode does not take (see :data:`~awscli_mfa_plugin.request.modes.MODES`).

    >>> check(Request(names=("a", "b"), selected_profile="default",
    ...               mode="export", export="bash"))
    Traceback (most recent call last):
    ...
    awscli_mfa_plugin.errors.UsageError: --export and --credential-process print one profile's credentials; name a single profile with --profile.
    """
    mode = modes.BY_NAME[request.mode]
    if request.several and mode.several:
        raise UsageError(mode.several.format(flag=mode.flag))
    if mode.alone and (request.overrides != Overrides() or request.token_code
                       or request.force):
        raise UsageError(mode.alone.format(flag=mode.flag))
    check_console(request)
    if request.several and request.overrides != Overrides():
        raise UsageError(
            "Flags such as --role-arn or --target-profile apply to one "
            "profile; switch several profiles by their recipes only.")
    _check_exec(request)


def _exec_command(mode, after_dashes):
    """The command of ``--exec`` (``()`` when none was given), else ``None``."""
    if mode.name != "exec":
        if after_dashes is not None:
            raise UsageError(
                "What follows -- is a command for --exec to run: aws "
                "mfa-switch --profile NAME --exec -- COMMAND [ARGUMENT...].")
        return None
    return tuple(after_dashes or ())


def _check_exec(request):
    """``--exec`` runs one command with one profile's credentials."""
    if request.exec_command is None:
        for flag, on in (("--no-server", request.no_server),
                         ("--exec-port", request.exec_port is not None)):
            if on:
                raise UsageError(
                    f"{flag} goes with --exec: aws mfa-switch --profile NAME "
                    f"--exec {flag} ... -- COMMAND [ARGUMENT...].")
        return
    if request.no_server and request.exec_port is not None:
        raise UsageError(
            "--exec-port is the port of the credentials endpoint, which "
            "--no-server does without; drop one of them.")
    if not request.exec_command:
        from awscli_mfa_plugin.errors import ChildCommandError

        raise ChildCommandError(
            "--exec needs the command to run after --: aws mfa-switch "
            "--profile NAME --exec -- COMMAND [ARGUMENT...] (the -- keeps "
            "the AWS CLI from taking the command's own options, such as "
            "--region).")


_CONSOLE_SERVICE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
#: A path on the console's host: no scheme, no other host (``//``), no
#: spaces or quotes.
_CONSOLE_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9/._~!$&'()*+,;=:@%?#-]{0,2000}")
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}")


def check_console(request):
    """Refuse the console's options without the console, or malformed.

    >>> check_console(Request(names=(), selected_profile="dev", mode="console",
    ...                       console_path="https://evil.example/"))
    Traceback (most recent call last):
    ...
    awscli_mfa_plugin.errors.UsageError: The console destination 'https://evil.example/' is not a console path; give one that starts with a single / such as /s3/buckets.
    """
    given = [flag for flag, value in (
        ("--console-service", request.console_service),
        ("--console-destination", request.console_path),
        ("--console-region", request.console_region)) if value is not None]
    if given and not request.wants_console:
        raise UsageError(
            f"{given[0]} says where the console opens; it goes with "
            "--console or --console-url.")
    if request.browser is not None and request.mode != "console":
        raise UsageError(
            "--browser says which browser opens the console; it goes with "
            "--console (--console-url prints the link instead).")
    if request.console_service is not None and request.console_path is not None:
        raise UsageError(
            "--console-service and --console-destination both say where the "
            "console opens; pick one.")
    if request.console_service is not None \
            and not _CONSOLE_SERVICE.fullmatch(request.console_service):
        raise UsageError(
            f"The console service {request.console_service!r} is not a "
            "service name like s3 or ec2 (a-z, 0-9 and -).")
    if request.console_path is not None \
            and not _CONSOLE_PATH.fullmatch(request.console_path):
        raise UsageError(
            f"The console destination {request.console_path!r} is not a "
            "console path; give one that starts with a single / such as "
            "/s3/buckets.")
    if request.console_region is not None \
            and not _REGION.fullmatch(request.console_region):
        raise UsageError(
            f"The console region {request.console_region!r} is not a region "
            "name like eu-west-1.")


def state_folder(cache_dir):
    """Where runs take turns and spent codes are kept: beside the AWS CLI's own cache.

    >>> state_folder("/home/a/.aws/cli/cache")
    '/home/a/.aws/cli/mfa-switch'
    """
    return os.path.join(os.path.dirname(cache_dir.rstrip(os.sep)), "mfa-switch")


def _mode_flags(parsed_args):
    """The flags of :data:`~awscli_mfa_plugin.request.modes.MODES` given on the command line."""
    return {mode.flag for mode in modes.MODES if mode.flag and getattr(
        parsed_args, mode.name.replace("-", "_"), None) not in (None, False)}


def botocore_path(path):
    """``path`` (``AWS_CONFIG_FILE`` and the like) as botocore opens it.

    botocore expands ``$VARIABLES`` and then ``~`` before it reads a file
    (``configloader.raw_config_parse``); the files written must be the ones
    it reads.

    >>> import os
    >>> os.environ["MFA_SWITCH_DOCTEST_DIR"] = "/srv/aws"
    >>> botocore_path("$MFA_SWITCH_DOCTEST_DIR/credentials")
    '/srv/aws/credentials'
    """
    return os.path.expanduser(os.path.expandvars(path))


def _login_name():
    import getpass  # only here: the fast path imports this module too

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def check_profile_flag(names, all_profiles, profile_flag):
    """Refuse ``--profile`` where profile names (or ``--all``) already say what to switch.

    ``names`` are the profiles named without a flag, ``profile_flag`` the
    CLI's global ``--profile`` (``None`` when absent; ``AWS_PROFILE`` is not
    a flag and is simply overridden by a name).  ``--profile`` repeating
    the one name given is accepted.

    >>> check_profile_flag(["dev"], False, "dev")
    >>> check_profile_flag(["dev"], False, "prod")
    Traceback (most recent call last):
    ...
    awscli_mfa_plugin.errors.UsageError: The profile to switch is named twice, as 'dev' and with --profile prod; name it once (aws mfa-switch dev, or aws mfa-switch --profile prod).
    """
    if profile_flag is None:
        return
    if all_profiles:
        raise UsageError(
            f"--all switches every profile with a role recipe, so --profile "
            f"{profile_flag} has no place beside it; drop one of them."
        )
    if len(names) > 1:
        listed = " ".join(names)
        raise UsageError(
            f"The profiles to switch are named ({listed}), so --profile "
            f"{profile_flag} has no place beside them; drop it or add its "
            "name to the list."
        )
    if names and names[0] != profile_flag:
        raise UsageError(
            f"The profile to switch is named twice, as {names[0]!r} and with "
            f"--profile {profile_flag}; name it once (aws mfa-switch "
            f"{names[0]}, or aws mfa-switch --profile {profile_flag})."
        )


def check_choice(value, where):
    """``value`` as a choice, or :class:`UsageError` naming ``where`` it came from.

    >>> check_choice(" Zenity ", "mfa_prompt of 'dev'")
    'zenity'
    >>> check_choice(None, "--prompt") is None
    True
    """
    if value is None or not str(value).strip():
        return None
    choice = str(value).strip().lower()
    if choice not in PROMPTS:
        raise UsageError(
            f"The {where} is {str(value).strip()!r}, which is not one of "
            f"{', '.join(PROMPTS)}.")
    return choice


def normalize_code(text):
    """Return the six-digit code in ``text`` with spaces removed, or ``None``.

    ASCII digits only: STS refuses other digits.

    >>> normalize_code(" 123 456 ")
    '123456'
    >>> normalize_code("12345") is None
    True
    >>> normalize_code("\u0661\u0662\u0663\u0664\u0665\u0666") is None
    True
    """
    candidate = "".join(text.split(" ")).strip("\t\r\n")
    if len(candidate) == 6 and all(c in "0123456789" for c in candidate):
        return candidate
    return None


def check_token_code(token_code):
    """Refuse a malformed ``--token-code`` before anything is read or created.

    Whether or not the run turns out to need a code: bad input is bad input.

    >>> check_token_code("12345")
    Traceback (most recent call last):
    ...
    awscli_mfa_plugin.errors.UsageError: The MFA code from --token-code is not six digits (0-9).
    """
    if token_code is not None and normalize_code(token_code) is None:
        raise UsageError("The MFA code from --token-code is not six digits (0-9).")


def check_profile_flags(argv, program="aws mfa-switch"):
    """Refuse ``--profile`` given twice with different names in ``argv``.

    The AWS CLI keeps only the last ``--profile``; switching one of two
    named profiles in silence would be a lie.  Arguments after ``--`` are
    not options.

    >>> check_profile_flags(["--profile", "dev", "--profile=dev"])
    >>> check_profile_flags(["--profile", "dev", "--profile", "dev2"])
    Traceback (most recent call last):
    ...
    awscli_mfa_plugin.errors.UsageError: --profile is given more than once (dev, dev2) and only one is read; to switch several profiles, name them without it: aws mfa-switch dev dev2
    """
    names = []
    args = iter(argv)
    for arg in args:
        if arg == "--":
            break
        if arg == "--profile":
            value = next(args, None)
        elif arg.startswith("--profile="):
            value = arg.partition("=")[2]
        else:
            continue
        if value is not None and value not in names:
            names.append(value)
    if len(names) > 1:
        raise UsageError(
            f"--profile is given more than once ({', '.join(names)}) and only "
            "one is read; to switch several profiles, name them without it: "
            f"{program} {' '.join(names)}")
