"""Tests of the base's files (files/): the INI editor and the atomic, locked write."""


def new_credentials(tag="new"):
    """A fresh set of temporary credentials whose values say where they came from."""
    return {
        "aws_access_key_id": "ASIA" + tag.upper().replace("-", ""),
        "aws_secret_access_key": "secret-" + tag,
        "aws_session_token": "token-" + tag,
        "expiration": "2026-11-27T14:00:00Z",
    }
