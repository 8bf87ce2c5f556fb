"""The source session finds its keys through the pipeline's parse of the credentials file.

botocore's shared-credentials provider would parse the whole file again;
with thousands of profiles that costs more than the STS call.  These tests
check that it reads through the reader it is given, and still finds what
its own parse would find.
"""
import botocore.exceptions
import botocore.session
import pytest

from awscli_mfa_plugin.files import inifile
from awscli_mfa_plugin.sts import sourcesession

CREDENTIALS = (
    "[default]\naws_access_key_id = AKIDDEFAULT\n"
    "aws_secret_access_key = secretDefault\n\n"
    "[other]\naws_access_key_id = AKIDOTHER\n"
    "aws_secret_access_key = secretOther\n"
    "aws_session_token = tokenOther\n"
)


@pytest.fixture
def files(tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.write_text("[default]\nregion = eu-west-1\n")
    credentials = tmp_path / "credentials"
    credentials.write_text(CREDENTIALS)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                 "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    return credentials


class Reader:
    """The pipeline's reader, counting what it is asked."""

    def __init__(self):
        self.paths = []

    def __call__(self, path):
        self.paths.append(path)
        return inifile.read_sections(path)


def keys_of(session):
    creds = session.get_credentials().get_frozen_credentials()
    return creds.access_key, creds.secret_key, creds.token


@pytest.mark.parametrize("profile, expected", [
    ("default", ("AKIDDEFAULT", "secretDefault", None)),
    ("other", ("AKIDOTHER", "secretOther", "tokenOther")),
])
def test_the_keys_come_through_the_given_reader(files, profile, expected):
    reader = Reader()
    source = sourcesession.for_profile(botocore.session.Session(), profile,
                                       reader)
    assert keys_of(source) == expected
    assert reader.paths == [str(files)]


def test_without_a_reader_botocore_parses_the_file_itself(files):
    source = sourcesession.for_profile(botocore.session.Session(), "other")
    assert keys_of(source) == ("AKIDOTHER", "secretOther", "tokenOther")


def test_a_profile_missing_from_the_file_is_missing_as_for_botocore(files):
    reader = Reader()
    source = sourcesession.for_profile(botocore.session.Session(), "default",
                                       reader)
    files.write_text("[other]\naws_access_key_id = AKIDOTHER\n"
                     "aws_secret_access_key = secretOther\n")
    assert source.get_credentials() is None
    assert reader.paths == [str(files)]


def test_a_changed_file_is_read_as_it_now_is(files):
    reader = Reader()
    inifile.read_sections(str(files))  # the pipeline's parse of the old text
    files.write_text(CREDENTIALS.replace("AKIDOTHER", "AKIDNEWER"))
    source = sourcesession.for_profile(botocore.session.Session(), "other",
                                       reader)
    assert keys_of(source)[0] == "AKIDNEWER"


def test_a_section_with_a_sub_block_is_left_to_botocores_parser(files):
    """botocore turns indented blocks into dicts; the pipeline's reader
    keeps them as text, so such a section goes the botocore way."""
    files.write_text("[default]\naws_access_key_id = AKIDDEFAULT\n"
                     "aws_secret_access_key = secretDefault\n"
                     "s3 =\n  addressing_style = path\n")
    reader = Reader()
    source = sourcesession.for_profile(botocore.session.Session(), "default",
                                       reader)
    assert keys_of(source) == ("AKIDDEFAULT", "secretDefault", None)
    assert reader.paths == [str(files)]


def test_a_setting_botocore_refuses_is_left_for_later(files, monkeypatch):
    """Building botocore's chain can fail on a setting (here the metadata
    endpoint mode); that must not stop a source whose keys are handed in
    (the keyring), and is reported when the chain is used, as before."""
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv5")
    reader = Reader()
    source = sourcesession.for_profile(botocore.session.Session(), "default",
                                       reader)
    source.set_credentials("AKIDFROMKEYRING", "secretFromKeyring")
    assert keys_of(source) == ("AKIDFROMKEYRING", "secretFromKeyring", None)
    other = sourcesession.for_profile(botocore.session.Session(), "default",
                                      reader)
    with pytest.raises(botocore.exceptions.BotoCoreError):
        other.get_credentials()
    assert reader.paths == []
