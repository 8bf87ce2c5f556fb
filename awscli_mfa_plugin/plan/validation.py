"""Format checks on a resolved recipe, made before any call and before prompting.

Pure functions: a value that STS would refuse (or that cannot name what the
user meant) is refused here with a sentence that says which key or flag to
fix, so nobody types a code only to learn that a role ARN had a typo.

The formats are the documented ones:

- role ARN: ``arn:<partition>:iam::<12-digit account>:role/<path/><name>``,
  the name being 1-64 of ``[A-Za-z0-9_+=,.@-]``;
- MFA device: either a virtual or hardware TOTP device's ARN
  ``arn:<partition>:iam::<account>:mfa/<path/><name>`` or a hardware
  device's serial number, 9-256 of ``[A-Za-z0-9_+=/:,.@-]``
  (STS's ``SerialNumber`` pattern);
- role session name: 2-64 of ``[A-Za-z0-9_+=,.@-]``;
- external ID: 2-1224 of ``[A-Za-z0-9_+=,.@:/-]``.

STS's patterns use ``\\w``, which it means as ASCII: all patterns here are
ASCII-only.
"""
import re

from awscli_mfa_plugin.errors import RecipeError, UsageError

#: STS caps a role assumed with a role's credentials (role chaining) at 1 hour.
CHAINED_ROLE_MAX_SECONDS = 3600

_PARTITION = r"aws(?:-[a-z]+)*"
_ACCOUNT = r"[0-9]{12}"
_PATH = r"(?:/[\x21-\x7e]*)?/"  # "/" or "/division/team/"
_ROLE_ARN = re.compile(
    rf"arn:{_PARTITION}:iam::{_ACCOUNT}:role{_PATH}[A-Za-z0-9_+=,.@-]{{1,64}}"
)
_MFA_ARN = re.compile(
    rf"arn:{_PARTITION}:iam::{_ACCOUNT}:mfa{_PATH}[A-Za-z0-9_+=,.@-]{{1,226}}"
)
_HARDWARE_SERIAL = re.compile(r"[A-Za-z0-9_+=/:,.@-]{9,256}")
_SESSION_NAME = re.compile(r"[A-Za-z0-9_+=,.@-]{2,64}")
_EXTERNAL_ID = re.compile(r"[A-Za-z0-9_+=,.@:/-]{2,1224}")
_SESSION_NAME_CHARS = "A-Z, a-z, 0-9 and _+=,.@-"
_EXTERNAL_ID_CHARS = "A-Z, a-z, 0-9 and _+=,.@:/-"


def check_recipe(recipe, profiles):
    """Refuse a recipe STS would refuse, before any call is made.

    ``profiles`` is botocore's profile map, used to see where the source
    profile's credentials come from.

    >>> from awscli_mfa_plugin.plan.recipe import Recipe
    >>> check_recipe(Recipe("dev", "dev", "default",
    ...     "arn:aws:iam::111111111111:user/alice"), {})
    Traceback (most recent call last):
    ...
    awscli_mfa_plugin.errors.UsageError: The MFA device 'arn:aws:iam::111111111111:user/alice' (mfa_serial or --serial-number) is an IAM user's ARN, not its MFA device's: that reads arn:aws:iam::111111111111:mfa/<device name> (aws iam list-mfa-devices shows it).

    Raises :class:`UsageError` for a malformed value and
    :class:`RecipeError` for a source profile that leads back to the profile.
    """
    if recipe.role_arn is not None:
        check_role_arn(recipe.role_arn)
    if recipe.serial_number is not None:
        check_serial_number(recipe.serial_number)
    if recipe.role_session_name is not None:
        check_session_name(recipe.role_session_name)
    if recipe.external_id is not None:
        check_external_id(recipe.external_id)
    check_source_chain(recipe, profiles)
    check_chained_duration(recipe, profiles)


def check_role_arn(value):
    """Refuse anything but ``arn:aws:iam::<12 digits>:role/<name>``.

    >>> check_role_arn("arn:aws:iam::222222222222:role/team/Admin")
    >>> check_role_arn("arn:aws-cn:iam::222222222222:role/Admin")
    """
    if _ROLE_ARN.fullmatch(value):
        return
    problem = _arn_problem(value, "role")
    raise UsageError(
        f"The role ARN {value!r} (mfa_role_arn or --role-arn) {problem}: a "
        "role ARN reads arn:aws:iam::<12-digit account>:role/<role name>."
    )


def check_serial_number(value):
    """Refuse what is neither an MFA device's ARN nor a hardware serial.

    >>> check_serial_number("arn:aws:iam::111111111111:mfa/alice")
    >>> check_serial_number("GAHT12345678")
    """
    if value.startswith("arn:"):
        if _MFA_ARN.fullmatch(value):
            return
        parts = value.split(":", 5)
        if len(parts) == 6 and parts[5].startswith("user/"):
            device = f"arn:{parts[1]}:iam::{parts[4]}:mfa/<device name>"
            raise UsageError(
                f"The MFA device {value!r} (mfa_serial or --serial-number) is "
                "an IAM user's ARN, not its MFA device's: that reads "
                f"{device} (aws iam list-mfa-devices shows it)."
            )
        if len(parts) == 6 and parts[5].startswith("u2f/"):
            raise UsageError(
                f"The MFA device {value!r} (mfa_serial or --serial-number) is "
                "a security key, which the AWS API does not accept: use a "
                "virtual or hardware device that shows six-digit codes."
            )
        problem = _arn_problem(value, "mfa")
        raise UsageError(
            f"The MFA device {value!r} (mfa_serial or --serial-number) "
            f"{problem}: a device ARN reads arn:aws:iam::<12-digit account>:"
            "mfa/<device name>."
        )
    if _HARDWARE_SERIAL.fullmatch(value):
        return
    raise UsageError(
        f"The MFA device {value!r} (mfa_serial or --serial-number) is neither "
        "a device ARN (arn:aws:iam::<12-digit account>:mfa/<device name>) nor "
        "a hardware serial number (9 to 256 of A-Z, a-z, 0-9 and _+=/:,.@-)."
    )


