"""aws-mfa's short-term sections: recognised, and taken over when switching.

aws-mfa (https://github.com/broamski/aws-mfa) writes ``[<profile>]`` itself:
temporary keys, ``aws_security_token``, ``expiration`` and ``assumed_role``
(``True``/``False``), without mfa-switch's marker.  The credentials writer
rightly refuses unmarked sections that hold keys, so a section aws-mfa
wrote is first marked as ours (and stripped of aws-mfa's bookkeeping),
then written as usual.  Nothing else is ever taken over.
"""
from awscli_mfa_plugin import inifile
from awscli_mfa_plugin.errors import UnmanagedSectionError

#: Keys aws-mfa writes besides the credentials; ``aws_security_token`` is
#: removed because botocore would prefer it over a new session token.
BOOKKEEPING_KEYS = ("assumed_role", "assumed_role_arn", "aws_security_token")


def wrote_section(section):
    """True for a section that aws-mfa wrote and mfa-switch did not.

    >>> wrote_section({"aws_access_key_id": "ASIA", "assumed_role": "False",
    ...                "expiration": "2030-01-01 00:00:00"})
    True
    >>> wrote_section({"aws_access_key_id": "AKIA"})
    False
    """
    return (
        section.get(inifile.MANAGED_KEY) != inifile.MANAGED_VALUE
        and section.get("assumed_role") in ("True", "False")
        and "expiration" in section
    )


def adopt(path, recipe, sections):
    """Mark ``[<target>]`` as mfa-switch's if aws-mfa wrote it; else do nothing.

    Only for recipes read from aws-mfa's layout.  ``sections`` is the file
    as read earlier; the check is repeated under the writer's lock.
    """
    name = recipe.target_profile
    if recipe.layout != "aws-mfa" or not wrote_section(sections.get(name, {})):
        return

    def still_aws_mfas(current):
        if not wrote_section(current.get(name, {})):
            raise UnmanagedSectionError(
                f"The section [{name}] changed while switching; run "
                "mfa-switch again.")

    inifile.update_section(
        path, name, {inifile.MANAGED_KEY: inifile.MANAGED_VALUE},
        remove=BOOKKEEPING_KEYS, check=still_aws_mfas)
