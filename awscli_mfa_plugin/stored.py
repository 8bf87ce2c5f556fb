"""Credentials mfa-switch stored earlier: read them back, judge what is left.

Standard library only, on purpose: the standalone ``aws-mfa-switch``
answers ``credential_process`` from here without loading botocore.
"""
from __future__ import annotations

import configparser
import datetime
import io
import os
import re
import stat

from awscli_mfa_plugin.values import Value

MANAGED_KEY = "managed_by"
MANAGED_VALUE = "mfa-switch"
EXPIRATION_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

#: What a section's credentials are for, written beside them, so that a
#: later run keeps them only for the same role, source and device, and says
#: truthfully whose they are (after a one-off ``--role-arn``, say).  Not the
#: recipe's own key names: botocore would act on ``role_arn``, and an
#: ``mfa_role_arn`` would turn the section into a recipe.
FOR_ROLE_KEY = "mfa_switch_role_arn"
FOR_SOURCE_KEY = "mfa_switch_source_profile"
FOR_SERIAL_KEY = "mfa_switch_serial"


class StoredCredentials(Value):
    """A section of the credentials file that mfa-switch wrote."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime.datetime
    #: What the section records its credentials are for (see
    #: :data:`FOR_ROLE_KEY`); ``recorded`` is False for sections written
    #: before mfa-switch recorded it.
    role_arn: str | None = None
    source_profile: str | None = None
    serial_number: str | None = None
    recorded: bool = False

    def __repr__(self):
        return (f"StoredCredentials(access_key_id={self.access_key_id!r}, "
                f"expiration={format_expiration(self.expiration)})")

    @classmethod
    def of(cls, creds):
        """The same four values taken from any object that carries them.

        Lets freshly fetched credentials (``sts.Credentials``) go through
        the same output code as stored ones.
        """
        return cls(creds.access_key_id, creds.secret_access_key,
                   creds.session_token, creds.expiration)

    def serves(self, recipe):
        """True when these credentials are what ``recipe`` asks for.

        Same role (or both a session token), same source profile, and the
        same device when the recipe names one.  A section written before
        the record existed is taken at its word, as it always was.

        >>> import datetime as dt
        >>> when = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
        >>> class R:
        ...     role_arn, source_profile, serial_number = "arn:r", "default", None
        >>> StoredCredentials("A", "s", "t", when, "arn:r", "default",
        ...                   "arn:m", True).serves(R)
        True
        >>> StoredCredentials("A", "s", "t", when, "arn:other", "default",
        ...                   "arn:m", True).serves(R)
        False
        """
        if not self.recorded:
            return True
        return (self.role_arn == recipe.role_arn
                and self.source_profile == recipe.source_profile
                and (recipe.serial_number is None
                     or self.serial_number == recipe.serial_number))

    def describe_owner(self, fallback):
        """Whose credentials these are, as the section records it.

        >>> import datetime as dt
        >>> when = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
        >>> StoredCredentials("A", "s", "t", when, None, "default",
        ...                   None, True).describe_owner("?")
        "a session token of 'default'"
        """
        if not self.recorded:
            return fallback
        return owner(self.role_arn, self.source_profile)

    def seconds_left(self, now):
        """Seconds until expiry as seen at ``now`` (negative once expired)."""
        return (self.expiration - now).total_seconds()

    def process_json(self):
        r"""The ``credential_process`` answer (Version 1), as ``json.dumps`` writes it.

        >>> import datetime as dt, json
        >>> when = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
        >>> answer = StoredCredentials("A", 's"\\', "t\u00e9", when).process_json()
        >>> answer == json.dumps({"Version": 1, "AccessKeyId": "A",
        ...     "SecretAccessKey": 's"\\', "SessionToken": "t\u00e9",
        ...     "Expiration": "2030-01-01T00:00:00Z"})
        True
        """
        fields = (("AccessKeyId", self.access_key_id),
                  ("SecretAccessKey", self.secret_access_key),
                  ("SessionToken", self.session_token),
                  ("Expiration", format_expiration(self.expiration)))
        return '{"Version": 1, ' + ", ".join(
            f'"{name}": {_json_string(value)}' for name, value in fields) + "}"


def _json_string(value):
    r"""``json.dumps(value)`` for a string, without importing :mod:`json`.

    Importing ``json`` costs the fast path as much as all of its own
    modules; credentials are printable ASCII without quotes or
    backslashes, which JSON takes as they are.  Anything else goes to
    ``json`` itself.

    >>> _json_string("ASIA/abc+="), _json_string('a"b')
    ('"ASIA/abc+="', '"a\\"b"')
    """
    if (isinstance(value, str) and value.isascii() and value.isprintable()
            and '"' not in value and "\\" not in value):
        return f'"{value}"'
    import json

    return json.dumps(value)


def owner(role_arn, source_profile):
    """Whose credentials a switch makes: the role, or the source's session token.

    >>> owner(None, "default")
    "a session token of 'default'"
    """
    return role_arn or f"a session token of {source_profile!r}"


def record_values(recipe):
    """The keys that record what a section's credentials are for.

    >>> class R:
    ...     role_arn, source_profile, serial_number = None, "default", "arn:m"
    >>> record_values(R)
    {'mfa_switch_source_profile': 'default', 'mfa_switch_serial': 'arn:m'}
    """
    values = {FOR_ROLE_KEY: recipe.role_arn,
              FOR_SOURCE_KEY: recipe.source_profile,
              FOR_SERIAL_KEY: recipe.serial_number}
    return {key: value for key, value in values.items() if value}


#: Stored expirations this close to either end of what ``datetime`` can hold
#: are taken as unreadable: shown in a local time zone, or moved by a
#: margin, they would overflow.
_EDGE = datetime.timedelta(days=2)
_EARLIEST = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc) + _EDGE
_LATEST = datetime.datetime.max.replace(tzinfo=datetime.timezone.utc) - _EDGE

_RFC3339_UTC = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def format_expiration(moment):
    """RFC 3339 in UTC with ``Z`` and a four-digit year, as starship and the SDKs read it.

    >>> format_expiration(datetime.datetime(2030, 1, 2, 3, 4, 5,
    ...                   tzinfo=datetime.timezone.utc))
    '2030-01-02T03:04:05Z'
    >>> format_expiration(datetime.datetime(1, 1, 1, tzinfo=datetime.timezone.utc))
    '0001-01-01T00:00:00Z'
    """
    # Not strftime("%Y"): the C library writes year 1 as "1".
    utc = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return utc.isoformat(timespec="seconds") + "Z"


def parse_expiration(text):
    """The inverse of :func:`format_expiration`; ``None`` when unusable.

    Unusable: not exactly that form, not a date, or a moment within two
    days of year 1 or year 9999.

    >>> parse_expiration("2030-01-02T03:04:05Z").year
    2030
    >>> [parse_expiration(t) for t in ("9999-12-31T23:59:59Z", "1-01-01T00:00:00Z")]
    [None, None]
    """
    if not isinstance(text, str) or not _RFC3339_UTC.fullmatch(text.strip()):
        return None
    text = text.strip()
    try:
        # The fields by position, which the pattern above has checked: what
        # strptime(EXPIRATION_FORMAT) reads, without importing _strptime
        # (and locale, calendar) into every credential_process answer.
        moment = datetime.datetime(
            int(text[0:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]),
            int(text[14:16]), int(text[17:19]), tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    return moment if _EARLIEST <= moment <= _LATEST else None


def is_managed(section):
    """True when ``section`` (a key -> value mapping) is mfa-switch's.

    The one rule of what is ours, for clearing, storing and every check
    before either: the marker, and nothing but what mfa-switch writes - a
    session token with a temporary key.  A section whose keys were set
    since (``aws configure set aws_access_key_id AKIA...``) keeps the
    marker but holds long-term keys now, and is the user's.

    >>> is_managed({"managed_by": "mfa-switch"}), is_managed({})
    (True, False)
    >>> is_managed({"managed_by": "mfa-switch", "aws_access_key_id": "ASIA1",
    ...             "aws_secret_access_key": "s", "aws_session_token": "t"})
    True
    >>> is_managed({"managed_by": "mfa-switch", "aws_access_key_id": "AKIA1",
    ...             "aws_secret_access_key": "s", "aws_session_token": "t"})
    False
    """
    return (section.get(MANAGED_KEY) == MANAGED_VALUE
            and not holds_long_term_keys(section))


def holds_long_term_keys(section):
    """True when ``section``'s credentials are (or may be) long-term keys.

    Any access key without an ``aws_session_token`` counts, whatever its
    prefix, and so does an ``AKIA`` key (an IAM user's) with one.

    >>> holds_long_term_keys({"aws_access_key_id": "ASIA"})
    True
    >>> holds_long_term_keys({"aws_access_key_id": "ASIA",
    ...                       "aws_session_token": "t"})
    False
    >>> holds_long_term_keys({"aws_secret_access_key": "s"})
    True
    """
    key_id = section.get("aws_access_key_id")
    if key_id is None and "aws_secret_access_key" not in section:
        return False
    return (not section.get("aws_session_token")
            or str(key_id or "").startswith("AKIA"))


def from_section(section):
    """A :class:`StoredCredentials` from a parsed section, or ``None``.

    ``None`` unless the section carries mfa-switch's marker, all three keys
    and a readable expiration.
    """
    if not is_managed(section):
        return None
    expiration = parse_expiration(section.get("expiration"))
    values = [section.get(key) for key in (
        "aws_access_key_id", "aws_secret_access_key", "aws_session_token")]
    # A value botocore read as an indented block is a dict, not a key.
    if expiration is None or not all(
            isinstance(value, str) and value for value in values):
        return None
    source = section.get(FOR_SOURCE_KEY)
    return StoredCredentials(
        *values, expiration,
        role_arn=section.get(FOR_ROLE_KEY) or None,
        source_profile=source or None,
        serial_number=section.get(FOR_SERIAL_KEY) or None,
        recorded=bool(source))


def read_stored(path, profile):
    """Read ``[profile]`` of the credentials file at ``path``, or ``None``.

    A missing or unparsable file reads as nothing stored.
    """
    sections = _sections_or_none(path)
    if sections is None or profile not in sections:
        return None
    return from_section(sections[profile])


def read_all_stored(path):
    """Every section of the file at ``path`` that mfa-switch wrote, by name.

    One parse for callers that look at many profiles (the listing); a
    missing or unparsable file gives ``{}``.
    """
    sections = _sections_or_none(path)
    if sections is None:
        return {}
    found = {}
    for name, values in sections.items():
        stored = from_section(values)
        if stored is not None:
            found[name] = stored
    return found


def _sections_or_none(path):
    try:
        return stdlib_sections(path)
    except (configparser.Error, ValueError):
        return None


# --------------------------------------------------------------------------
# The standard-library reader, shared by the fast path and the full path
# --------------------------------------------------------------------------


def stdlib_sections(path):
    """The sections of an INI file as botocore parses it (``{}`` if absent).

    ``{section: {key: value}}``, with an indented block as the dict
    botocore makes of it.  Like botocore, a path that is not a regular file
    reads as absent, and so does one that cannot be read.  Raises
    ``configparser.Error`` or ``ValueError`` (which includes
    ``UnicodeDecodeError``) where botocore would fail too.
    """
    data = read_regular_file(path)
    if data is None:
        return {}
    parser = configparser.RawConfigParser()
    parser.read_file(io.StringIO(data.decode("utf-8"), newline=None))
    return {
        name: {key: _nested(value) for key, value in parser.items(name)}
        for name in parser.sections()
    }


def _nested(value):
    """An indented block as the dict botocore makes of it; ValueError if bad."""
    if not value.startswith("\n"):
        return value
    parsed = {}
    for line in value.splitlines():
        if line.strip():
            key, nested = line.split("=", 1)
            parsed[key.strip()] = nested.strip()
    return parsed


def profile_map(config_path, credentials_path):
    """Profiles by name, as ``session.full_config['profiles']`` has them.

    Returns ``(profiles, credential_sections)``.  Config sections are
    ``[default]`` and ``[profile NAME]``; sections of the credentials file
    are profiles by their literal name, and their keys win.
    Raises ``configparser.Error`` or ``ValueError`` (which includes
    ``UnicodeDecodeError``) where botocore would fail too.
    """
    profiles = {}
    for name, values in stdlib_sections(config_path).items():
        if name == "default":
            profiles[name] = values
        elif name.startswith("profile"):
            parts = _split_section_name(name)
            if len(parts) == 2:
                profiles[parts[1]] = values
    credential_sections = stdlib_sections(credentials_path)
    for name, values in credential_sections.items():
        profiles.setdefault(name, {}).update(values)
    return profiles, credential_sections


def _split_section_name(name):
    if '"' not in name and "'" not in name and "\\" not in name:
        return name.split()
    import shlex  # only for quoted names, as botocore splits them

    try:
        return shlex.split(name)
    except ValueError:
        return []


def read_regular_file(path):
    """The bytes of the file at ``path``, or ``None`` if there is no such file.

    Like botocore, which reads only what ``os.path.isfile`` accepts, anything
    but a regular file (a FIFO, a device, a folder) counts as no file and is
    never opened: opening a FIFO for reading waits for a writer forever.
    An unreadable file counts as none too.
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        # O_NONBLOCK: a FIFO swapped in after the stat still opens at once.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError):
        return None
    with open(fd, "rb") as handle:
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            return handle.read()
        except OSError:
            return None
