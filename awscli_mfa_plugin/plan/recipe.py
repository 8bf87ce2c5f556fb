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

Two other layouts are read as recipes too: aws-mfa's (a
``[dev-long-term]`` section in the credentials file with ``aws_mfa_device``
and ``assume_role``) and the AWS CLI's own role profiles (``role_arn``,
``source_profile``, ``mfa_serial``), see :func:`native_recipe`.
"""
from __future__ import annotations

import re

from awscli_mfa_plugin.errors import ProfileNotFoundError, RecipeError, UsageError
from awscli_mfa_plugin.plan.keep import MIN_REMAINING_KEY
from awscli_mfa_plugin.plan.validation import CHAINED_ROLE_MAX_SECONDS, check_recipe
from awscli_mfa_plugin.request.parse import (
    PROMPT_KEY, YKMAN_ACCOUNT_KEY, Overrides, check_choice)
from awscli_mfa_plugin.values import Value

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

#: The command whose standard output is the code (profile or source profile).
PROCESS_KEY = "mfa_process"

#: How long the MFA session lasts that roles are assumed from (profile or
#: source profile), and how long when nobody says: STS's own default for
#: GetSessionToken, a working day and its breaks on one code (README).
SESSION_DURATION_KEY = "mfa_session_duration"
DEFAULT_SESSION_DURATION = 43200

#: aws-mfa keeps ``[<profile>-long-term]`` beside the ``[<profile>]`` it
#: writes; its keys (``aws_mfa_device``, ``assume_role``) are aws-mfa's own
#: names, see https://github.com/broamski/aws-mfa.
AWS_MFA_SUFFIX = "-long-term"
AWS_MFA_DEVICE_KEY = "aws_mfa_device"
AWS_MFA_ROLE_KEY = "assume_role"
#: aws-mfa's default durations (it has no config key for them); kept so its
#: users get what they got before.
AWS_MFA_DURATIONS = {True: "3600", False: "43200"}

#: Every key mfa-switch reads as one value, in any profile a switch reads
#: (the profile, its source profile, aws-mfa's long-term section): the
#: recipe keys and the AWS CLI's own role keys.
VALUE_KEYS = (*RECIPE_KEYS, PROCESS_KEY, MIN_REMAINING_KEY, YKMAN_ACCOUNT_KEY,
              SESSION_DURATION_KEY,
              "role_arn", "source_profile", "credential_source",
              "duration_seconds", "role_session_name", "external_id",
              AWS_MFA_DEVICE_KEY, AWS_MFA_ROLE_KEY)

# configparser, as botocore uses it, has no inline comments: "# ..." or
# "; ..." after a blank stays in the value.
_INLINE_COMMENT = re.compile(r"(?:^|\s)([#;])")

#: STS caps a role assumed with temporary credentials (role chaining) at
#: one hour, whatever the role allows.
CHAINED_ROLE_MAX = CHAINED_ROLE_MAX_SECONDS

#: STS's limits for ``DurationSeconds``.
ROLE_DURATION = (900, 43200)
SESSION_TOKEN_DURATION = (900, 129600)

# STS's documented pattern for session names is [\w+=,.@-]{2,64}, where \w
# means ASCII word characters.
_SESSION_NAME_CHARS = re.compile(r"[^A-Za-z0-9_+=,.@-]")


class Recipe(Value):
    """Everything one switch needs, resolved from config and flags."""

    profile: str
    target_profile: str
    source_profile: str
    serial_number: str | None
    role_arn: str | None = None
    duration_seconds: int | None = None
    role_session_name: str | None = None
    external_id: str | None = None
    #: The ``mfa_process`` command line, when the code comes from a command.
    code_process: str | None = None
    #: ``mfa_prompt``: who asks a person for the code (``None``: auto).
    prompt: str | None = None
    #: ``mfa_ykman_account``: the YubiKey's OATH account with ``ykman``
    #: (``None``: found from the device's ARN).
    ykman_account: str | None = None
    #: Where the recipe was read: ``mfa`` (``mfa_*`` keys), ``aws-mfa``
    #: (``[<profile>-long-term]``) or ``native`` (``role_arn`` profiles).
    layout: str = "mfa"
    #: ``mfa_session_duration`` of the profile, else of its source profile
    #: (``None``: not set).
    session_duration: int | None = None

    @property
    def uses_role(self):
        """AssumeRole when a role is named, else GetSessionToken."""
        return self.role_arn is not None


def _not_found(profile, profiles):
    """The sentence for a profile that exists nowhere, naming a close match.

    >>> _not_found("dve", {"dev": {}, "default": {}})
    "The profile 'dve' is not in your AWS config or credentials file; did you mean 'dev'? (aws mfa-switch --list shows the profiles it can switch)"
    >>> _not_found("zzz", {"dev": {}})
    "The profile 'zzz' is not in your AWS config or credentials file; check the name, or create it with an mfa_source_profile."
    """
    import difflib

    close = difflib.get_close_matches(str(profile), [str(p) for p in profiles], n=1)
    if close:
        return (f"The profile {profile!r} is not in your AWS config or "
                f"credentials file; did you mean {close[0]!r}? (aws mfa-switch "
                "--list shows the profiles it can switch)")
    return (f"The profile {profile!r} is not in your AWS config or credentials "
            "file; check the name, or create it with an mfa_source_profile.")


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
    :func:`awscli_mfa_plugin.plan.validation.check_recipe`).
    """
    config = profiles.get(profile)
    check_values(profile, config)
    values = {attr: (config or {}).get(key) for key, attr in RECIPE_KEYS.items()}
    layout = "mfa"
    if not any(values.values()):
        legacy = aws_mfa_values(profiles, profile, user_name)
        if legacy is not None:
            values, layout = legacy, "aws-mfa"
    if config is None and not any(values.values()) \
            and not overrides.any_recipe_value():
        raise ProfileNotFoundError(_not_found(profile, profiles))
    config = config or {}
    if not any(values.values()) and not config.get(PROCESS_KEY) \
            and not overrides.any_recipe_value():
        if holds_long_term_keys(config):
            # A recipe cannot go there: the profile would be its own source.
            raise RecipeError(
                f"The profile {profile!r} holds long-term access keys, not an "
                "mfa-switch recipe: name the profile to switch with --profile "
                "NAME (aws mfa-switch --list shows which can be), or add a "
                "recipe under another profile name, with mfa_source_profile "
                f"= {profile}."
            )
        raise RecipeError(
            f"The profile {profile!r} has no mfa-switch recipe; add "
            "mfa_source_profile and mfa_serial (and mfa_role_arn to assume a "
            "role) to it in your AWS config file."
        )
    for attr in RECIPE_KEYS.values():
        flag = getattr(overrides, attr)
        if flag is not None:
            values[attr] = flag
    return _recipe(profiles, profile, values, overrides.target_profile,
                   user_name, layout)


