"""Credentials mfa-switch stored earlier: read them back, judge what is left.

Standard library only, on purpose: the standalone ``aws-mfa-switch``
answers ``credential_process`` from here without loading botocore.
"""
import configparser
import dataclasses
import datetime
import io
import json
import os
import stat

MANAGED_KEY = "managed_by"
MANAGED_VALUE = "mfa-switch"
EXPIRATION_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclasses.dataclass(frozen=True)
class StoredCredentials:
    """A section of the credentials file that mfa-switch wrote."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime.datetime

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

    def seconds_left(self, now):
        """Seconds until expiry as seen at ``now`` (negative once expired)."""
        return (self.expiration - now).total_seconds()

    def process_json(self):
        """The ``credential_process`` answer (Version 1)."""
        return json.dumps({
            "Version": 1,
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "SessionToken": self.session_token,
            "Expiration": format_expiration(self.expiration),
        })


def format_expiration(moment):
    """RFC 3339 in UTC with ``Z``, as starship and the SDKs read it.

    >>> format_expiration(datetime.datetime(2030, 1, 2, 3, 4, 5,
    ...                   tzinfo=datetime.timezone.utc))
    '2030-01-02T03:04:05Z'
    """
    return moment.astimezone(datetime.timezone.utc).strftime(EXPIRATION_FORMAT)


def parse_expiration(text):
    """The inverse of :func:`format_expiration`; ``None`` when malformed."""
    try:
        moment = datetime.datetime.strptime(text.strip(), EXPIRATION_FORMAT)
    except (AttributeError, ValueError):
        return None
    return moment.replace(tzinfo=datetime.timezone.utc)


def is_managed(section):
    """True when ``section`` (a key -> value mapping) carries mfa-switch's marker.

    >>> is_managed({"managed_by": "mfa-switch"}), is_managed({})
    (True, False)
    """
    return section.get(MANAGED_KEY) == MANAGED_VALUE


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
    if expiration is None or not all(values):
        return None
    return StoredCredentials(*values, expiration)


def read_stored(path, profile):
    """Read ``[profile]`` of the credentials file at ``path``, or ``None``.

    A missing or unparsable file reads as nothing stored.
    """
    parser = _parse(path)
    if parser is None or not parser.has_section(profile):
        return None
    return from_section(dict(parser.items(profile)))


def read_all_stored(path):
    """Every section of the file at ``path`` that mfa-switch wrote, by name.

    One parse for callers that look at many profiles (the listing); a
    missing or unparsable file gives ``{}``.
    """
    parser = _parse(path)
    if parser is None:
        return {}
    found = {}
    for name in parser.sections():
        stored = from_section(dict(parser.items(name)))
        if stored is not None:
            found[name] = stored
    return found


def _parse(path):
    data = read_regular_file(path)
    if data is None:
        return None
    parser = configparser.RawConfigParser()
    try:
        parser.read_file(io.StringIO(data.decode("utf-8"), newline=None))
    except (configparser.Error, UnicodeDecodeError):
        return None
    return parser


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
