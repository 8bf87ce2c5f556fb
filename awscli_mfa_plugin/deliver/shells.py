"""Shell lines that make the current shell use a set of credentials.

Standard library only, so the standalone ``aws-mfa-switch`` can print the
same lines.  Every value is quoted for its shell, whatever it contains::

    eval "$(aws mfa-switch --profile dev --export)"           # bash, zsh, sh
    aws mfa-switch --profile dev --export fish | source        # fish
    aws mfa-switch --profile dev --export powershell | Invoke-Expression
"""
from awscli_mfa_plugin.stored import format_expiration

#: Variables removed, so that nothing points tools at a profile instead.
UNSET = ("AWS_PROFILE",)

#: The name of the profile whose credentials are exported, for a shell
#: prompt to show (as aws-vault's ``AWS_VAULT``).  A name of its own:
#: ``AWS_VAULT`` would make aws-vault refuse to run in this shell, and
#: ``AWS_PROFILE`` would point tools at the profile instead of the keys.
PROFILE_VARIABLE = "MFA_SWITCH_PROFILE"

# PowerShell ends a single-quoted string at any of these, not only at the
# ASCII apostrophe; doubling one keeps it literal (as PowerShell's own
# CodeGeneration.EscapeSingleQuotedStringContent does).
_POWERSHELL_QUOTES = "'\u2018\u2019\u201a\u201b"


def environment_values(creds, region=None, profile=None):
    """The variables to set, in order: ``[(name, value), ...]``.

    ``AWS_CREDENTIAL_EXPIRATION`` and the profile's name
    (:data:`PROFILE_VARIABLE`) are what a shell prompt shows.  The region
    is included when known, because unsetting ``AWS_PROFILE`` would
    otherwise lose the profile's own region.
    """
    values = [
        ("AWS_ACCESS_KEY_ID", creds.access_key_id),
        ("AWS_SECRET_ACCESS_KEY", creds.secret_access_key),
        ("AWS_SESSION_TOKEN", creds.session_token),
        ("AWS_CREDENTIAL_EXPIRATION", format_expiration(creds.expiration)),
    ]
    if profile:
        values.append((PROFILE_VARIABLE, profile))
    if region:
        # AWS_REGION for the SDKs and Terraform, AWS_DEFAULT_REGION for
        # the AWS CLI v1 and botocore.
        values += [("AWS_REGION", region), ("AWS_DEFAULT_REGION", region)]
    return values


def export_script(shell, creds, region=None, profile=None):
    """The lines for ``shell`` that export ``creds`` (of ``profile``) and unset ``AWS_PROFILE``.

    Unsetting comes first so that the last line, and with it the whole
    script, succeeds even where the variable was not set.
    """
    unset, assign = _SYNTAX[shell]
    lines = [unset(name) for name in UNSET]
    lines += [assign(name, value)
              for name, value in environment_values(creds, region, profile)]
    return "".join(line + "\n" for line in lines)


#: Every variable :func:`export_script` may set, for ``--export --unset``.
EXPORTED = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
            "AWS_CREDENTIAL_EXPIRATION", PROFILE_VARIABLE, "AWS_REGION",
            "AWS_DEFAULT_REGION")


def unset_script(shell):
    """The lines for ``shell`` that remove what :func:`export_script` sets.

    ``AWS_PROFILE``, which exporting removed, is not brought back: its
    old value is not known here.

    >>> print(unset_script("fish").splitlines()[0])
    set -e -g AWS_ACCESS_KEY_ID
    """
    unset, _ = _SYNTAX[shell]
    return "".join(unset(name) + "\n" for name in EXPORTED)


def posix_quote(value):
    """Single-quote for sh, bash and zsh: nothing inside is special.

    >>> posix_quote("it's")
    "'it'\\\\''s'"
    """
    return "'" + value.replace("'", "'\\''") + "'"


def fish_quote(value):
    """Single-quote for fish, where ``\\`` and ``'`` are escaped inside.

    >>> fish_quote("a'b")
    "'a\\\\'b'"
    """
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def powershell_quote(value):
    """Single-quote for PowerShell, doubling every kind of single quote.

    >>> powershell_quote("it's")
    "'it''s'"
    """
    escaped = "".join(
        char * 2 if char in _POWERSHELL_QUOTES else char for char in value
    )
    return "'" + escaped + "'"


_POSIX = (
    lambda name: f"unset {name}",
    lambda name, value: f"export {name}={posix_quote(value)}",
)

_SYNTAX = {
    "bash": _POSIX,
    "zsh": _POSIX,
    "sh": _POSIX,
    "fish": (
        # -g: the global (session) variable only; plain -e could erase a
        # universal variable, which would outlive this shell.
        lambda name: f"set -e -g {name}",
        lambda name, value: f"set -gx {name} {fish_quote(value)}",
    ),
    "powershell": (
        lambda name: f"Remove-Item -Path Env:{name} -ErrorAction SilentlyContinue",
        lambda name, value: f"$Env:{name} = {powershell_quote(value)}",
    ),
}
_SYNTAX["pwsh"] = _SYNTAX["powershell"]
