"""Nothing lost, round three (issue 22): each fault found by an outside attack,
through the real ``aws`` / ``aws-mfa-switch`` executables."""
import configparser

LONG_TERM_ID = "AKIAKEEPMEEXAMPLE001"
LONG_TERM_SECRET = "keep-me-long-term-secret"


def sections(path):
    parser = configparser.RawConfigParser()
    parser.read(path)
    return parser


# --------------------------------------------------------------------------
# 1. A section is ours only while it holds a session token and a temporary key
# --------------------------------------------------------------------------


def _long_term_keys_set_over_a_switch(aws):
    """dev was switched once; then the user set long-term keys into [dev]."""
    first = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code())
    assert first.returncode == 0, first.stderr
    for key, value in (("aws_access_key_id", LONG_TERM_ID),
                       ("aws_secret_access_key", LONG_TERM_SECRET)):
        result = aws.run("configure", "set", key, value, "--profile", "dev")
        assert result.returncode == 0, result.stderr
    dev = sections(aws.credentials)["dev"]
    assert dev["managed_by"] == "mfa-switch"  # the marker stayed
    assert dev["aws_access_key_id"] == LONG_TERM_ID


def test_clear_keeps_long_term_keys_set_over_a_switched_section(aws):
    _long_term_keys_set_over_a_switch(aws)
    before = aws.credentials.read_bytes()
    result = aws.run("mfa-switch", "--profile", "dev", "--clear")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ("Nothing stored by mfa-switch for 'dev'; "
                             "nothing was removed for it.\n")
    assert aws.credentials.read_bytes() == before


def test_force_refuses_to_overwrite_long_term_keys_set_over_a_switched_section(aws):
    _long_term_keys_set_over_a_switch(aws)
    before = aws.credentials.read_bytes()
    for extra in ((), ("--force",)):
        result = aws.run("mfa-switch", "--profile", "dev", *extra,
                         "--token-code", aws.code())
        assert result.returncode == 253, result.stderr
        assert "did not write" in result.stderr
        assert LONG_TERM_SECRET not in result.stderr
        assert len(result.stderr.splitlines()) == 1
        assert aws.credentials.read_bytes() == before
