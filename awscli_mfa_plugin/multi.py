"""One code, many roles: one MFA session per device, every role assumed from it.

``aws mfa-switch --all`` (or several profile names) groups the recipes by
source profile and MFA device.  Each group needs one code, for one
GetSessionToken; every role of the group is then assumed with those
session credentials, in parallel, and all sections are written in one
locked write of the credentials file.

STS caps a role assumed with temporary credentials at one hour (role
chaining), so a single profile that asks for longer is switched with a
direct MFA AssumeRole by the command instead.

The MFA session itself is kept in the credentials file, in a managed
section ``[<source>-mfa-session]``, beside the sections it serves:

* it is written in the same single locked, atomic write as the roles, by
  the one INI editor, with the same 0600 mode, marker and ``expiration``;
* ``stored.from_section`` already reads such a section back, so no second
  cache format (and no second writer) exists;
* it is an ordinary profile: ``aws --profile default-mfa-session`` works
  with it, and a glance at the file shows what is kept and until when.

Later switches of a role in its lifetime need no code at all.
"""
import concurrent.futures
import dataclasses
import datetime
from typing import Callable, Optional, Tuple

from awscli_mfa_plugin import sts
from awscli_mfa_plugin.errors import (
    Cancelled, ExitCode, MfaSwitchError, UsageError)
from awscli_mfa_plugin.recipe import CHAINED_ROLE_MAX, Recipe
from awscli_mfa_plugin.sessions import describe_left
from awscli_mfa_plugin.stored import format_expiration, from_section

SESSION_SUFFIX = "-mfa-session"
#: The device a kept session was made with (a source may have several).
#: Not ``mfa_serial``: that is a recipe key, and would make the section
#: look like a switchable profile to the listing and to ``--profile``.
SESSION_SERIAL_KEY = "mfa_session_serial"
#: A kept session is reused while it has more than this left, so that the
#: roles assumed from it are not born at the end of its life.
SESSION_MARGIN = datetime.timedelta(minutes=5)
#: STS calls in flight at once; each thread has its own client.
MAX_THREADS = 8


@dataclasses.dataclass(frozen=True)
class Tools:
    """What the command hands in: how to reach STS, where the code comes from."""

    #: ``recipe -> create(service, **kwargs)``, signing with the recipe's
    #: source profile and bound to the run's region and endpoint.
    client_creator: Callable
    #: ``(recipe, use) -> use(code)`` with a code from the run's sources
    #: (asking again at the prompt when STS rejects it).
    exchange: Callable
    #: True when the code came on the command line: it serves one device.
    token_code_given: bool = False
    #: False with ``--force``: a kept MFA session is not used either.
    reuse_sessions: bool = True


@dataclasses.dataclass(frozen=True)
class Session:
    """An MFA session of one source profile and device."""

    section: str
    serial_number: str
    credentials: sts.Credentials
    reused: bool


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a run of several switches did, for the summary and the write."""

    sessions: Tuple[Session, ...]
    switched: Tuple[Tuple[Recipe, sts.Credentials], ...]
    failed: Tuple[Tuple[Recipe, MfaSwitchError], ...]
    capped: Tuple[Recipe, ...]

    def exit_code(self):
        """OK when every profile switched, else the first failure's status."""
        return self.failed[0][1].exit_code if self.failed else ExitCode.OK

    def sections(self):
        """``{section: values}`` for one ``inifile.store_credentials`` call.

        One session section per source profile: should one source use two
        devices in a run, the last is kept (its ``mfa_serial`` says which).
        """
        out = {}
        for session in self.sessions:
            if not session.reused:
                out[session.section] = dict(
                    credential_values(session.credentials),
                    **{SESSION_SERIAL_KEY: session.serial_number})
        for recipe, creds in self.switched:
            out[recipe.target_profile] = credential_values(creds)
        return out


def credential_values(creds):
    """The keys written to the credentials file for ``creds``."""
    return {
        "aws_access_key_id": creds.access_key_id,
        "aws_secret_access_key": creds.secret_access_key,
        "aws_session_token": creds.session_token,
        "expiration": format_expiration(creds.expiration),
    }


def session_section(recipe):
    """The credentials-file section that keeps the MFA session of ``recipe``.

    >>> session_section(Recipe("dev", "dev", "default", "arn:m"))
    'default-mfa-session'
    """
    return recipe.source_profile + SESSION_SUFFIX


def kept_session(sections, recipe, now):
    """The still-valid MFA session for the recipe's source and device, or ``None``.

    ``sections`` is the credentials file as ``inifile.read_sections`` gives it.
    """
    section = sections.get(session_section(recipe), {})
    stored = from_section(section)
    if stored is None or section.get(SESSION_SERIAL_KEY) != recipe.serial_number:
        return None
    if stored.expiration - now <= SESSION_MARGIN:
        return None
    return Session(
        section=session_section(recipe),
        serial_number=recipe.serial_number,
        credentials=sts.Credentials(
            stored.access_key_id, stored.secret_access_key,
            stored.session_token, stored.expiration),
        reused=True,
    )


def chained_duration(recipe):
    """The DurationSeconds of a role assumed from an MFA session.

    >>> chained_duration(Recipe("a", "a", "s", "m", "arn:r", 43200))
    3600
    >>> chained_duration(Recipe("a", "a", "s", "m", "arn:r", 900))
    900
    """
    return min(recipe.duration_seconds or CHAINED_ROLE_MAX, CHAINED_ROLE_MAX)


