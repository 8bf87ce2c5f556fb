"""Recipe resolution: a profile's configuration in, the settings of one switch out.

Pure functions over the profile map botocore has already parsed
(``session.full_config['profiles']``); nothing here reads files, the
environment or the network.

A recipe is written with the standard assume-role keys behind an ``mfa_``
prefix, so that botocore and the other SDKs ignore them::

    [profile dev]
    mfa_role_arn = arn:aws:iam::222222222222:role/AccessToTestDev
    mfa_source_profile = default
    mfa_serial = arn:aws:iam::111111111111:mfa/alice
"""
import dataclasses
import re
from typing import Optional

from awscli_mfa_plugin.errors import ProfileNotFoundError, RecipeError, UsageError
from awscli_mfa_plugin.validation import check_recipe

#: Config key -> attribute of :class:`Overrides` / :class:`Recipe`.
RECIPE_KEYS = {
    "mfa_role_arn": "role_arn",
    "mfa_source_profile": "source_profile",
    "mfa_serial": "serial_number",
    "mfa_duration_seconds": "duration_seconds",
    "mfa_role_session_name": "role_session_name",
    "mfa_external_id": "external_id",
}

DEFAULT_SOURCE_PROFILE = "default"

#: STS's limits for ``DurationSeconds``.
ROLE_DURATION = (900, 43200)
SESSION_TOKEN_DURATION = (900, 129600)

# STS's documented pattern for session names is [\w+=,.@-]{2,64}, where \w
# means ASCII word characters.
_SESSION_NAME_CHARS = re.compile(r"[^A-Za-z0-9_+=,.@-]")


@dataclasses.dataclass(frozen=True)
class Overrides:
    """Values given as flags for one run; ``None`` means "not given"."""

    role_arn: Optional[str] = None
    source_profile: Optional[str] = None
    serial_number: Optional[str] = None
    duration_seconds: Optional[str] = None
    role_session_name: Optional[str] = None
    external_id: Optional[str] = None
    target_profile: Optional[str] = None

    def any_recipe_value(self):
        """True when flags alone describe what to switch to."""
        return any(
            getattr(self, attr) is not None for attr in RECIPE_KEYS.values()
        )


@dataclasses.dataclass(frozen=True)
class Recipe:
    """Everything one switch needs, resolved from config and flags."""

    profile: str
    target_profile: str
    source_profile: str
    serial_number: Optional[str]
    role_arn: Optional[str] = None
    duration_seconds: Optional[int] = None
    role_session_name: Optional[str] = None
    external_id: Optional[str] = None

    @property
    def uses_role(self):
        """AssumeRole when a role is named, else GetSessionToken."""
        return self.role_arn is not None


def resolve_recipe(profiles, profile, overrides=Overrides(), user_name=None):
    """Combine the profile's ``mfa_*`` keys with flag overrides.

    ``profiles`` is botocore's profile map, ``profile`` the selected profile.
    ``user_name`` is the fallback for the session name when neither the
    config nor the MFA device names the user.

    >>> profiles = {"dev": {"mfa_role_arn": "arn:aws:iam::222222222222:role/R",
    ...                     "mfa_serial": "arn:aws:iam::111111111111:mfa/alice"},
    ...             "default": {}}
    >>> r = resolve_recipe(profiles, "dev")
    >>> (r.source_profile, r.role_session_name, r.target_profile)
    ('default', 'alice', 'dev')

    Raises :class:`ProfileNotFoundError` for an unknown profile that flags do
    not describe either, :class:`RecipeError` for a profile without recipe
    keys, and :class:`UsageError` for a malformed value (see
    :func:`awscli_mfa_plugin.validation.check_recipe`).
    """
    config = profiles.get(profile)
    if config is None and not overrides.any_recipe_value():
        raise ProfileNotFoundError(
            f"The profile {profile!r} is not in your AWS config or credentials "
            "file; check the name, or create it with an mfa_source_profile."
        )
    config = config or {}
    values = {attr: config.get(key) for key, attr in RECIPE_KEYS.items()}
    if not any(values.values()) and not overrides.any_recipe_value():
        raise RecipeError(
            f"The profile {profile!r} has no mfa-switch recipe; add "
            "mfa_source_profile and mfa_serial (and mfa_role_arn to assume a "
            "role) to it in your AWS config file."
        )
    for attr in RECIPE_KEYS.values():
        flag = getattr(overrides, attr)
        if flag is not None:
            values[attr] = flag

    target = overrides.target_profile or profile
    source = values["source_profile"] or DEFAULT_SOURCE_PROFILE
    if source == target:
        raise RecipeError(
            f"The profile {target!r} would be both the source of the long-term "
            "credentials and the place the temporary ones are written; set "
            "mfa_source_profile to the profile that holds your long-term keys."
        )
    source_config = profiles.get(source)
    if source_config is None:
        raise ProfileNotFoundError(
            f"The source profile {source!r} of {profile!r} is not in your AWS "
            "config or credentials file."
        )
    serial = values["serial_number"] or source_config.get("mfa_serial")
    role_arn = values["role_arn"] or None
    duration = parse_duration(values["duration_seconds"], role_arn is not None)
    session_name = values["role_session_name"] or default_session_name(
        serial, user_name
    )
    recipe = Recipe(
        profile=profile,
        target_profile=target,
        source_profile=source,
        serial_number=serial or None,
        role_arn=role_arn,
        duration_seconds=duration,
        role_session_name=session_name if role_arn else None,
        external_id=values["external_id"] or None,
    )
    check_recipe(recipe, profiles)
    return recipe


def parse_duration(value, uses_role):
    """Turn a configured or given duration into seconds within STS's range.

    >>> parse_duration("3600", uses_role=True)
    3600
    >>> parse_duration(None, uses_role=False) is None
    True
    """
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    # str.isdigit() alone accepts non-ASCII digits that STS refuses.
    low, high = ROLE_DURATION if uses_role else SESSION_TOKEN_DURATION
    what = "a role" if uses_role else "a session token"
    if not (text.isascii() and text.isdigit()):
        raise UsageError(
            f"The duration {text!r} (mfa_duration_seconds or "
            "--duration-seconds) is not a positive whole number of seconds: "
            f"give one from {low} to {high} for {what}."
        )
    seconds = int(text)
    if not low <= seconds <= high:
        raise UsageError(
            f"The duration {seconds} (mfa_duration_seconds or "
            f"--duration-seconds) is outside what STS allows for {what}: "
            f"{low} to {high} seconds."
        )
    return seconds


def default_session_name(serial_number, user_name=None):
    """A session name that identifies the user: the MFA device's name.

    >>> default_session_name("arn:aws:iam::111111111111:mfa/alice")
    'alice'
    >>> default_session_name(None, "bob smith")
    'bob_smith'
    """
    name = ""
    if serial_number:
        name = serial_number.rsplit("/", 1)[-1]
    if not name and user_name:
        name = user_name
    name = _SESSION_NAME_CHARS.sub("_", name)[:64]
    return name if len(name) >= 2 else "mfa-switch"
