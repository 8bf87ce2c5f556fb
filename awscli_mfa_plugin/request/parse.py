"""The command line and the environment, read once into a :class:`Request`.

Nothing below this stage sees argparse's namespace or the CLI's session:
the stages that follow get plain, frozen values.
"""
from __future__ import annotations

import os
import types
from collections.abc import Mapping

from awscli_mfa_plugin.errors import UsageError
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
    #: ``--export SHELL``: the shell, else ``None``.
    export: str | None = None
    credential_process: bool = False
    list: bool = False
    save_serial: bool = False
    #: ``--console`` opens the console; ``--console-url`` prints its URL.
    console: bool = False
    console_url: bool = False
    #: ``--export --unset``: only the lines that remove the variables.
    unset: bool = False
    #: ``--clear``: remove what mfa-switch stored for the profiles.
    clear: bool = False
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
    #: ``--move-keys-to-keyring``, ``--move-keys-to-file`` or ``--add-keys``:
    #: the profile's long-term keys change home instead of a switch
    #: (``"to-keyring"``, ``"to-file"``, ``"add"``), else ``None``.
    keys_action: str | None = None

    @property
    def several(self):
        """True when more than one profile may be switched in this run."""
        return self.every or len(self.names) > 1

    @property
    def prints_credentials(self):
        """True when stdout receives the credentials (export or process)."""
        return self.export is not None or self.credential_process

    @property
    def wants_console(self):
        """True with ``--console`` or ``--console-url``."""
        return self.console or self.console_url


def from_parsed(parsed_args, parsed_globals, session, cache_dir, environ):
    """The :class:`Request` for argparse's namespaces and the CLI's session.

    ``session`` is read for what the CLI resolved: the selected profile,
    the files' paths and the region given by flag or environment.
    """
    request = Request(
        names=tuple(dict.fromkeys(parsed_args.profiles or ())),
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
        credential_process=bool(parsed_args.credential_process),
        list=bool(parsed_args.list),
        save_serial=bool(parsed_args.save_serial),
        console=bool(parsed_args.console),
        console_url=bool(parsed_args.console_url),
        unset=bool(parsed_args.unset),
        clear=bool(parsed_args.clear),
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
        keys_action=_keys_action(parsed_args),
    )
    check(request)
    return request


def check(request):
    """Refuse combinations that cannot mean anything.

    >>> check(Request(names=("a", "b"), selected_profile="default",
    ...               export="bash"))
    Traceback (most recent call last):
    ...
    awscli_mfa_plugin.errors.UsageError: --export and --credential-process print one profile's credentials; name a single profile with --profile.
    """
    chosen = [flag for flag, on in (
        (KEYS_FLAGS.get(request.keys_action), bool(request.keys_action)),
        ("--list", request.list),
        ("--export", request.export is not None),
        ("--credential-process", request.credential_process),
        ("--console", request.console),
        ("--console-url", request.console_url),
        ("--clear", request.clear),
    ) if on]
    if len(chosen) > 1:
        raise UsageError(
            f"{chosen[0]} and {chosen[1]} cannot be used together; pick one.")
    check_profile_flag(request.names, request.every, request.profile_flag)
    if request.keys_action:
        _check_keys(request, chosen[0])
    if request.unset and request.export is None:
        raise UsageError(
            "--unset goes with --export: 'aws mfa-switch --export --unset' "
            "prints the lines that remove the variables --export sets.")
    if request.several and request.wants_console:
        raise UsageError(
            f"{chosen[0]} signs in as one profile; name a single profile "
            "with --profile.")
    if request.several and request.overrides != Overrides():
        raise UsageError(
            "Flags such as --role-arn or --target-profile apply to one "
            "profile; switch several profiles by their recipes only.")
    if request.several and request.prints_credentials:
        raise UsageError(
            "--export and --credential-process print one profile's "
            "credentials; name a single profile with --profile.")


def state_folder(cache_dir):
    """Where runs take turns and spent codes are kept: beside the AWS CLI's own cache.

    >>> state_folder("/home/a/.aws/cli/cache")
    '/home/a/.aws/cli/mfa-switch'
    """
    return os.path.join(os.path.dirname(cache_dir.rstrip(os.sep)), "mfa-switch")


#: Each keys mode and its flag (the argument table's names).
KEYS_FLAGS = {"to-keyring": "--move-keys-to-keyring",
              "to-file": "--move-keys-to-file",
              "add": "--add-keys"}


def _keys_action(parsed_args):
    """The keys mode asked for; several at once are refused by :func:`check`."""
    on = [action for action, flag in KEYS_FLAGS.items()
          if getattr(parsed_args, flag[2:].replace("-", "_"), False)]
    if len(on) > 1:
        raise UsageError(
            f"{KEYS_FLAGS[on[0]]} and {KEYS_FLAGS[on[1]]} cannot be used "
            "together; pick one.")
    return on[0] if on else None


def _check_keys(request, flag):
    """A keys mode acts on one profile's keys and switches nothing."""
    if request.several:
        raise UsageError(
            f"{flag} moves the keys of one profile; name it with --profile.")
    if request.overrides != Overrides() or request.token_code or request.force:
        raise UsageError(
            f"{flag} only moves keys; flags of a switch such as --role-arn or "
            "--token-code have no place beside it.")


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
