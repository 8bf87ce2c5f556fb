"""The plan of a run: its targets, what is kept, and the MFA exchanges still needed.

One profile is the case n = 1 of many: every run, whether it names one
profile, several or ``--all``, is planned here the same way.

1. :func:`targets` — each profile with what it is for: an ``mfa_*`` recipe
   or aws-mfa's layout (credentials go into the credentials file), or a
   native role profile (credentials go into the AWS CLI's cache).
2. :func:`keep` — stored credentials that still serve their recipe for
   long enough are kept, and nothing more is done for them.
3. :func:`exchanges` — the rest, grouped by source profile and device:
   one code per group.  Every role is assumed from an MFA session of that
   source and device (GetSessionToken, kept in ``[<source>-mfa-session]``),
   so that later renewals need no code until the session ends: a kept one
   serves without any code, else one code makes a new one.  Two cases get
   a direct MFA call instead: a role alone in its group that asks for more
   than the hour role chaining allows, and a session-token profile alone
   (it *is* a session).

Pure over values read beforehand (botocore's profile map, the credentials
file's sections, the CLI cache reader); discovery of a missing device
happens between 2 and 3, in the pipeline, because it calls IAM.
"""
import dataclasses
import datetime
from typing import Mapping, Optional, Tuple

from awscli_mfa_plugin.stored import StoredCredentials, from_section
from awscli_mfa_plugin.errors import (
    MfaSwitchError, RecipeError, ShadowedProfileError, UsageError)
from awscli_mfa_plugin.plan import keep as sessions
from awscli_mfa_plugin.request.parse import Overrides
from awscli_mfa_plugin.plan.recipe import (
    CHAINED_ROLE_MAX,
    Recipe,
    is_native_role,
    native_recipe,
    resolve_recipe,
    shadowing_key,
    switchable_profiles,
)

#: Where a target's credentials go.
FILE, CACHE = "file", "cache"

SESSION_SUFFIX = "-mfa-session"
#: The device a kept session was made with (a source may have several).
#: Not ``mfa_serial``: that is a recipe key, and would make the section
#: look like a switchable profile to the listing and to ``--profile``.
SESSION_SERIAL_KEY = "mfa_session_serial"
#: A kept session is reused while it has more than the run's minimum
#: remaining time left (``mfa_min_remaining``, as for the role), so that
#: the roles assumed from it are not born at the end of its life; this is
#: that minimum when nobody says otherwise.
SESSION_MARGIN = datetime.timedelta(seconds=sessions.DEFAULT_MIN_REMAINING)


@dataclasses.dataclass(frozen=True)
class Target:
    """One profile to switch and where its credentials go."""

    recipe: Recipe
    #: :data:`FILE` (a section of the credentials file) or :data:`CACHE`.
    sink: str = FILE
    #: A native profile's config, from which botocore computes its cache key.
    native_config: Optional[Mapping] = None

    @property
    def name(self):
        """The profile name people read in reports."""
        return self.recipe.target_profile


@dataclasses.dataclass(frozen=True)
class Kept:
    """A target whose stored credentials are kept."""

    target: Target
    credentials: StoredCredentials


@dataclasses.dataclass(frozen=True)
class Session:
    """An MFA session of one source profile and device."""

    section: str
    serial_number: str
    credentials: object  # anything with the four credential attributes
    reused: bool


@dataclasses.dataclass(frozen=True)
class Exchange:
    """Targets served by one source profile and MFA device: one code at most."""

    targets: Tuple[Target, ...]
    #: A still-valid MFA session that serves every target without a code.
    session: Optional[Session] = None
    #: One target, one MFA call of its own (no session, no role chaining).
    direct: bool = False

    @property
    def first(self):
        """The recipe that stands for the group (source, device, code source)."""
        return self.targets[0].recipe

    @property
    def needs_code(self):
        """True unless a kept MFA session serves the group."""
        return self.session is None

    @property
    def session_section(self):
        """The section a new MFA session of this group is kept in."""
        return session_section(self.first)


