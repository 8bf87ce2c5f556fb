"""``aws mfa-switch --doctor``: a checklist of what a switch of the profile needs.

One line per check on standard output, each ``ok``, ``problem`` (with the
fix in the same sentence), ``note`` (an explanation of a classic
confusion, where it applies) or ``skipped`` (a check that needs what an
earlier one found missing).  The exit status is 0 when no line is a
problem, else :data:`~awscli_mfa_plugin.errors.ExitCode.CONFIG`.

Nothing is written, nobody is asked for a code, and STS is called once,
only when the source profile's keys are there: GetCallerIdentity, signed
with them, whose answer shows that STS takes them and whose ``Date``
header shows how far this machine's clock is off.  Every line goes through
:func:`~awscli_mfa_plugin.redaction.redact`, and an access key ID is shown
only by its first four and last four characters.
"""
import datetime
import email.utils
import os
import shutil

from awscli_mfa_plugin.codes import asker
from awscli_mfa_plugin.errors import ExitCode, MfaSwitchError
from awscli_mfa_plugin.files import inifile, output
from awscli_mfa_plugin.files.keystore import in_keyring
from awscli_mfa_plugin.plan import planner
from awscli_mfa_plugin.plan.validation import CHAINED_ROLE_MAX_SECONDS
from awscli_mfa_plugin.redaction import redact
from awscli_mfa_plugin.report.sentences import REGION_VARIABLES, describe_left
from awscli_mfa_plugin.stored import from_section
from awscli_mfa_plugin.sts.sourcesession import region_of

OK, PROBLEM, NOTE, SKIPPED = "ok", "problem", "note", "skipped"
#: A TOTP code lasts one 30-second window: a clock off by more than that
#: makes the codes computed on this machine (mfa_process, ykman) wrong.
CLOCK_LIMIT = 30
#: STS refuses signatures made more than five minutes off its own clock.
SIGNATURE_LIMIT = 300
#: Keys whose credentials come from something else than long-term keys.
_OTHER_SOURCES = ("role_arn", "mfa_role_arn", "credential_process",
                  "sso_session", "sso_start_url", "web_identity_token_file",
                  "credential_source")


def run(request, tools):
    """The ``doctor`` mode's handler; returns the exit status."""
    output.check(tools.env.stdout, "--doctor")
    lines = list(checks(request, tools))
    text = "".join(f"{label:<8} {redact(line)}\n" for label, line in lines)
    output.write(tools.env.stdout, text, "The checklist")
    if any(label == PROBLEM for label, _ in lines):
        return ExitCode.CONFIG
    return ExitCode.OK


def checks(request, tools):
    """``(label, sentence)`` for each check, in the order a switch needs them."""
    yield OK, _plugin_line()
    profile = request.names[0] if request.names else request.selected_profile
    try:
        target = planner.targets(tools.profiles, request)[0]
    except MfaSwitchError as error:
        yield PROBLEM, f"The recipe of {profile!r} cannot be used: {error}"
        yield SKIPPED, ("The other checks need a profile that can be switched "
                        "(aws mfa-switch --list shows them).")
        return
    recipe = target.recipe
    yield OK, _recipe_line(recipe)
    keys_there = yield from _keys(recipe, tools)
    yield _device(recipe)
    if keys_there:
        yield from _sts(recipe, tools)
    else:
        yield SKIPPED, ("STS was not asked whether it takes the keys, nor for "
                        "its time to check this machine's clock: that needs "
                        "the source profile's keys.")
    yield from _kept(recipe, target, request, tools)
    yield _region(request, tools.profiles, recipe)
    yield _asker(recipe, request, tools)
    yield from _confusions(recipe, tools.profiles)


def _plugin_line():
    import platform

    import awscli

    major = awscli.__version__.split(".")[0]
    return (f"The plugin loads in AWS CLI {awscli.__version__} (v{major}) on "
            f"Python {platform.python_version()}.")


def _recipe_line(recipe):
    what = (f"assumes {recipe.role_arn}" if recipe.uses_role
            else "gets a session token (GetSessionToken)")
    return (f"The recipe of {recipe.profile!r} is valid: it {what} with the "
            f"keys of source profile {recipe.source_profile!r} and writes to "
            f"{recipe.target_profile!r} ({recipe.layout} layout).")


def shown_key(access_key_id):
    """An access key ID as people recognise it, the middle hidden.

    >>> shown_key("AKIAIOSFODNN7EXAMPLE")
    'AKIA...MPLE'
    """
    return f"{access_key_id[:4]}...{access_key_id[-4:]}"


