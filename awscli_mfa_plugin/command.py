"""``aws mfa-switch``: the command, its arguments, and the run that ties the parts together.

The AWS CLI builds this class only when ``mfa-switch`` is used (see the
placeholder in ``awscli_mfa_plugin/__init__.py``).
"""
import contextlib
import dataclasses
import getpass
import os

from awscli.customizations.assumerole import CACHE_DIR as CLI_CACHE_DIR
from awscli.customizations.commands import BasicCommand
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from awscli_mfa_plugin import (
    aws_mfa,
    discovery,
    inifile,
    listing,
    multi,
    native,
    sessions,
    shells,
    sourcesession,
    sts,
)
from awscli_mfa_plugin.environment import Environment
from awscli_mfa_plugin.errors import (
    Cancelled,
    ExitCode,
    MfaSwitchError,
    RecipeError,
    ShadowedProfileError,
    UsageError,
)
from awscli_mfa_plugin.multi import credential_values  # noqa: F401 (public)
from awscli_mfa_plugin.prompt import TerminalPrompter, exchange_code
from awscli_mfa_plugin.recipe import (
    CHAINED_ROLE_MAX,
    Overrides,
    is_native_role,
    native_recipe,
    resolve_recipe,
    shadowing_key,
    switchable_profiles,
)
from awscli_mfa_plugin.redaction import redact, redacted_logs
from awscli_mfa_plugin.stored import StoredCredentials
from awscli_mfa_plugin.sts import fetch_credentials, source_credentials
from awscli_mfa_plugin.translate import translate

_DESCRIPTION = """\
Turns a one-time code from your MFA device into temporary credentials and
stores them in the shared credentials file under the selected profile
(``--profile``, ``AWS_PROFILE``, else ``default``), so that every tool that
reads that profile uses them until they expire.

The profile's recipe lives in the AWS config file, under the standard
assume-role keys with an ``mfa_`` prefix (botocore and the other SDKs ignore
them)::

    [profile dev]
    mfa_role_arn = arn:aws:iam::222222222222:role/AccessToTestDev
    mfa_source_profile = default
    mfa_serial = arn:aws:iam::111111111111:mfa/alice
    mfa_duration_seconds = 43200
    mfa_role_session_name = alice
    mfa_external_id = example-id

Without ``mfa_role_arn`` the command gets a session token
(GetSessionToken) for the source profile's user instead of assuming a role.
``mfa_serial`` may also sit on the source profile; without it anywhere, the
device is looked up in IAM (ListMFADevices) and can be saved. Each key has a
flag that overrides it for one run.

Two other layouts work unchanged: aws-mfa's (``[dev-long-term]`` in the
credentials file with ``aws_mfa_device`` and ``assume_role``), and the AWS
CLI's own role profiles (``role_arn``, ``source_profile``, ``mfa_serial``),
whose credentials go into the CLI's cache (``~/.aws/cli/cache``) so that
``aws --profile`` stops asking for a code.

The code comes from ``--token-code``, else from the command named by
``mfa_process`` (its standard output), else from standard input when that
is not a terminal, else from a prompt that names the device and shows how
long the current code stays valid. Ctrl-C or Ctrl-D at the prompt cancels
(exit status 130) without changing any file.

Several profiles (``--all``, or their names) are switched with one code per
MFA device: one MFA session (kept in ``[<source>-mfa-session]``, so later
switches need no code while it lasts), and each role assumed from it. Roles
assumed that way last at most one hour (STS role chaining).

Credentials stored earlier by this command are kept, without asking for a
code, while more than five minutes are left (``--min-remaining`` or the
profile's ``mfa_min_remaining`` key change that; ``--force`` renews anyway).

A summary of the identity now in use and its expiry goes to standard error.
Standard output stays empty unless asked for: ``--export`` prints the lines
that make a shell use the credentials, ``--credential-process`` the JSON a
``credential_process`` setting expects, ``--list`` a table of the profiles
that can be switched.
"""

