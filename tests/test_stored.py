"""Reading back what mfa-switch stored."""
import datetime
import json

from awscli_mfa_plugin.stored import read_stored

UTC = datetime.timezone.utc


def write(tmp_path, text):
    path = tmp_path / "credentials"
    path.write_text(text)
    return path


SECTION = ("[dev]\naws_access_key_id = ASIAEXAMPLE\naws_secret_access_key = sek\n"
           "aws_session_token = tok\nexpiration = 2030-01-02T03:04:05Z\n"
           "managed_by = mfa-switch\n")


def test_managed_section_is_read_and_answers_credential_process(tmp_path):
    stored = read_stored(write(tmp_path, SECTION), "dev")
    assert stored.expiration == datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert json.loads(stored.process_json()) == {
        "Version": 1, "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "sek",
        "SessionToken": "tok", "Expiration": "2030-01-02T03:04:05Z"}
    assert "sek" not in repr(stored)
    now = datetime.datetime(2030, 1, 2, 3, 0, 5, tzinfo=UTC)
    assert stored.seconds_left(now) == 240


def test_unmanaged_missing_or_broken_reads_as_nothing(tmp_path):
    assert read_stored(write(tmp_path, SECTION.replace("managed_by", "x")), "dev") is None
    assert read_stored(write(tmp_path, SECTION.replace("2030-01-02T", "soon")), "dev") is None
    assert read_stored(write(tmp_path, SECTION), "prod") is None
    assert read_stored(write(tmp_path, "key = before section\n"), "dev") is None
    assert read_stored(tmp_path / "absent", "dev") is None
