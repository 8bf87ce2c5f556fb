"""Run the planned MFA exchanges: codes in, credentials out, roles in parallel.

Each :class:`~awscli_mfa_plugin.plan.planner.Exchange` is one source
profile and device:

* through an MFA session, the usual way: one code for one GetSessionToken
  (or a kept session, no code at all), then every role of the group
  assumed from it in parallel threads.  STS caps such roles at one hour
  (role chaining); the session lasts ``mfa_session_duration`` and is kept,
  so every renewal until it ends needs no code;
* direct (a role alone that asks for more than an hour, or a session-token
  profile alone): the code goes into the target's own AssumeRole or
  GetSessionToken, so the credentials last as long as the recipe asks.

Nothing is written here: :class:`Outcome` says what was obtained, and the
deliver stage writes it.  A role STS refuses, or a device whose code is
refused, does not stop the others; cancelling at a prompt stops everything.
"""
import concurrent.futures
import dataclasses
from typing import Any, Optional, Tuple

from botocore.config import Config

from awscli_mfa_plugin.errors import Cancelled, ExitCode, MfaSwitchError
from awscli_mfa_plugin.plan.planner import Session, Target, fits_session
from awscli_mfa_plugin.plan.recipe import (  # noqa: F401 (in a docstring)
    CHAINED_ROLE_MAX, DEFAULT_SESSION_DURATION)
from awscli_mfa_plugin.sts import calls as sts

#: The most roles of a group assumed at once: each has its own thread and
#: its own connection of the group's one client, whose pool is sized to
#: match (botocore keeps ten by default).  All roles of a code go in one
#: wave up to this many, so that a far STS costs two round trips (the
#: session, then every role); a bigger group goes in waves of this size.
MAX_AT_ONCE = 50


@dataclasses.dataclass(frozen=True)
class Switched:
    """New credentials for a target."""

    target: Target
    credentials: sts.Credentials
    #: STS's whole AssumeRole answer, for the AWS CLI's cache (native).
    response: Optional[Any] = None
    #: True when the role was assumed from an MFA session.
    chained: bool = False

    @property
    def capped(self):
        """True when role chaining gave less time than the recipe asked."""
        return self.chained and not fits_session(self.target.recipe)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What the exchanges of a run obtained, for delivery and the report."""

    sessions: Tuple[Session, ...] = ()
    switched: Tuple[Switched, ...] = ()
    failed: Tuple[Tuple[Target, MfaSwitchError], ...] = ()

    def exit_code(self):
        """OK when every target switched, else the first failure's status."""
        return self.failed[0][1].exit_code if self.failed else ExitCode.OK

    def new_sessions(self):
        """The MFA sessions made in this run (to be kept)."""
        return [s for s in self.sessions if not s.reused]


def run(planned, client_creator, codes, now=None):
    """Carry out every planned exchange; return the :class:`Outcome`.

    ``client_creator(recipe)`` gives ``create(service, **kwargs)`` signing
    with the recipe's source profile (its credentials resolved before any
    code is asked for); ``codes`` is a
    :class:`~awscli_mfa_plugin.codes.source.CodeSource`; ``now`` (default:
    the clock) is what STS's expirations are checked against.
    """
    sessions, switched, failed = [], [], []
    for exchange in planned:
        try:
            # One source session per group: its credentials are resolved
            # once, before anyone is asked for a code.
            create = client_creator(exchange.first)
            if exchange.direct:
                switched.append(
                    _direct(exchange.targets[0], create, codes, now))
                continue
            session = exchange.session or _new_session(
                exchange, create, codes, now)
        except Cancelled:
            raise  # Ctrl-C means nothing is written, whatever was done
        except MfaSwitchError as error:
            # A wrong code for one device does not undo the others.
            failed.extend((target, error) for target in exchange.targets)
            continue
        sessions.append(session)
        done, errors = _assume_all(exchange.targets, session, create, now)
        switched.extend(done)
        failed.extend(errors)
    return Outcome(tuple(sessions), tuple(switched), tuple(failed))


def _direct(target, create, codes, now):
    """One code straight into the target's own STS call."""
    creds, response = codes.exchange(
        target.recipe,
        lambda code: sts.fetch_credentials(create, target.recipe, code, now))
    return Switched(target, creds, response)


def _new_session(exchange, create, codes, now):
    """One code, one GetSessionToken for a group of targets."""
    first = exchange.first
    duration = session_duration(t.recipe for t in exchange.targets)
    client = create("sts")
    creds = codes.exchange(first, lambda code: sts.get_session_token(
        client, first.serial_number, code, duration, first, now=now))
    return Session(exchange.session_section, first.serial_number, creds, False)


def session_duration(recipes):
    """How long a new MFA session of a group lasts, in seconds.

    ``mfa_session_duration`` (the longest the group's profiles set), else
    the longest a session-token profile of the group asks for (the session
    is its credentials), else ``None``: no DurationSeconds, so STS's own
    default, :data:`DEFAULT_SESSION_DURATION` (12 hours).

    >>> from awscli_mfa_plugin.plan.recipe import Recipe
    >>> session_duration([Recipe("a", "a", "s", "m", "arn:r")]) is None
    True
    >>> session_duration([Recipe("a", "a", "s", "m", duration_seconds=3600),
    ...                   Recipe("b", "b", "s", "m", "arn:r",
    ...                          session_duration=7200)])
    7200
    """
    recipes = list(recipes)
    return (max((r.session_duration or 0 for r in recipes), default=0)
            or max((r.duration_seconds or 0 for r in recipes
                    if not r.uses_role), default=0)
            or None)


def _assume_all(group, session, create, now):
    """Assume every role of ``group`` from ``session``, in parallel threads.

    One client, signing with the session, serves the whole group: botocore
    clients may be used from any thread.  It is created here, before the
    threads start, because the botocore session that creates clients is
    not meant to be shared between threads.  (A client per role cost more
    CPU than the calls themselves.)
    """
    at_once = min(MAX_AT_ONCE, len(group))
    client = create("sts", config=Config(max_pool_connections=at_once),
                    **sts.client_keys(session.credentials))
    done, errors = [], []
    with concurrent.futures.ThreadPoolExecutor(max_workers=at_once) as pool:
        futures = [pool.submit(_one, target, client, session, now)
                   for target in group]
        for target, future in zip(group, futures):
            try:
                done.append(future.result())
            except MfaSwitchError as error:
                errors.append((target, error))
    return done, errors


def _one(target, client, session, now):
    recipe = target.recipe
    if not recipe.uses_role:
        # The session itself is what a session-token profile wants.
        own = session.credentials
        creds = sts.Credentials(own.access_key_id, own.secret_access_key,
                                own.session_token, own.expiration,
                                arn=sts.caller_arn(client, recipe))
        return Switched(target, creds)
    response = sts.assume_role(client, recipe,
                               duration_seconds=chained_duration(recipe),
                               now=now)
    return Switched(target, sts.credentials_of(response, now), response,
                    chained=True)


def chained_duration(recipe):
    """The DurationSeconds of a role assumed from an MFA session.

    >>> from awscli_mfa_plugin.plan.recipe import Recipe
    >>> chained_duration(Recipe("a", "a", "s", "m", "arn:r", 43200))
    3600
    >>> chained_duration(Recipe("a", "a", "s", "m", "arn:r", 900))
    900
    """
    return min(recipe.duration_seconds or CHAINED_ROLE_MAX, CHAINED_ROLE_MAX)