def _keys(recipe, tools):
    """Lines about the source profile's keys; returns whether they are there."""
    source = recipe.source_profile
    config = tools.profiles.get(source) or {}
    if in_keyring(config):
        try:
            backend = tools.keys.backend_name()
            pair = tools.keys.find(source)
        except MfaSwitchError as error:
            yield PROBLEM, (f"The keys of source profile {source!r} live in "
                            f"the OS keyring, which cannot be read: {error}")
            return False
        yield OK, f"The OS keyring's backend is {backend}."
        if pair is None:
            yield PROBLEM, (
                f"The OS keyring holds no keys for source profile {source!r}; "
                f"add them with 'aws mfa-switch --profile {source} "
                "--add-keys'.")
            return False
        yield _key_kind(source, pair.access_key_id, "in the OS keyring")
        return True
    other = next((key for key in _OTHER_SOURCES if config.get(key)), None)
    key_id = config.get("aws_access_key_id")
    if key_id:
        if not config.get("aws_secret_access_key"):
            yield PROBLEM, (
                f"The source profile {source!r} has an access key but no "
                "aws_secret_access_key; add it to the profile in your "
                "credentials file.")
            return False
        yield _key_kind(source, key_id, "in the credentials file")
        return True
    if other:
        yield OK, (f"The source profile {source!r} gets its credentials from "
                   f"{other}, not from long-term keys of its own.")
        return True
    yield PROBLEM, (
        f"The source profile {source!r} has no access keys (in the "
        "credentials file or the OS keyring); add them: aws configure "
        f"--profile {source}, or 'aws mfa-switch --profile {source} "
        "--add-keys' to keep them in the OS keyring.")
    return False


def _key_kind(source, key_id, where):
    if str(key_id).startswith("AKIA"):
        return OK, (f"The source profile {source!r} has long-term keys "
                    f"({shown_key(key_id)}) {where}.")
    if str(key_id).startswith("ASIA"):
        return PROBLEM, (
            f"The source profile {source!r} holds temporary keys "
            f"({shown_key(key_id)}) {where}, which expire and cannot ask "
            "STS for an MFA session; put the IAM user's long-term keys "
            "(AKIA...) there instead.")
    return OK, (f"The source profile {source!r} has keys "
                f"({shown_key(key_id)}) {where}.")


def _device(recipe):
    if recipe.serial_number:
        return OK, f"The MFA device is {recipe.serial_number}."
    return OK, ("No MFA device is configured; a switch looks it up in IAM "
                "(ListMFADevices) and offers to save it as mfa_serial.")


def _sts(recipe, tools):
    """The one STS call: GetCallerIdentity with the source keys, and its Date."""
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    from awscli_mfa_plugin.sts.translate import translate

    asked = "one STS call: GetCallerIdentity, signed with them"
    before = tools.env.now()
    try:
        client = tools.client_creator(recipe)("sts")
        answer = client.get_caller_identity()
    except MfaSwitchError as error:
        yield PROBLEM, f"The source profile's credentials cannot be used: {error}"
        return
    except ClientError as error:
        after = tools.env.now()
        yield PROBLEM, (f"STS refused the source profile's keys ({asked}): "
                        f"{translate(error, recipe)}")
        yield _clock(error.response, before, after)
        return
    except (BotoCoreError, ResponseParserError) as error:
        yield PROBLEM, (f"STS could not be asked (so the clock is not "
                        f"checked): {translate(error, recipe)}")
        return
    after = tools.env.now()
    yield OK, (f"STS takes the source profile's keys: they are "
               f"{answer.get('Arn')} ({asked}).")
    yield _clock(answer, before, after)


def clock_offset(date_header, before, after):
    """Seconds this machine's clock is ahead of the server's (negative: behind).

    ``date_header`` is the answer's HTTP ``Date`` (whole seconds), taken
    as the middle of its second; this machine's time is the middle of the
    request.  ``None`` without a readable header.

    >>> t = datetime.datetime(2030, 1, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
    >>> clock_offset("Tue, 01 Jan 2030 11:58:00 GMT", t, t)
    119.5
    """
    try:
        server = email.utils.parsedate_to_datetime(date_header)
    except (TypeError, ValueError, IndexError):
        return None
    if server.tzinfo is None:
        server = server.replace(tzinfo=datetime.timezone.utc)
    local = before + (after - before) / 2
    return (local - server).total_seconds() - 0.5


def _clock(response, before, after):
    headers = (response or {}).get("ResponseMetadata", {}).get(
        "HTTPHeaders", {})
    offset = clock_offset(headers.get("date"), before, after)
    if offset is None:
        return SKIPPED, ("This machine's clock was not checked: STS's answer "
                         "had no Date header.")
    size = round(abs(offset))
    direction = "ahead of" if offset > 0 else "behind"
    if size < CLOCK_LIMIT:
        return OK, (f"This machine's clock agrees with STS's (the Date of "
                    f"its answer) to within {max(size, 1)} s.")
    effect = ("STS refuses every signature made more than 5 minutes off"
              if size > SIGNATURE_LIMIT else
              "codes made on this machine (mfa_process, ykman) are then "
              "wrong, as a code lasts 30 s")
    return PROBLEM, (f"This machine's clock is {size} s {direction} STS's "
                     f"(the Date of its answer); {effect}: set the clock by network time "
                     "(timedatectl set-ntp true, or your system's settings).")


