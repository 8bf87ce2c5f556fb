"""``--clear``: what mfa-switch stored goes, every other byte stays, end to end."""
import json

from tests.deliver.test_native import add_native_profile

NO_CODE = "No MFA code"


def switch(aws, *names):
    args = names if len(names) > 1 else ("--profile", names[0])
    result = aws.run("mfa-switch", *args, "--token-code", aws.code())
    assert result.returncode == 0, result.stderr
    return result


def clear(aws, *args):
    result = aws.run("mfa-switch", *args, "--clear", input="")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    return result


def test_clearing_a_switch_gives_back_the_file_byte_for_byte(aws):
    before = aws.credentials.read_bytes()
    switch(aws, "dev")
    assert aws.credentials.read_bytes() != before
    result = clear(aws, "--profile", "dev")
    assert "Removed the credentials of [dev]" in result.stderr
    assert aws.credentials.read_bytes() == before
    # Nothing is kept any more: the next switch needs a code.
    again = aws.run("mfa-switch", "--profile", "dev", input="")
    assert again.returncode != 0 and NO_CODE in again.stderr


def test_what_the_user_keeps_in_the_section_stays(aws):
    with aws.credentials.open("a", newline="") as credentials:
        credentials.write("\r\n[dev]\r\n# my region\r\nregion = eu-west-1\r\n"
                          "\r\n[other]\r\naws_access_key_id = AKIAOTHEROTHEROTHER0"
                          "\r\naws_secret_access_key = other\r\n")
    before = aws.credentials.read_bytes()
    switch(aws, "dev")
    clear(aws, "--profile", "dev")
    assert aws.credentials.read_bytes() == before


def test_a_kept_session_goes_with_the_last_profile_that_uses_it(aws):
    before = aws.credentials.read_bytes()
    switch(aws, "dev", "session")
    assert "[default-mfa-session]" in aws.credentials.read_text()
    first = clear(aws, "dev")
    # 'session' still uses the kept MFA session.
    assert "[default-mfa-session]" in aws.credentials.read_text()
    assert "MFA session" not in first.stderr
    second = clear(aws, "session")
    assert "Removed the MFA session [default-mfa-session]" in second.stderr
    assert aws.credentials.read_bytes() == before


def test_sections_mfa_switch_did_not_write_are_left_alone(aws):
    with aws.credentials.open("a") as credentials:
        credentials.write("\n[dev]\naws_access_key_id = AKIAMINEMINEMINEMINE\n"
                          "aws_secret_access_key = mine\n")
    before = aws.credentials.read_bytes()
    result = clear(aws, "--profile", "dev")
    assert "Nothing stored by mfa-switch for 'dev'" in result.stderr
    assert aws.credentials.read_bytes() == before


def test_native_cache_entries_mfa_switch_wrote_are_removed_and_no_others(aws):
    add_native_profile(aws)
    switch(aws, "native")
    cache = aws.dot_aws / "cli" / "cache"
    (entry,) = cache.iterdir()
    assert json.loads(entry.read_text())["ManagedBy"] == "mfa-switch"
    result = clear(aws, "--profile", "native")
    assert "Removed the AWS CLI's cached credentials of 'native'" in result.stderr
    assert list(cache.iterdir()) == []
    # An entry the AWS CLI wrote itself (no marker) stays.
    switch(aws, "native")
    (entry,) = cache.iterdir()
    body = json.loads(entry.read_text())
    del body["ManagedBy"]
    entry.write_text(json.dumps(body))
    result = clear(aws, "--profile", "native")
    assert "Nothing stored by mfa-switch for 'native'" in result.stderr
    assert entry.exists()


def test_clear_and_export_are_one_or_the_other(aws):
    result = aws.run("mfa-switch", "--profile", "dev", "--clear", "--export")
    assert result.returncode == 252
    assert "cannot be used together" in result.stderr