_EXAMPLES = """\
**To switch a profile, typing the code at the prompt**::

    aws mfa-switch --profile dev

**To pass the code on the command line**::

    aws mfa-switch --profile dev --token-code 123456

**To assume a role other than the configured one, for one run**::

    aws mfa-switch --profile dev --role-arn arn:aws:iam::222222222222:role/ReadOnly

**To write the credentials under another profile name**::

    aws mfa-switch --profile dev --target-profile dev-session

**To use the credentials in the current shell (bash, zsh; fish, PowerShell)**::

    eval "$(aws mfa-switch --profile dev --export)"
    aws mfa-switch --profile dev --export fish | source
    aws mfa-switch --profile dev --export powershell | Invoke-Expression

**To let another profile get its credentials from this command** (in the
AWS config file; a code is asked for on the terminal when needed)::

    [profile dev-tools]
    credential_process = aws mfa-switch --profile dev --credential-process

**To see which profiles can be switched and how long each has left**::

    aws mfa-switch --list

**To switch every role profile with one code**::

    aws mfa-switch --all

**To switch two profiles with one code**::

    aws mfa-switch dev prod
"""


def _string_arg(name, help_text):
    return {"name": name, "help_text": help_text, "cli_type_name": "string"}


class MfaSwitchCommand(BasicCommand):
    """Switch a profile to MFA-backed temporary credentials."""

    NAME = "mfa-switch"
    DESCRIPTION = _DESCRIPTION
    SYNOPSIS = ""
    EXAMPLES = _EXAMPLES
    ARG_TABLE = [
        _string_arg(
            "role-arn",
            "<p>The role to assume (overrides <code>mfa_role_arn</code>). "
            "Without a role, a session token is requested instead.</p>",
        ),
        _string_arg(
            "serial-number",
            "<p>The MFA device's ARN (overrides <code>mfa_serial</code>).</p>",
        ),
        _string_arg(
            "source-profile",
            "<p>The profile whose long-term credentials sign the request "
            "(overrides <code>mfa_source_profile</code>; default "
            "<code>default</code>).</p>",
        ),
        _string_arg(
            "duration-seconds",
            "<p>How long the credentials last: 900-43200 seconds for a role "
            "(the role's own maximum may be lower), 900-129600 for a session "
            "token (overrides <code>mfa_duration_seconds</code>).</p>",
        ),
        _string_arg(
            "role-session-name",
            "<p>The session name recorded in CloudTrail (overrides "
            "<code>mfa_role_session_name</code>; default: the MFA device's "
            "name).</p>",
        ),
        _string_arg(
            "external-id",
            "<p>The external ID the role's trust policy asks for (overrides "
            "<code>mfa_external_id</code>).</p>",
        ),
        _string_arg(
            "token-code",
            "<p>The six-digit code shown by the MFA device, instead of "
            "being asked for it.</p>",
        ),
        _string_arg(
            "target-profile",
            "<p>The profile to write the credentials to (default: the "
            "selected profile).</p>",
        ),
        {"name": "force", "action": "store_true",
         "help_text": "<p>Get new credentials even when the stored ones are "
                      "still valid.</p>"},
        _string_arg(
            "min-remaining",
            "<p>Keep stored credentials, without asking for a code, while "
            "more than this many seconds are left (overrides "
            "<code>mfa_min_remaining</code>; default 300, or 900 with "
            "<code>--credential-process</code>).</p>",
        ),
        {"name": "export", "nargs": "?", "const": shells.DEFAULT_SHELL,
         "choices": list(shells.SHELLS), "cli_type_name": "string",
         "help_text": "<p>Print to standard output the commands that make "
                      "the current shell use the credentials (secrets "
                      "included): for <code>bash</code> (the default), "
                      "<code>zsh</code>, <code>sh</code>, <code>fish</code> "
                      "or <code>powershell</code>.</p>"},
        {"name": "credential-process", "action": "store_true",
         "help_text": "<p>Print the credentials as the JSON a "
                      "<code>credential_process</code> setting must return "
                      "(secrets included); a code is asked for on the "
                      "controlling terminal.</p>"},
        {"name": "list", "action": "store_true",
         "help_text": "<p>List the profiles that can be switched, with their "
                      "role, source profile and time left.</p>"},
        {"name": "profiles", "positional_arg": True, "nargs": "*",
         "cli_type_name": "string", "synopsis": "[<profile> ...]",
         "help_text": "<p>Profiles to switch with one code per MFA device "
                      "(instead of <code>--profile</code>): one MFA session "
                      "is made, and each role is assumed from it.</p>"},
        {"name": "all", "action": "store_true",
         "help_text": "<p>Switch every profile whose recipe assumes a role, "
                      "with one code per MFA device.</p>"},
        {"name": "save-serial", "action": "store_true",
         "help_text": "<p>When the MFA device was looked up in IAM, save it "
                      "in the profile without asking.</p>"},
    ]

    def __init__(self, session, prompter=None, env=None):
        super().__init__(session)
        self._env = env or Environment.from_process()
        self._prompter = prompter or TerminalPrompter()

    def _run_main(self, parsed_args, parsed_globals):
        # The one place errors become a sentence and an exit status; botocore's
        # own exceptions are translated so the CLI's handler never sees them.
        with redacted_logs():
            try:
                _check_modes(parsed_args)
                if parsed_args.list:
                    self._list()
                    status = None
                else:
                    status = self._switch(parsed_args, parsed_globals)
            except KeyboardInterrupt:
                return self._fail(Cancelled())
            except MfaSwitchError as error:
                return self._fail(error)
            except (BotoCoreError, ClientError, ResponseParserError) as error:
                return self._fail(translate(error))
        return ExitCode.OK if status is None else status

    def _fail(self, error):
        self._env.stderr.write(f"{redact(str(error))}\n")
        self._env.stderr.flush()
        return error.exit_code

    def _switch(self, parsed_args, parsed_globals):
        profiles = self._session.full_config.get("profiles", {})
        names = list(dict.fromkeys(parsed_args.profiles or ()))
        if parsed_args.all or len(names) > 1:
            return self._switch_many(names, parsed_args, parsed_globals, profiles)
        profile = names[0] if names else (self._session.profile or "default")
        if is_native_role(profiles.get(profile, {})):
            return self._switch_native(profile, parsed_args, parsed_globals,
                                       profiles)
        recipe = resolve_recipe(
            profiles,
            profile,
            _overrides(parsed_args),
            user_name=_login_name(),
        )
        _check_target(profiles, recipe.target_profile)
        path = self._credentials_path()
        kept = self._still_valid(parsed_args, path, recipe, profiles)
        if kept is not None:
            identity = recipe.role_arn or (
                f"a session token of {recipe.source_profile!r}")
            self._env.stderr.write(sessions.kept_summary(
                recipe.target_profile, identity, kept, self._env.now()))
            self._env.stderr.flush()
            self._print_credentials(parsed_args, kept, profiles, profile)
            return
        sections = inifile.read_sections(path)
        # Refuse before asking for a code; the write re-checks under its lock.
        _check_targets(path, sections, [recipe])
        if not recipe.serial_number:
            recipe = self._discover(recipe, parsed_args, parsed_globals,
                                    profiles)
        if (parsed_args.token_code is None and not parsed_args.force
                and (not recipe.uses_role
                     or (recipe.duration_seconds or 0) <= CHAINED_ROLE_MAX)
                and multi.kept_session(sections, recipe, self._env.now())):
            # A kept MFA session serves this profile: no code needed.
            outcome = self._run_many([recipe], parsed_args, parsed_globals,
                                     profiles, sections)
            for _, creds in outcome.switched:
                self._print_credentials(parsed_args, StoredCredentials.of(creds),
                                        profiles, profile)
            return outcome.exit_code()
        create = self._client_creator(recipe, profiles, parsed_globals)
        creds = self._exchange(
            parsed_args, recipe,
            lambda code: fetch_credentials(create, recipe, code))
        inifile.store_credentials(
            path,
            {recipe.target_profile: credential_values(creds)},
            **aws_mfa.takeover([recipe]),
        )
        self._report(recipe, creds)
        self._print_credentials(
            parsed_args, StoredCredentials.of(creds), profiles, profile)

    def _exchange(self, parsed_args, recipe, use):
        """``use(code)`` with a code from the run's sources for ``recipe``.

        A code STS rejects is asked for again while the prompt is open.
        """
        with self._code_source(parsed_args, recipe.profile) as (env, prompter):
            return exchange_code(
                parsed_args.token_code, env, prompter, recipe.serial_number,
                use, process=recipe.code_process,
            )

    def _discover(self, recipe, parsed_args, parsed_globals, profiles):
        """Find the device in IAM, say which, and offer to save it."""
        terminal = self._env.stdin_is_terminal()
        found = discovery.discover(
            self._client_creator(recipe, profiles, parsed_globals),
            self._prompter.choose if terminal else None,
        )
        self._say(f"Using MFA device {found.serial_number} of IAM user "
                  f"{found.user_name!r} (found with ListMFADevices).")
        if parsed_args.save_serial or (terminal and self._prompter.confirm(
                f"Save it in profile {recipe.profile!r} so it is not looked "
                "up again?")):
            written = discovery.save_serial(
                recipe, found.serial_number, self._config_path(),
                self._credentials_path())
            self._say(f"Saved the device in {written}.")
        return resolve_recipe(
            profiles, recipe.profile,
            dataclasses.replace(_overrides(parsed_args),
                                serial_number=found.serial_number),
            user_name=_login_name())

    def _switch_native(self, profile, parsed_args, parsed_globals, profiles):
        """MFA AssumeRole for an AWS-style role profile, into the CLI's cache."""
        if _overrides(parsed_args) != Overrides():
            raise UsageError(
                f"The profile {profile!r} is an AWS CLI role profile, whose "
                "cached credentials the CLI finds by the profile's own "
                "settings; change them in the config instead of with flags.")
        recipe = native_recipe(profiles, profile, _login_name())
        config = profiles[profile]
        if not parsed_args.force:
            # botocore itself renews cached credentials this close to expiry.
            minimum = max(native.EXPIRY_WINDOW, sessions.min_remaining(
                parsed_args.min_remaining, config,
                for_process=parsed_args.credential_process))
            kept = native.cached(CLI_CACHE_DIR, config, self._env.now(), minimum)
            if kept is not None:
                self._say(sessions.kept_summary(
                    profile, recipe.role_arn, kept, self._env.now()).rstrip("\n"))
                self._print_credentials(parsed_args, kept, profiles, profile)
                return
        client = self._client_creator(recipe, profiles, parsed_globals)("sts")
        response = self._exchange(
            parsed_args, recipe,
            lambda code: sts.assume_role(client, recipe, code))
        entry = native.store(CLI_CACHE_DIR, config, response)
        creds = sts.credentials_of(response)
        self._report(recipe, creds)
        self._say(f"Stored in the AWS CLI's cache ({entry}): 'aws --profile "
                  f"{profile}' asks for no code until "
                  f"{native.EXPIRY_WINDOW // 60} minutes before then.")
        self._print_credentials(parsed_args, StoredCredentials.of(creds),
                                profiles, profile)

    def _switch_many(self, names, parsed_args, parsed_globals, profiles):
        """Several profiles, one code per MFA device."""
        if _overrides(parsed_args) != Overrides():
            raise UsageError(
                "Flags such as --role-arn or --target-profile apply to one "
                "profile; switch several profiles by their recipes only.")
        if parsed_args.export is not None or parsed_args.credential_process:
            raise UsageError(
                "--export and --credential-process print one profile's "
                "credentials; name a single profile with --profile.")
        if parsed_args.all:
            names += [n for n in switchable_profiles(profiles) if n not in names]
        if not names:
            raise RecipeError(
                "No profile has an mfa-switch recipe that assumes a role; add "
                "mfa_role_arn to the profiles to switch together.")
        recipes = []
        for name in names:
            if is_native_role(profiles.get(name, {})):
                raise UsageError(
                    f"The profile {name!r} is an AWS CLI role profile; switch "
                    f"it on its own: aws mfa-switch --profile {name}")
            recipes.append(resolve_recipe(profiles, name,
                                          user_name=_login_name()))
        path = self._credentials_path()
        sections = inifile.read_sections(path)
        for recipe in recipes:
            _check_target(profiles, recipe.target_profile)
        _check_targets(path, sections, recipes,
                       [multi.session_section(r) for r in recipes])
        recipes = self._drop_still_valid(recipes, parsed_args, path, profiles)
        if not recipes:
            return None
        serials = {}
        for index, recipe in enumerate(recipes):
            if not recipe.serial_number:
                if recipe.source_profile not in serials:
                    serials[recipe.source_profile] = self._discover(
                        recipe, parsed_args, parsed_globals,
                        profiles).serial_number
                recipes[index] = resolve_recipe(
                    profiles, recipe.profile,
                    Overrides(serial_number=serials[recipe.source_profile]),
                    user_name=_login_name())
        return self._run_many(recipes, parsed_args, parsed_globals, profiles,
                              sections).exit_code()

    def _drop_still_valid(self, recipes, parsed_args, path, profiles):
        """Report and leave out the profiles whose credentials are still good."""
        if parsed_args.force:
            return recipes
        left = []
        for recipe in recipes:
            kept = sessions.reusable(
                path, recipe.target_profile, self._env.now(),
                sessions.min_remaining(parsed_args.min_remaining,
                                       profiles.get(recipe.profile)))
            if kept is None:
                left.append(recipe)
            else:
                self._say(sessions.kept_summary(
                    recipe.target_profile, recipe.role_arn or (
                        f"a session token of {recipe.source_profile!r}"),
                    kept, self._env.now()).rstrip("\n"))
        return left

    def _run_many(self, recipes, parsed_args, parsed_globals, profiles,
                  sections):
        """Switch ``recipes`` through MFA sessions; write once; summarise."""
        tools = multi.Tools(
            client_creator=lambda recipe: self._client_creator(
                recipe, profiles, parsed_globals),
            exchange=lambda recipe, use: self._exchange(
                parsed_args, recipe, use),
            token_code_given=parsed_args.token_code is not None,
            reuse_sessions=not parsed_args.force,
        )
        outcome = multi.switch_many(recipes, tools, sections, self._env.now())
        written = outcome.sections()
        if written:
            inifile.store_credentials(
                self._credentials_path(), written,
                **aws_mfa.takeover([recipe for recipe, _ in outcome.switched]))
        self._say(multi.summary(outcome, self._env.now()).rstrip("\n"))
        return outcome

    def _say(self, line):
        # Lines may quote STS's words about a failed role (many-roles runs).
        self._env.stderr.write(redact(line) + "\n")
        self._env.stderr.flush()

    def _client_creator(self, recipe, profiles, parsed_globals):
        """Bind a session of the source profile to the run's endpoint settings.

        A second session of the CLI's own session class is used because the
        CLI's session is bound to the selected profile, whose credentials
        are the very ones being replaced.
        """
        source = sourcesession.for_profile(self._session, recipe.source_profile)
        # --cli-read-timeout, --cli-connect-timeout and the like live there.
        source.set_default_client_config(self._session.get_default_client_config())
        source_credentials(source, recipe)  # before the prompt, not after
        # The selected profile's region as botocore would pick it, then the
        # source's; STS's global endpoint lives in us-east-1.
        region = (
            self._selected_region(profiles, recipe.profile)
            or source.get_config_variable("region")
            or "us-east-1"
        )

        def create(service, **kwargs):
            return source.create_client(
                service,
                region_name=region,
                endpoint_url=parsed_globals.endpoint_url,
                verify=parsed_globals.verify_ssl,
                **kwargs,
            )

        return create

    def _selected_region(self, profiles, profile):
        """``--region`` or the environment, else the profile's own region.

        The config file is read from botocore's parsed ``profiles`` rather
        than through the session, because the profile may not exist yet
        (flags alone can describe a switch) and the session would raise.
        """
        return self._session.get_config_variable(
            "region", methods=("instance", "env")
        ) or profiles.get(profile, {}).get("region")

    def _credentials_path(self):
        path = self._session.get_config_variable("credentials_file")
        return os.path.expanduser(path)

    def _config_path(self):
        path = self._session.get_config_variable("config_file")
        return os.path.expanduser(path)

    def _report(self, recipe, creds):
        self._env.stderr.write(
            f"Profile {recipe.target_profile!r} now uses {creds.arn}\n"
            f"{sessions.describe_until(creds.expiration, self._env.now())}.\n"
        )
        self._env.stderr.flush()

    def _still_valid(self, parsed_args, path, recipe, profiles):
        """Stored credentials to keep instead of switching, or ``None``."""
        minimum = sessions.min_remaining(
            parsed_args.min_remaining, profiles.get(recipe.profile),
            for_process=parsed_args.credential_process,
        )
        # Flags that change the recipe ask for other credentials than the
        # stored ones may be; --force asks for new ones outright.
        if parsed_args.force or _overrides(parsed_args).any_recipe_value():
            return None
        return sessions.reusable(
            path, recipe.target_profile, self._env.now(), minimum)

    def _code_source(self, parsed_args, profile):
        if parsed_args.credential_process:
            return sessions.process_code_source(
                self._env, TerminalPrompter, parsed_args.token_code, profile)
        return contextlib.nullcontext((self._env, self._prompter))

    def _print_credentials(self, parsed_args, creds, profiles, profile):
        """Write the secrets to stdout, only in the modes that ask for them."""
        if parsed_args.export:
            region = self._selected_region(profiles, profile)
            text = shells.export_script(parsed_args.export, creds, region)
        elif parsed_args.credential_process:
            text = creds.process_json() + "\n"
        else:
            return
        self._env.stdout.write(text)
        self._env.stdout.flush()

    def _list(self):
        listing.write_listing(
            self._env,
            self._session.full_config.get("profiles", {}),
            self._credentials_path(),
            CLI_CACHE_DIR,
        )