def _kept(recipe, target, request, tools):
    """The kept MFA session, and what is stored for the profile itself."""
    now = tools.env.now()
    sections = inifile.read_sections(request.credentials_path)
    name = planner.session_section(recipe)
    stored = from_section(sections.get(name, {}))
    if stored is None:
        yield OK, f"No MFA session is kept in [{name}]."
    else:
        serial = sections[name].get(planner.SESSION_SERIAL_KEY)
        left = describe_left((stored.expiration - now).total_seconds())
        if serial != recipe.serial_number and recipe.serial_number:
            yield OK, (f"The MFA session kept in [{name}] is another device's "
                       f"({serial}); the next switch asks for a code.")
        else:
            yield OK, f"The MFA session kept in [{name}] has {left} left."
    if target.sink == planner.FILE:
        own = from_section(sections.get(recipe.target_profile, {}))
        if own is not None:
            left = describe_left((own.expiration - now).total_seconds())
            yield OK, (f"The credentials stored in [{recipe.target_profile}] "
                       f"have {left} left.")


def _region(request, profiles, recipe):
    variable = next((v for v in REGION_VARIABLES
                     if request.environ.get(v)), None)
    if variable:
        return OK, f"The region is {request.environ[variable]} (from {variable})."
    region = region_of(request, profiles, recipe.target_profile)
    if region:
        return OK, (f"The region of {recipe.target_profile!r} is {region}.")
    return PROBLEM, (
        f"The profile {recipe.target_profile!r} has no region, so AWS "
        "commands with it fail with 'You must specify a region'; give it one: "
        f"aws configure set region REGION --profile {recipe.target_profile}")


def _asker(recipe, request, tools):
    """Who would give a code to a ``credential_process`` caller."""
    env = tools.env
    if recipe.code_process:
        return OK, ("A credential_process caller gets its codes from "
                    "mfa_process; nobody is asked.")
    choice = request.prompt or recipe.prompt
    if choice == asker.YKMAN:
        found = shutil.which("ykman", path=request.environ.get(
            "PATH", os.defpath))
        if found:
            return OK, (f"A credential_process caller gets its codes from the "
                        f"YubiKey, with {found}.")
        return PROBLEM, ("mfa_prompt is ykman, but ykman is not on PATH; "
                         "install it (pip install yubikey-manager) or "
                         "choose another mfa_prompt.")
    terminal = env.open_terminal()
    if terminal is not None:
        terminal.close()
    how = asker.how_to_ask(choice, terminal is not None, request.environ,
                           env.platform)
    dialog = asker.desktop_dialog(request.environ, env.platform)
    if how == asker.TERMINAL:
        alone = (f"else a {dialog} dialog" if dialog and choice in (None, asker.AUTO)
                 else "but one started without a terminal (an IDE, a "
                 "scheduled job) cannot be asked; set mfa_process for that")
        return OK, ("A credential_process caller started from this terminal "
                    f"is asked for the code on it, {alone}.")
    if how in asker.DIALOGS:
        if asker.program(how, request.environ) and asker.has_desktop(
                how, request.environ, env.platform):
            return OK, (f"A credential_process caller is asked for the code "
                        f"in a {how} dialog.")
        return PROBLEM, (f"mfa_prompt is {how}, which cannot be shown here "
                         "(the program or the desktop is missing); install "
                         "it or choose another mfa_prompt.")
    return PROBLEM, (
        "A credential_process caller could not be asked for a code here: no "
        "terminal, no desktop dialog (zenity, kdialog) and no mfa_process; "
        f"run 'aws mfa-switch --profile {recipe.profile}' in a terminal first, "
        "or set mfa_process.")


def _confusions(recipe, profiles):
    """The classic confusions, explained where this profile meets them."""
    if not recipe.uses_role:
        yield NOTE, (
            f"The credentials of {recipe.target_profile!r} come from "
            "GetSessionToken; IAM answers such credentials with "
            "InvalidClientTokenId unless they were made with an MFA code, as "
            "mfa-switch makes them: that error from IAM means another tool "
            "made them without MFA; switch again.")
    source = profiles.get(recipe.source_profile) or {}
    chained = any(source.get(key) for key in ("role_arn", "mfa_role_arn"))
    if recipe.uses_role and (chained or planner.fits_session(recipe)):
        why = (f"the source profile {recipe.source_profile!r} is itself a "
               "role" if chained else
               "the role is assumed from the kept MFA session, so that "
               "renewals need no code (a role that asks for more than an "
               "hour gets a direct MFA call instead)")
        yield NOTE, (f"Role chaining: {why}, and STS lets a role assumed "
                     "with temporary credentials last at most "
                     f"{CHAINED_ROLE_MAX_SECONDS // 3600} hour, whatever "
                     "the role's maximum.")