def session_section(recipe):
    """The credentials-file section that keeps the MFA session of ``recipe``.

    >>> session_section(Recipe("dev", "dev", "default", "arn:m"))
    'default-mfa-session'
    """
    return recipe.source_profile + SESSION_SUFFIX


def targets(profiles, request):
    """The :class:`Target` of every profile the request names, in order.

    Raises the recipe's errors (unknown profile, no recipe, bad value) and
    :class:`UsageError` for flags that a native profile cannot honour.
    """
    names = list(request.names)
    if request.every:
        names += [n for n in switchable_profiles(profiles) if n not in names]
        if not names:
            raise RecipeError(
                "No profile has an mfa-switch recipe that assumes a role; add "
                "mfa_role_arn to the profiles to switch together.")
    elif not names:
        names = [request.selected_profile]
    found = []
    for name in names:
        config = profiles.get(name, {})
        if is_native_role(config):
            if request.overrides != Overrides():
                raise UsageError(
                    f"The profile {name!r} is an AWS CLI role profile, whose "
                    "cached credentials the CLI finds by the profile's own "
                    "settings; change them in the config instead of with "
                    "flags.")
            found.append(Target(
                native_recipe(profiles, name, request.user_name),
                CACHE, config))
        else:
            recipe = resolve_recipe(profiles, name, request.overrides,
                                    user_name=request.user_name)
            check_file_target(profiles, recipe.target_profile)
            found.append(Target(recipe))
    return found


def check_file_target(profiles, target):
    """Refuse a target whose config makes botocore ignore static keys."""
    shadowing = shadowing_key(profiles.get(target, {}))
    if shadowing:
        raise ShadowedProfileError(
            f"The profile {target!r} has {shadowing} in your AWS config, so "
            "tools would ignore credentials written under it; pass "
            "--target-profile with another name."
        )


def keep(found, request, profiles, sections, cached, now):
    """Split ``found`` into ``(kept, to_switch)``.

    ``sections`` is the credentials file as read before; ``cached(config,
    minimum)`` returns a native profile's still-valid cache entry.  Nothing
    is kept with ``--force``.  Stored credentials are kept only while they
    serve the recipe (same role, source and device) and have more than the
    minimum remaining time left.
    """
    kept, to_switch = [], []
    for target in found:
        credentials = None if request.force else _still_valid(
            target, request, profiles, sections, cached, now)
        if credentials is None:
            to_switch.append(target)
        else:
            kept.append(Kept(target, credentials))
    return kept, to_switch


def _still_valid(target, request, profiles, sections, cached, now):
    recipe = target.recipe
    minimum = sessions.min_remaining(
        request.min_remaining, profiles.get(recipe.profile),
        for_process=request.renews_itself)
    if target.sink == CACHE:
        # botocore itself renews cached credentials this close to expiry.
        return cached(target.native_config, minimum)
    stored = from_section(sections.get(recipe.target_profile, {}))
    if stored is None or stored.seconds_left(now) <= minimum:
        return None
    if not stored.serves(recipe):
        return None
    if not stored.recorded and request.overrides.any_recipe_value():
        # Written before sections recorded whose they are: flags that change
        # the recipe may ask for other credentials than these.
        return None
    return stored


