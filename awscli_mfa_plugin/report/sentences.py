"""Every sentence a person reads about a run's result, from one module.

Errors carry their own sentence (:mod:`awscli_mfa_plugin.errors`); this
module words what went right: kept credentials, new ones, MFA sessions,
role chaining, and the failures of a run of several profiles.  Standard
library only: the standalone fast path words a kept answer the same way.
"""
from awscli_mfa_plugin.plan.validation import CHAINED_ROLE_MAX_SECONDS
from awscli_mfa_plugin.stored import owner


def describe_left(seconds):
    """Time left as a person reads it, to the minute.

    >>> describe_left(43080)
    '11h58m'
    >>> describe_left(299)
    '0h05m'
    >>> describe_left(-5)
    'expired'
    """
    if seconds <= 0:
        return "expired"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours}h{minutes:02d}m"


def describe_until(expiration, now):
    """When credentials end, in UTC and local time, and how long that is.

    >>> import datetime
    >>> end = datetime.datetime(2030, 1, 1, 12, 0, tzinfo=datetime.timezone.utc)
    >>> describe_until(end, end - datetime.timedelta(hours=1)).split(", ")[-1]
    '1h00m from now'
    """
    local = expiration.astimezone()
    left = describe_left((expiration - now).total_seconds())
    # Where local time is UTC, saying it twice would only puzzle.
    shown = ("" if not local.utcoffset() else
             f" ({local:%Y-%m-%d %H:%M:%S %Z} local time)")
    return (f"until {expiration:%Y-%m-%d %H:%M:%S} UTC{shown}, "
            f"{left} from now")


def kept_summary(section, identity, stored, now):
    """The stderr report when stored credentials are kept.

    ``identity`` says whose they are as the recipe describes it (a role ARN,
    or the source profile of a session token).
    """
    return (
        f"Profile {section!r} keeps its credentials for {identity} "
        f"({stored.access_key_id})\n"
        f"{describe_until(stored.expiration, now)}; "
        "no code needed (--force renews them).\n"
    )


def kept_line(kept, now):
    """The report for one target whose stored credentials are kept."""
    return kept_recipe_line(kept.target.recipe, kept.credentials, now)


def kept_recipe_line(recipe, stored, now):
    """:func:`kept_line` for ``recipe``'s ``stored`` credentials.

    The standalone fast path words a kept switch with it, without the
    plan's records.
    """
    identity = stored.describe_owner(
        owner(recipe.role_arn, recipe.source_profile))
    return kept_summary(recipe.target_profile, identity, stored,
                        now).rstrip("\n")


def switched_lines(outcome, now, several):
    """What a run of exchanges did, line by line.

    One switched profile is reported in full (who, until when in UTC and
    local time); several get a line each.  MFA sessions made or used, and
    roles capped by role chaining, are said once.
    """
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
    for item in outcome.switched:
        creds = item.credentials
        if several:
            lines.append(
                f"Profile {item.target.name!r} now uses {creds.arn} until "
                f"{_when(creds.expiration, now)}.")
        else:
            lines.append(f"Profile {item.target.name!r} now uses {creds.arn}")
            lines.append(f"{describe_until(creds.expiration, now)}.")
    for item in outcome.switched:
        recipe = item.target.recipe
        if recipe.uses_role and not item.chained and \
                (recipe.duration_seconds or 0) > CHAINED_ROLE_MAX_SECONDS:
            lines.append(
                f"Profile {item.target.name!r} asks for "
                f"{recipe.duration_seconds} s, longer than the hour a role "
                "assumed from an MFA session may last, so the code went into "
                "its own AssumeRole: it gets its full duration, but no MFA "
                "session is kept and its next renewal needs a new code.")
    chained = [item for item in outcome.switched if item.chained]
    if chained:
        note = ("Roles assumed from an MFA session last at most one hour "
                "(STS role chaining).")
        capped = [item.target.name for item in chained if item.capped]
        if capped:
            names = ", ".join(repr(name) for name in capped)
            note += (f" {names} asked for longer: switch such a profile alone "
                     "(--profile) for a direct MFA AssumeRole.")
        lines.append(note)
    for target, error in outcome.failed:
        lines.append(f"Profile {target.name!r} was not switched: {error}")
    return lines


#: Where botocore finds a region when the profile has none.
REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")


def no_region_lines(switched, profiles, environ):
    """A line for each switched profile that has no region to use it with.

    ``[default]``'s region does not apply to ``[profile dev]``: without a
    region of its own (config or credentials file) or in the environment,
    the first ``aws`` command with the fresh credentials fails.

    >>> no_region_lines([], {}, {})
    []
    """
    if any(environ.get(name) for name in REGION_VARIABLES):
        return []
    return [
        f"Profile {item.target.name!r} has no region, so AWS commands with it "
        "will fail with 'You must specify a region'; give it one: aws "
        f"configure set region REGION --profile {item.target.name}"
        for item in switched
        if not (profiles.get(item.target.name) or {}).get("region")
    ]


def _when(expiration, now):
    left = describe_left((expiration - now).total_seconds())
    return f"{expiration:%Y-%m-%d %H:%M:%S} UTC ({left} from now)"