def groups(recipes):
    """Recipes grouped by (source profile, MFA device), in their order."""
    grouped = {}
    for recipe in recipes:
        grouped.setdefault(
            (recipe.source_profile, recipe.serial_number), []).append(recipe)
    return list(grouped.values())


def switch_many(recipes, tools, sections, now):
    """Switch every recipe with one code per source and device.

    ``sections`` is the credentials file as read before (for kept
    sessions).  Nothing is written here: the caller writes
    :meth:`Outcome.sections` in one call.  A role STS refuses, or a device
    whose session cannot be had, does not stop the others; it is reported
    in :attr:`Outcome.failed`.  Cancelling at a prompt stops everything.
    """
    batches = groups(recipes)
    kept = {id(batch): kept_session(sections, batch[0], now)
            if tools.reuse_sessions else None for batch in batches}
    needing_code = [b for b in batches if kept[id(b)] is None]
    if tools.token_code_given and len(needing_code) > 1:
        raise UsageError(
            "--token-code serves one MFA device, but these profiles use "
            f"{len(needing_code)} ("
            + ", ".join(b[0].serial_number for b in needing_code)
            + "); leave it out to be asked for each code."
        )
    sessions, switched, failed = [], [], []
    for batch in batches:
        try:
            # One source session per batch: its credentials are resolved
            # once, before anyone is asked for a code.
            create = tools.client_creator(batch[0])
            session = kept[id(batch)] or _new_session(batch, create, tools,
                                                      now)
        except Cancelled:
            raise  # Ctrl-C means nothing is written, whatever was done
        except MfaSwitchError as error:
            # A wrong code for one device does not undo the others.
            failed.extend((recipe, error) for recipe in batch)
            continue
        sessions.append(session)
        done, errors = _assume_all(batch, session, create, now)
        switched.extend(done)
        failed.extend(errors)
    capped = tuple(r for r, _ in switched
                   if r.uses_role and (r.duration_seconds or 0) > CHAINED_ROLE_MAX)
    return Outcome(tuple(sessions), tuple(switched), tuple(failed), capped)


def _new_session(batch, create, tools, now):
    """One code, one GetSessionToken for a group of recipes."""
    first = batch[0]
    # A session-token profile in the group says how long the session lasts;
    # otherwise STS's default (12 hours) serves the roles best.
    duration = max((r.duration_seconds or 0 for r in batch if not r.uses_role),
                   default=0) or None
    client = create("sts")
    creds = tools.exchange(first, lambda code: sts.get_session_token(
        client, first.serial_number, code, duration, first, now=now))
    return Session(session_section(first), first.serial_number, creds, False)


def _assume_all(batch, session, create, now):
    """Assume every role of ``batch`` from ``session``, in parallel threads.

    Clients are created here, one per call, before the threads start:
    botocore clients may be used from any thread, but the session that
    creates them is not meant to be shared between threads.
    """
    keys = sts.client_keys(session.credentials)
    jobs = [(recipe, create("sts", **keys)) for recipe in batch]
    done, errors = [], []
    with concurrent.futures.ThreadPoolExecutor(
            max_workers=min(MAX_THREADS, len(jobs))) as pool:
        futures = [pool.submit(_one, recipe, client, session, now)
                   for recipe, client in jobs]
        for (recipe, _), future in zip(jobs, futures):
            try:
                done.append((recipe, future.result()))
            except MfaSwitchError as error:
                errors.append((recipe, error))
    return done, errors


def _one(recipe, client, session, now):
    if not recipe.uses_role:
        # The session itself is what a session-token profile wants.
        return dataclasses.replace(
            session.credentials, arn=sts.caller_arn(client, recipe))
    response = sts.assume_role(client, recipe,
                               duration_seconds=chained_duration(recipe),
                               now=now)
    return sts.credentials_of(response, now)


def summary(outcome, now, credentials_path: Optional[str] = None):
    """The human summary of a run of several switches, for stderr."""
    lines = []
    for session in outcome.sessions:
        until = _when(session.credentials.expiration, now)
        if session.reused:
            lines.append(
                f"Used the MFA session kept in [{session.section}] (device "
                f"{session.serial_number}, valid until {until}); no code was "
                "needed.")
        else:
            lines.append(
                f"Kept the MFA session of device {session.serial_number} in "
                f"[{session.section}] until {until}.")
    for recipe, creds in outcome.switched:
        lines.append(
            f"Profile {recipe.target_profile!r} now uses {creds.arn} until "
            f"{_when(creds.expiration, now)}.")
    if any(recipe.uses_role for recipe, _ in outcome.switched):
        note = ("Roles assumed from an MFA session last at most one hour "
                "(STS role chaining).")
        if outcome.capped:
            names = ", ".join(repr(r.target_profile) for r in outcome.capped)
            note += (f" {names} asked for longer: switch such a profile alone "
                     "(--profile) for a direct MFA AssumeRole.")
        lines.append(note)
    for recipe, error in outcome.failed:
        lines.append(f"Profile {recipe.target_profile!r} was not switched: {error}")
    return "\n".join(lines) + "\n"


def _when(expiration, now):
    left = describe_left((expiration - now).total_seconds())
    return f"{expiration:%Y-%m-%d %H:%M:%S} UTC ({left} from now)"
