"""Native role profiles: prime the AWS CLI's own assume-role cache.

A profile written the AWS way::

    [profile native]
    role_arn = arn:aws:iam::222222222222:role/AccessToTestDev
    source_profile = default
    mfa_serial = arn:aws:iam::111111111111:mfa/alice

makes botocore ask for a code whenever its cached credentials run out.
mfa-switch performs that AssumeRole with the code and stores the response
where the CLI looks first: ``~/.aws/cli/cache/<key>.json``.  Static keys are
never written under such a profile: botocore resolves ``role_arn`` before
it reads the credentials file, so they would be ignored.

Every step that must match the CLI byte for byte is botocore's own code:
the cache key, the response's shape and the JSON file; see
:func:`_fetcher` for why private members are used.
"""
import datetime
import json
import os
import stat

from botocore.credentials import AssumeRoleCredentialFetcher
from botocore.utils import JSONFileCache, parse_timestamp

from awscli_mfa_plugin.files.atomic import make_private_dirs
from awscli_mfa_plugin.stored import StoredCredentials

#: Top-level key of the cache entries mfa-switch writes.
MANAGED_KEY = "ManagedBy"
MANAGED_VALUE = "mfa-switch"

#: botocore treats cached credentials as expired this long before they are
#: (``CachedCredentialFetcher.DEFAULT_EXPIRY_WINDOW_SECONDS``).
EXPIRY_WINDOW = AssumeRoleCredentialFetcher.DEFAULT_EXPIRY_WINDOW_SECONDS


def botocore_extra_args(config):
    """The AssumeRole arguments botocore derives from a role profile.

    The same steps as ``AssumeRoleProvider._load_creds_via_assume_role``:
    only keys present in the profile, and ``duration_seconds`` only when it
    is a whole number (botocore drops it otherwise).

    >>> botocore_extra_args({"mfa_serial": "arn:m", "duration_seconds": "900",
    ...                      "role_session_name": "al"})
    {'RoleSessionName': 'al', 'SerialNumber': 'arn:m', 'DurationSeconds': 900}
    """
    args = {}
    for key, name in (("role_session_name", "RoleSessionName"),
                      ("external_id", "ExternalId"),
                      ("mfa_serial", "SerialNumber")):
        if config.get(key) is not None:
            args[name] = config[key]
    duration = config.get("duration_seconds")
    if duration is not None:
        try:
            args["DurationSeconds"] = int(duration)
        except ValueError:
            pass
    return args


def _fetcher(config, cache):
    """botocore's fetcher for this profile, used for its cache logic only.

    The key is computed by ``AssumeRoleCredentialFetcher`` itself (in its
    constructor, as ``_cache_key``) rather than by a copy of its hashing:
    a copy would silently drift the day botocore changes what goes into the
    key, and then the CLI would prompt again despite our cache entry.  The
    fetcher never calls STS here (no client creator, no prompter).
    """
    return AssumeRoleCredentialFetcher(
        client_creator=None,
        source_credentials=None,
        role_arn=config["role_arn"],
        extra_args=botocore_extra_args(config),
        cache=cache,
    )


def cache_key(config):
    """The file name (without ``.json``) the CLI caches this profile under.

    >>> len(cache_key({"role_arn": "arn:aws:iam::1:role/R"}))
    40
    """
    return _fetcher(config, {})._cache_key


def store(cache_dir, config, response):
    """Write an AssumeRole ``response`` for the profile ``config`` to the cache.

    Written as botocore writes after its own AssumeRole: ``AccountId`` added
    to the credentials, then ``JSONFileCache`` (a 0600 temporary file in the
    cache folder, fsynced, renamed over the entry).  The folder, and any
    parent missing (``~/.aws/cli``), is created 0700 whatever the umask
    (``os.makedirs`` would leave the parents to the umask).  Returns the
    path of the entry.
    """
    make_private_dirs(cache_dir)
    cache = JSONFileCache(cache_dir)
    fetcher = _fetcher(config, cache)
    fetcher._add_account_id_to_response(response)
    # botocore reads only Credentials (and AssumedRoleUser) back; the marker
    # lets --clear remove entries mfa-switch wrote and no others.
    response = dict(response, **{MANAGED_KEY: MANAGED_VALUE})
    fetcher._write_to_cache(response)
    return os.path.join(cache_dir, fetcher._cache_key + ".json")


def remove(cache_dir, config):
    """Delete this profile's cache entry if mfa-switch wrote it; its path, else ``None``.

    An entry the AWS CLI wrote after asking for a code itself (no marker),
    or one that cannot be read, is left where it is.
    """
    path = os.path.join(cache_dir, cache_key(config) + ".json")
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        with open(path, encoding="utf-8") as handle:
            body = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(body, dict) or body.get(MANAGED_KEY) != MANAGED_VALUE:
        return None
    try:
        os.remove(path)
    except FileNotFoundError:
        return None
    return path


class UnreadableEntry(Exception):
    """A cache entry exists for the profile but holds no usable credentials."""


def read_cached(cache_dir, config):
    """The credentials cached for this profile, expired or not; ``None`` if none.

    Raises :class:`UnreadableEntry` for an entry that is there but cannot be
    used: not JSON, missing or mistyped values (a number as access key ID),
    an expiration no calendar holds (``"1e300"``).  The expiration is parsed
    the way botocore parses it: the CLI writes ``2030-01-01T00:00:00UTC``,
    which ``fromisoformat`` refuses.
    """
    cache = JSONFileCache(cache_dir)
    key = cache_key(config)
    if key not in cache:
        return None
    try:
        creds = cache[key]["Credentials"]
        values = [creds[name] for name in (
            "AccessKeyId", "SecretAccessKey", "SessionToken")]
        if not all(isinstance(value, str) and value for value in values):
            raise TypeError("not text")
        # botocore raises RuntimeError for a time no time zone can hold.
        expiration = parse_timestamp(creds["Expiration"]).astimezone(
            datetime.timezone.utc)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError,
            OSError, RuntimeError):
        raise UnreadableEntry(key) from None
    return StoredCredentials(*values, expiration)


def cached(cache_dir, config, now, minimum=EXPIRY_WINDOW):
    """The credentials cached for this profile if more than ``minimum`` s are left.

    ``None`` when there is no entry, it cannot be read (a switch then
    replaces it), or it is too close to expiry.
    """
    try:
        stored = read_cached(cache_dir, config)
    except UnreadableEntry:
        return None
    if stored is None or stored.seconds_left(now) <= minimum:
        return None
    return stored