def check_session_name(value):
    """Refuse a role session name outside ``[A-Za-z0-9_+=,.@-]{2,64}``.

    >>> check_session_name("alice@example.com")
    """
    if _SESSION_NAME.fullmatch(value):
        return
    raise UsageError(
        f"The role session name {value!r} (mfa_role_session_name or "
        f"--role-session-name) {_length_or_chars(value, _SESSION_NAME, 64)}: "
        "STS accepts 2 "
        f"to 64 of {_SESSION_NAME_CHARS}."
    )


def check_external_id(value):
    """Refuse an external ID outside ``[A-Za-z0-9_+=,.@:/-]{2,1224}``.

    The value itself is not repeated in the sentence: role owners hand out
    external IDs as shared secrets.

    >>> check_external_id("urn:example:tenant/42")
    """
    if _EXTERNAL_ID.fullmatch(value):
        return
    raise UsageError(
        "The external ID (mfa_external_id or --external-id) "
        f"{_length_or_chars(value, _EXTERNAL_ID, 1224)}: STS accepts 2 to 1224 "
        f"of {_EXTERNAL_ID_CHARS}."
    )


def check_source_chain(recipe, profiles):
    """Refuse a source profile whose ``mfa_source_profile`` chain leads back here.

    >>> from awscli_mfa_plugin.plan.recipe import Recipe
    >>> check_source_chain(Recipe("a", "a", "b", None),
    ...     {"a": {"mfa_source_profile": "b"}, "b": {"mfa_source_profile": "a"}})
    Traceback (most recent call last):
    ...
    awscli_mfa_plugin.errors.RecipeError: The source profiles of 'a' go round in a circle (a -> b -> a); set mfa_source_profile of one of them to the profile that holds your long-term keys.
    """
    ends = {recipe.profile, recipe.target_profile}
    path = [recipe.profile]
    current = recipe.source_profile
    # Only a circle back to this profile matters here: one further along is
    # the business of the profile it starts from.
    while current not in ends:
        if current in path:
            return
        path.append(current)
        current = (profiles.get(current) or {}).get("mfa_source_profile")
        # Not a name (an indented block) is refused when that profile is used.
        if not current or not isinstance(current, str):
            return
    path.append(current)
    chain = " -> ".join(path)
    raise RecipeError(
        f"The source profiles of {recipe.profile!r} go round in a circle "
        f"({chain}); set mfa_source_profile of one of them to the profile "
        "that holds your long-term keys."
    )


def check_chained_duration(recipe, profiles):
    """Refuse more than one hour for a role assumed with a role's credentials.

    The source profile holds a role's credentials when mfa-switch assumes a
    role for it (``mfa_role_arn``) or botocore does (``role_arn``).
    """
    if not recipe.uses_role or not recipe.duration_seconds:
        return
    if recipe.duration_seconds <= CHAINED_ROLE_MAX_SECONDS:
        return
    source = profiles.get(recipe.source_profile) or {}
    key = next((k for k in ("mfa_role_arn", "role_arn") if source.get(k)), None)
    if key is None:
        return
    raise UsageError(
        f"The source profile {recipe.source_profile!r} gets its credentials "
        f"from a role ({key}), and STS limits a role assumed with a role's "
        f"credentials (role chaining) to {CHAINED_ROLE_MAX_SECONDS} seconds; "
        f"ask for {CHAINED_ROLE_MAX_SECONDS} or less, not "
        f"{recipe.duration_seconds}."
    )


def _arn_problem(value, resource_type):
    """The first thing wrong with ``value`` as an IAM ARN of ``resource_type``."""
    parts = value.split(":", 5)
    if not value.startswith("arn:") or len(parts) < 6:
        return "is not an ARN"
    _, partition, service, region, account, resource = parts
    if not re.fullmatch(_PARTITION, partition):
        return f"names the unknown partition {partition!r}"
    if service != "iam" or region:
        return "is not an IAM ARN (it must start arn:aws:iam::)"
    if not re.fullmatch(_ACCOUNT, account):
        return f"has the account ID {account!r}, which is not 12 digits"
    if not resource.startswith(resource_type + "/"):
        kind = resource.split("/", 1)[0]
        return f"names a {kind!r}, not a {resource_type!r}"
    return "has a name with characters IAM does not allow"


def _length_or_chars(value, pattern, longest):
    """Why ``value`` fails ``pattern``: its length, else its first bad character."""
    if len(value) < 2:
        return "is too short"
    if len(value) > longest:
        return f"is too long ({len(value)} characters)"
    allowed = pattern.pattern.split("{", 1)[0]
    bad = next(c for c in value if not re.fullmatch(allowed, c))
    return f"contains {bad!r}"