def _overrides(parsed_args):
    return Overrides(
        role_arn=parsed_args.role_arn,
        source_profile=parsed_args.source_profile,
        serial_number=parsed_args.serial_number,
        duration_seconds=parsed_args.duration_seconds,
        role_session_name=parsed_args.role_session_name,
        external_id=parsed_args.external_id,
        target_profile=parsed_args.target_profile,
    )


def _check_modes(parsed_args):
    """Refuse output modes that exclude each other."""
    chosen = [flag for flag, on in (
        ("--list", parsed_args.list),
        ("--export", parsed_args.export is not None),
        ("--credential-process", parsed_args.credential_process),
    ) if on]
    if len(chosen) > 1:
        raise UsageError(
            f"{chosen[0]} and {chosen[1]} cannot be used together; pick one."
        )


def _check_target(profiles, target):
    """Refuse a target whose config makes botocore ignore static keys."""
    shadowing = shadowing_key(profiles.get(target, {}))
    if shadowing:
        raise ShadowedProfileError(
            f"The profile {target!r} has {shadowing} in your AWS config, so "
            "tools would ignore credentials written under it; pass "
            "--target-profile with another name."
        )


def _check_targets(path, sections, recipes, extra=()):
    """Refuse sections that must not be written, before a code is asked for.

    The write's own checks, with the write's own takeover of sections
    aws-mfa wrote for recipes read from aws-mfa's layout.
    """
    names = [recipe.target_profile for recipe in recipes]
    inifile.check_credentials_targets(
        path, names + list(extra), **aws_mfa.takeover(recipes))


def _login_name():
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None
