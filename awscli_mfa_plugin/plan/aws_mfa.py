"""aws-mfa's short-term sections: recognised, and taken over when switching.

aws-mfa (https://github.com/broamski/aws-mfa) writes ``[<profile>]`` itself:
temporary keys, ``aws_security_token``, ``expiration`` and ``assumed_role``
(``True``/``False``), without mfa-switch's marker.  The credentials writer
rightly refuses unmarked sections that hold keys, so for a section aws-mfa
wrote it is told to take it over (and strip aws-mfa's bookkeeping) in the
same locked write.  Nothing else is ever taken over.
"""
from awscli_mfa_plugin.stored import holds_long_term_keys, is_managed

#: Keys aws-mfa writes besides the credentials; ``aws_security_token`` is
#: removed because botocore would prefer it over a new session token.
BOOKKEEPING_KEYS = ("assumed_role", "assumed_role_arn", "aws_security_token")


def wrote_section(section):
    """True for a section that aws-mfa wrote and mfa-switch did not.

    aws-mfa's bookkeeping (``assumed_role``, ``expiration``) is not enough:
    the credentials must be temporary too, with a session token and not a
    long-term ``AKIA`` key, because a section holding long-term keys is
    never taken over, whatever else it contains.

    >>> wrote_section({"aws_access_key_id": "ASIA", "aws_session_token": "t",
    ...                "assumed_role": "False",
    ...                "expiration": "2030-01-01 00:00:00"})
    True
    >>> wrote_section({"aws_access_key_id": "AKIA", "assumed_role": "False",
    ...                "expiration": "2030-01-01 00:00:00"})
    False
    """
    return (
        not is_managed(section)
        and section.get("assumed_role") in ("True", "False")
        and "expiration" in section
        and not holds_long_term_keys(section)
    )


def takeover(recipes):
    """``store_credentials`` arguments that take over aws-mfa's sections.

    Only targets of recipes read from aws-mfa's layout, and only while the
    section still looks as aws-mfa left it (asked under the writer's lock);
    aws-mfa's bookkeeping goes in the same write.
    """
    names = {r.target_profile for r in recipes if r.layout == "aws-mfa"}

    def adopt(name, values):
        return name in names and wrote_section(values)

    return {"adopt": adopt,
            "remove": {name: BOOKKEEPING_KEYS for name in names}}