def _recipe(profiles, profile, values, target_profile, user_name, layout):
    """Check and complete ``values`` (attribute -> raw value) into a Recipe."""
    target = target_profile or profile
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
    check_values(source, source_config)
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
        code_process=(profiles.get(profile, {}).get(PROCESS_KEY)
                      or source_config.get(PROCESS_KEY) or None),
        prompt=_prompt(profiles, profile, source),
        ykman_account=(profiles.get(profile, {}).get(YKMAN_ACCOUNT_KEY)
                       or source_config.get(YKMAN_ACCOUNT_KEY) or None),
        layout=layout,
        session_duration=_session_duration(profiles, profile, source),
    )
    check_recipe(recipe, profiles)
    return recipe


def _session_duration(profiles, profile, source):
    """``mfa_session_duration`` of the profile, else of its source, checked.

    >>> _session_duration({"a": {"mfa_session_duration": "3600"}, "s": {}},
    ...                   "a", "s")
    3600
    """
    for name in (profile, source):
        value = profiles.get(name, {}).get(SESSION_DURATION_KEY)
        if value is not None and str(value).strip():
            return parse_duration(value, uses_role=False,
                                  origin=SESSION_DURATION_KEY)
    return None


def _prompt(profiles, profile, source):
    """``mfa_prompt`` of the profile, else of its source profile, checked."""
    for name in (profile, source):
        value = profiles.get(name, {}).get(PROMPT_KEY)
        if value is not None and str(value).strip():
            return check_choice(value, f"{PROMPT_KEY} of {name!r}")
    return None


