"""``aws mfa-switch --list``: the profiles that can be switched, and their time left.

Three kinds of profile are listed, in config order, by the rules the
command switches by:

* a recipe (``mfa_*`` keys): its credentials are the section of the same
  name in the shared credentials file;
* a native role profile (``role_arn`` with ``mfa_serial``): botocore keeps
  its credentials in the AWS CLI's cache (``~/.aws/cli/cache``), under the
  key botocore computes from the role's settings;
* aws-mfa's layout (``[<profile>-long-term]`` with ``aws_mfa_device`` or
  ``assume_role``): listed as ``<profile>``, where the switch writes.

A source profile whose long-term keys live in the OS keyring (its config
records ``mfa_keys = keyring``) is shown as ``default (keyring)``; without
the note, botocore finds its credentials as usual (the credentials file,
SSO, ``credential_process``).  A note rather than a column of its own keeps
the table as narrow, and as scripts split it, as before.  Only the files
are read: listing never opens the keyring.
"""
import dataclasses

from awscli_mfa_plugin.errors import ExitCode
from awscli_mfa_plugin.files import output
from awscli_mfa_plugin.plan.recipe import (
    AWS_MFA_ROLE_KEY,
    DEFAULT_SOURCE_PROFILE,
    RECIPE_KEYS,
    aws_mfa_profiles,
    check_values,
    is_native_role,
)
from awscli_mfa_plugin.report.sentences import describe_left
from awscli_mfa_plugin.files.keystore import in_keyring
from awscli_mfa_plugin.stored import read_all_stored

SESSION_TOKEN = "session token"
NEVER = "never switched"
#: A native profile's cache entry exists but cannot be read; the next
#: switch replaces it.
UNREADABLE = "unreadable cache entry"
HEADERS = ("PROFILE", "ROLE", "SOURCE", "LEFT")
#: Follows a source profile whose keys live in the OS keyring.
IN_KEYRING = " (keyring)"


def run(request, tools):
    """The ``--list`` mode's handler; returns the exit status."""
    write_listing(tools.env, tools.profiles, request.credentials_path,
                  request.cache_dir)
    return ExitCode.OK


def write_listing(env, profiles, credentials_path, cache_dir):
    """Write the table for ``profiles`` to ``env.stdout``.

    Nothing to list is said on stderr, so stdout only ever holds a table.
    Raises :class:`~awscli_mfa_plugin.errors.RecipeError` for a listed
    profile whose values cannot be read (see :func:`recipe.check_values`)
    and :class:`~awscli_mfa_plugin.errors.OutputError` when stdout cannot
    take the table.
    """
    rows = switchable_rows(
        profiles,
        read_all_stored(credentials_path),
        lambda config: cli_cache_expiration(cache_dir, config),
        env.now(),
    )
    if not rows:
        env.stderr.write(
            "No profile has an mfa-switch recipe (mfa_* keys) or a role_arn "
            "with mfa_serial in your AWS config.\n")
        env.stderr.flush()
        return
    output.write(env.stdout, render_table(rows), "The listing")


@dataclasses.dataclass(frozen=True)
class Row:
    """One line of the listing."""

    profile: str
    role: str
    source: str
    left: str


def switchable_rows(profiles, stored, native_expiration, now):
    """The rows for every switchable profile in ``profiles``.

    ``profiles`` is botocore's profile map, ``stored`` maps a credentials
    section name to its :class:`~awscli_mfa_plugin.stored.StoredCredentials`,
    ``native_expiration(config)`` returns when a native role profile's
    cached credentials expire (``None`` when nothing is cached,
    :data:`UNREADABLE` when the entry cannot be read).

    >>> rows = switchable_rows(
    ...     {"default": {"mfa_serial": "arn:aws:iam::1:mfa/a"},
    ...      "dev": {"mfa_role_arn": "arn:aws:iam::2:role/R"}},
    ...     {}, lambda config: None, None)
    >>> [(r.profile, r.role, r.source, r.left) for r in rows]
    [('dev', 'arn:aws:iam::2:role/R', 'default', 'never switched')]
    """
    rows = []
    layout = aws_mfa_profiles(profiles)
    listed = set()
    for name, config in profiles.items():
        if is_native_role(config):
            check_values(name, config)
            expiration = native_expiration(config)
            rows.append(Row(
                profile=name,
                role=config["role_arn"],
                source=(config.get("source_profile")
                        or config.get("credential_source") or "-"),
                left=_left(expiration, now),
            ))
        elif has_recipe(name, config):
            check_values(name, config)
            creds = stored.get(name)
            role = config.get("mfa_role_arn") or None
            source = config.get("mfa_source_profile") or DEFAULT_SOURCE_PROFILE
            rows.append(Row(
                profile=name,
                role=role or SESSION_TOKEN,
                source=source,
                left=_left(creds and creds.expiration, now)
                + _other(creds, role, source),
            ))
        elif name in layout:
            base = layout[name]
            if is_native_role(profiles.get(base, {})) or base in listed:
                continue  # switched, and listed, by its own config
            check_values(name, config)
            creds = stored.get(base)
            role = config.get(AWS_MFA_ROLE_KEY) or None
            rows.append(Row(
                profile=base,
                role=role or SESSION_TOKEN,
                source=name,
                left=_left(creds and creds.expiration, now)
                + _other(creds, role, name),
            ))
        else:
            continue
        if in_keyring(profiles.get(rows[-1].source)):
            rows[-1] = dataclasses.replace(
                rows[-1], source=rows[-1].source + IN_KEYRING)
        listed.add(rows[-1].profile)
    return rows


def has_recipe(name, config):
    """True for a profile with ``mfa_*`` recipe keys that can be switched.

    A profile whose recipe would name itself as the source, such as
    ``[default]`` carrying only the ``mfa_serial`` its users share, is a
    source profile, not a switchable one.
    """
    if not any(config.get(key) for key in RECIPE_KEYS):
        return False
    return (config.get("mfa_source_profile") or DEFAULT_SOURCE_PROFILE) != name


def _other(creds, role, source):
    """Say so when the stored credentials are not the recipe's own.

    After a one-off ``--role-arn`` the section holds another role's
    credentials; the time left is theirs, not the recipe's.
    """
    if creds is None or not creds.recorded:
        return ""
    if creds.role_arn == role and creds.source_profile == source:
        return ""
    if creds.role_arn:
        return f" (other role: {creds.role_arn})"
    return f" (other: a session token of {creds.source_profile!r})"


def _left(expiration, now):
    if expiration is None:
        return NEVER
    if expiration is UNREADABLE:
        return UNREADABLE
    return describe_left((expiration - now).total_seconds())


def render_table(rows):
    """The rows as aligned, plain-text columns under a header line."""
    table = [HEADERS] + [
        (row.profile, row.role, row.source, row.left) for row in rows
    ]
    widths = [max(len(line[column]) for line in table)
              for column in range(len(HEADERS))]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths))
        .rstrip() + "\n"
        for line in table
    )


def cli_cache_expiration(cache_dir, config):
    """When the AWS CLI's cached credentials for a native role profile expire.

    ``None`` when nothing is cached, :data:`UNREADABLE` when the entry
    cannot be read.  The file name is the key botocore's own assume-role
    fetcher computes from the profile's settings
    (:func:`awscli_mfa_plugin.deliver.clicache.cache_key`), so this finds
    exactly the entry ``aws --profile`` would use.
    """
    from awscli_mfa_plugin.deliver import clicache as native

    try:
        stored = native.read_cached(cache_dir, config)
    except native.UnreadableEntry:
        return UNREADABLE
    return stored and stored.expiration
