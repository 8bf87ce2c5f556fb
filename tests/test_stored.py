"""Reading back what mfa-switch stored."""
import datetime
import json

import hypothesis
from hypothesis import strategies as st

from awscli_mfa_plugin.stored import StoredCredentials, read_all_stored, read_stored

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


def test_all_managed_sections_are_read_in_one_go(tmp_path):
    text = SECTION + "\n[base]\naws_access_key_id = AKIA\n" + SECTION.replace("[dev]", "[ops]")
    found = read_all_stored(write(tmp_path, text))
    assert sorted(found) == ["dev", "ops"]
    assert found["ops"].access_key_id == "ASIAEXAMPLE"
    assert read_all_stored(tmp_path / "absent") == {}


def test_any_object_with_the_four_values_converts():
    fetched = StoredCredentials("A", "S", "T", datetime.datetime(2030, 1, 1, tzinfo=UTC))
    assert StoredCredentials.of(fetched) == fetched


class TestProcessJson:
    """The answer is written without importing json, and reads as json.dumps writes it."""

    WHEN = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)

    @staticmethod
    def expected(key, secret, token):
        return json.dumps({"Version": 1, "AccessKeyId": key,
                           "SecretAccessKey": secret, "SessionToken": token,
                           "Expiration": "2030-01-02T03:04:05Z"})

    def test_typical_credentials(self):
        key, secret, token = "ASIAEXAMPLE", "abc/DEF+ghi=", "FwoGZX//+=" * 40
        answer = StoredCredentials(key, secret, token, self.WHEN).process_json()
        assert answer == self.expected(key, secret, token)

    @hypothesis.given(st.text(), st.text(), st.text())
    def test_any_text_is_escaped_as_json_dumps_does(self, key, secret, token):
        answer = StoredCredentials(key, secret, token, self.WHEN).process_json()
        assert answer == self.expected(key, secret, token)
        assert json.loads(answer)["SessionToken"] == token