def aws_mfa_values(profiles, profile, user_name=None):
    """Recipe values for aws-mfa's layout, or ``None`` if it is not there.

    aws-mfa reads ``[<profile>-long-term]`` (long-term keys, the device in
    ``aws_mfa_device``, a role in ``assume_role``) and writes ``[<profile>]``;
    read the same way, its users switch without editing anything.  Like
    aws-mfa, the session name is the login name and the duration one hour
    for a role, twelve for a session token.

    >>> v = aws_mfa_values({"dev-long-term": {"aws_mfa_device": "arn:m/a",
    ...                     "assume_role": "arn:r"}}, "dev", "bob")
    >>> (v["source_profile"], v["serial_number"], v["role_arn"],
    ...  v["duration_seconds"], v["role_session_name"])
    ('dev-long-term', 'arn:m/a', 'arn:r', '3600', 'bob')
    """
    source = profile + AWS_MFA_SUFFIX
    long_term = profiles.get(source)
    if long_term is None:
        return None
    check_values(source, long_term)
    role_arn = long_term.get(AWS_MFA_ROLE_KEY) or None
    return {
        "source_profile": source,
        "serial_number": long_term.get(AWS_MFA_DEVICE_KEY) or None,
        "role_arn": role_arn,
        "duration_seconds": AWS_MFA_DURATIONS[role_arn is not None],
        "role_session_name": (
            default_session_name(None, user_name) if user_name else None),
        "external_id": None,
    }


#: Keys that make botocore resolve a profile some other way before it looks
#: at static keys in the credentials file.
SHADOWING_KEYS = ("role_arn", "web_identity_token_file", "sso_session",
                  "sso_start_url")


def shadowing_key(config):
    """The first key of ``config`` that would hide static keys, or ``None``.

    >>> shadowing_key({"role_arn": "arn:r", "region": "eu-west-1"})
    'role_arn'
    >>> shadowing_key({"mfa_role_arn": "arn:r"}) is None
    True
    """
    return next((key for key in SHADOWING_KEYS if config.get(key)), None)


def is_native_role(config):
    """True for a profile the AWS CLI assumes itself, asking for a code.

    >>> is_native_role({"role_arn": "arn:r", "mfa_serial": "arn:m",
    ...                 "source_profile": "default"})
    True
    >>> is_native_role({"role_arn": "arn:r", "mfa_role_arn": "arn:r"})
    False
    """
    return bool(
        config.get("role_arn")
        and config.get("mfa_serial")
        and not config.get("web_identity_token_file")
        # mfa_serial is the one key both layouts share.
        and not any(config.get(key) for key in RECIPE_KEYS
                    if key != "mfa_serial")
    )


def native_recipe(profiles, profile, user_name=None):
    """The recipe of a role profile written the AWS CLI's way.

    ``role_arn``, ``mfa_serial``, ``source_profile`` and the optional
    ``duration_seconds``, ``role_session_name``, ``external_id`` are the
    keys botocore's assume-role provider reads; mfa-switch performs that
    same AssumeRole and hands the result to the CLI's cache, so the target
    is the profile itself.

    >>> r = native_recipe({"n": {
    ...     "role_arn": "arn:aws:iam::222222222222:role/R",
    ...     "mfa_serial": "arn:aws:iam::111111111111:mfa/al",
    ...     "source_profile": "default"}, "default": {}}, "n")
    >>> (r.role_session_name, r.duration_seconds, r.layout)
    ('al', None, 'native')

    Raises :class:`RecipeError` for a profile that takes its source
    credentials from ``credential_source``, which mfa-switch cannot reach.
    """
    config = profiles[profile]
    check_values(profile, config)
    if not config.get("source_profile"):
        raise RecipeError(
            f"The profile {profile!r} has no source_profile (credential_source "
            "is not supported); name the profile with your long-term keys in "
            "source_profile."
        )
    values = {
        "source_profile": config["source_profile"],
        "serial_number": config["mfa_serial"],
        "role_arn": config["role_arn"],
        "duration_seconds": config.get("duration_seconds"),
        "role_session_name": config.get("role_session_name"),
        "external_id": config.get("external_id"),
    }
    return _recipe(profiles, profile, values, None, user_name, "native")