def exchanges(to_switch, request, sections, now, profiles=None):
    """Group the targets to switch into :class:`Exchange` values.

    ``profiles`` (botocore's profile map) gives each recipe's minimum
    remaining time, which a kept session must have left to be reused.
    Raises :class:`UsageError` when ``--token-code`` would have to serve
    more than one device.
    """
    grouped = {}
    for target in to_switch:
        recipe = target.recipe
        grouped.setdefault((recipe.source_profile, recipe.serial_number),
                           []).append(target)
    planned = []
    for group in grouped.values():
        kept = None
        if request.token_code is None and not request.force:
            first = group[0].recipe
            kept = kept_session(sections, first, now, sessions.min_remaining(
                request.min_remaining, (profiles or {}).get(first.profile),
                for_process=request.renews_itself))
        if kept is None:
            planned.append(_new_exchange(group))
            continue
        served = [t for t in group if fits_session(t.recipe)]
        rest = [t for t in group if not fits_session(t.recipe)]
        if served:
            planned.append(Exchange(tuple(served), kept))
        if rest:
            planned.append(_new_exchange(rest))
    needing = [e for e in planned if e.needs_code]
    if request.token_code is not None and len(needing) > 1:
        raise UsageError(
            "--token-code serves one MFA device, but these profiles use "
            f"{len(needing)} ("
            + ", ".join(str(e.first.serial_number) for e in needing)
            + "); leave it out to be asked for each code."
        )
    return planned


def _new_exchange(group):
    """The exchange of a group no kept session serves: one code either way.

    Alone, a role that asks for more than role chaining gives, or a
    session-token profile (which is a session itself), is switched with
    one direct MFA call; everything else goes through a new MFA session,
    kept so that renewals need no code while it lasts.
    """
    if len(group) == 1 and not (group[0].recipe.uses_role
                                and fits_session(group[0].recipe)):
        return Exchange(tuple(group), direct=True)
    return Exchange(tuple(group))


def fits_session(recipe):
    """True when a role assumed from an MFA session gives what ``recipe`` asks.

    Roles assumed with temporary credentials last at most one hour (STS
    role chaining); a session-token recipe is served by the session itself.

    >>> fits_session(Recipe("a", "a", "s", "m", "arn:r", 43200))
    False
    >>> fits_session(Recipe("a", "a", "s", "m"))
    True
    """
    return (not recipe.uses_role
            or (recipe.duration_seconds or 0) <= CHAINED_ROLE_MAX)


def kept_session(sections, recipe, now, minimum=None):
    """The still-valid MFA session for the recipe's source and device, or ``None``.

    ``sections`` is the credentials file as ``inifile.read_sections`` gives
    it; the session must have more than ``minimum`` seconds left (default:
    :data:`SESSION_MARGIN`).
    """
    section = sections.get(session_section(recipe), {})
    stored = from_section(section)
    if stored is None or section.get(SESSION_SERIAL_KEY) != recipe.serial_number:
        return None
    margin = SESSION_MARGIN if minimum is None else datetime.timedelta(
        seconds=minimum)
    if stored.expiration - now <= margin:
        return None
    return Session(session_section(recipe), recipe.serial_number, stored, True)


def unused_sessions(cleared, profiles, sections, user_name=None):
    """The kept MFA sessions that no remaining switched profile came from.

    A session ``[<source>-mfa-session]`` is kept so that the profiles of
    that source and device switch again without a code; once the cleared
    profiles are gone, it stays only while another profile still holds
    credentials mfa-switch stored for the same source and device.
    """
    cleared_names = {t.recipe.target_profile for t in cleared}
    candidates = {}
    for target in cleared:
        recipe = target.recipe
        section = sections.get(session_section(recipe))
        if section is not None and from_section(section) is not None:
            candidates[session_section(recipe)] = (
                recipe.source_profile, section.get(SESSION_SERIAL_KEY))
    unused = []
    for name, (source, serial) in candidates.items():
        if not any(_came_from(profiles, other, section, source, serial,
                              user_name)
                   for other, section in sections.items()
                   if other not in cleared_names
                   and not other.endswith(SESSION_SUFFIX)):
            unused.append(name)
    return unused


def _came_from(profiles, name, section, source, serial, user_name):
    """True when ``[name]`` holds credentials switched through that source and device."""
    stored = from_section(section)
    if stored is None:
        return False
    if not stored.recorded:
        # Written before sections recorded it: ask the profile's recipe.
        try:
            recipe = resolve_recipe(profiles, name, user_name=user_name)
        except MfaSwitchError:
            return False
        return recipe.source_profile == source
    return (stored.source_profile == source
            and stored.serial_number in (None, serial))