def switchable_profiles(profiles):
    """The profiles ``--all`` switches: every recipe that assumes a role.

    ``mfa_role_arn`` recipes and aws-mfa's ``assume_role`` layout, in the
    order the configuration lists them.

    >>> switchable_profiles({"a": {"mfa_role_arn": "arn:r"}, "b": {},
    ...                      "c-long-term": {"assume_role": "arn:r"}})
    ['a', 'c']
    """
    names = []
    layout = aws_mfa_profiles(profiles)
    for name, config in profiles.items():
        if config.get("mfa_role_arn"):
            names.append(name)
        elif name in layout and config.get(AWS_MFA_ROLE_KEY):
            names.append(layout[name])
    return names


def aws_mfa_profiles(profiles):
    """aws-mfa's layout in ``profiles``: ``{long-term section: profile}``.

    A ``[<profile>-long-term]`` section with ``aws_mfa_device`` or
    ``assume_role`` is the recipe of ``<profile>`` unless that profile has
    ``mfa_*`` recipe keys of its own (which win, as in :func:`resolve_recipe`).

    >>> aws_mfa_profiles({"dev-long-term": {"aws_mfa_device": "arn:m"},
    ...                   "keys-long-term": {"aws_access_key_id": "AKIA"}})
    {'dev-long-term': 'dev'}
    """
    found = {}
    for name, config in profiles.items():
        base = name[:-len(AWS_MFA_SUFFIX)]
        if not (name.endswith(AWS_MFA_SUFFIX) and base):
            continue
        if not (config.get(AWS_MFA_DEVICE_KEY) or config.get(AWS_MFA_ROLE_KEY)):
            continue
        if not any(profiles.get(base, {}).get(key) for key in RECIPE_KEYS):
            found[name] = base
    return found


def holds_long_term_keys(config):
    """True for a profile with an access key and no session token.

    >>> holds_long_term_keys({"aws_access_key_id": "AKIA", "region": "x"})
    True
    >>> holds_long_term_keys({"aws_access_key_id": "ASIA",
    ...                       "aws_session_token": "t"})
    False
    """
    return bool(config and config.get("aws_access_key_id")
                and not config.get("aws_session_token"))


def check_values(name, config):
    """Refuse a value of :data:`VALUE_KEYS` that cannot be one value.

    botocore reads an indented block under a key as a dict of settings,
    and keeps an inline comment as part of the value; either way the value
    is not what the user meant, so it is named before anything is called.

    >>> check_values("dev", {"mfa_serial": "arn:aws:iam::1:mfa/a  # phone"})
    Traceback (most recent call last):
    ...
    awscli_mfa_plugin.errors.RecipeError: The value of mfa_serial in the profile 'dev' has an inline comment (a word starting with '#'), which AWS config files do not have: the comment is read as part of the value; put it on a line of its own.

    Raises :class:`RecipeError`.
    """
    for key in VALUE_KEYS:
        value = (config or {}).get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise RecipeError(
                f"The profile {name!r} has an indented block under {key} "
                f"instead of one value; write it on one line ({key} = value) "
                "in your AWS config or credentials file."
            )
        marker = _comment_marker(key, value)
        if marker is not None:
            raise RecipeError(
                f"The value of {key} in the profile {name!r} has an inline "
                f"comment (a word starting with {marker!r}), which AWS config "
                "files do not have: the comment is read as part of the "
                "value; put it on a line of its own."
            )


def _comment_marker(key, value):
    """The comment character that starts a word of ``value``, or ``None``."""
    if key == PROCESS_KEY:
        # A command line: ';' may be an argument, and '#' inside quotes is
        # text; a word that starts with '#' is what a shell would skip.
        try:
            import shlex  # only for mfa_process, not on the fast path

            words = shlex.split(value)
        except ValueError:
            return None  # reported with the command's other faults
        return "#" if any(word.startswith("#") for word in words) else None
    match = _INLINE_COMMENT.search(value)
    return match.group(1) if match else None


def parse_duration(value, uses_role,
                   origin="mfa_duration_seconds or --duration-seconds"):
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
            f"The duration {text!r} ({origin}) is not a positive whole "
            "number of seconds: "
            f"give one from {low} to {high} for {what}."
        )
    seconds = int(text)
    if not low <= seconds <= high:
        raise UsageError(
            f"The duration {seconds} ({origin}) is outside what STS allows "
            f"for {what}: "
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
