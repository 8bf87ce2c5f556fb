"""The credential_process fast path decides as the full command would."""
import configparser
import datetime
import io
import json

import pytest

from awscli_mfa_plugin import fastpath
from awscli_mfa_plugin import stored
from awscli_mfa_plugin.environment import Environment
from tests.conftest import FIXTURES

NOW = datetime.datetime(2030, 1, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)

INI_FIXTURES = sorted((FIXTURES / "credentials").glob("*.ini")) + sorted(
    (FIXTURES / "unparsable").glob("*.ini"))

SECTION_NAMES = """\
[default]
region = eu-west-1
[profile dev]
mfa_serial = arn:aws:iam::111111111111:mfa/alice
[profile "my dev"]
region = us-east-1
[profile   spaced   ]
region = us-east-2
[profiledev]
region = ignored
[profile 'unbalanced]
region = ignored
[profile a b]
region = ignored
[sso-session corp]
sso_region = eu-west-1
[services local]
sts =
  endpoint_url = http://127.0.0.1:1
[plugins]
mfa_switch = awscli_mfa_plugin
[profile default]
output = json
"""


def botocore_profiles(monkeypatch, config, credentials):
    import botocore.session

    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    return botocore.session.Session().full_config["profiles"]


@pytest.mark.parametrize("fixture", INI_FIXTURES, ids=lambda p: p.name)
@pytest.mark.parametrize("role", ["config", "credentials"])
def test_profile_map_matches_botocore(fixture, role, tmp_path, monkeypatch):
    from botocore.exceptions import ConfigParseError

    other = tmp_path / "other"
    other.write_text("[default]\nregion = eu-west-1\n")
    config, credentials = (fixture, other) if role == "config" else (
        other, fixture)
    try:
        expected = botocore_profiles(monkeypatch, config, credentials)
    except ConfigParseError:
        with pytest.raises((configparser.Error, ValueError)):
            stored.profile_map(str(config), str(credentials))
        return
    assert stored.profile_map(str(config), str(credentials))[0] == expected


def test_section_names_are_read_as_botocore_reads_them(tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.write_text(SECTION_NAMES)
    credentials = tmp_path / "credentials"
    credentials.write_text("[profile dev]\naws_access_key_id = literal\n"
                           "[dev]\nregion = from-credentials\n")
    expected = botocore_profiles(monkeypatch, config, credentials)
    assert set(expected) == {"default", "dev", "my dev", "spaced",
                             "profile dev"}
    assert stored.profile_map(str(config), str(credentials))[0] == expected


def test_missing_files_are_no_profiles(tmp_path):
    assert stored.profile_map(str(tmp_path / "no-config"),
                                str(tmp_path / "no-credentials")) == ({}, {})


class Home:
    """A config and a credentials file, and the fast path's answer for them."""

    def __init__(self, tmp_path):
        self.config = tmp_path / "config"
        self.credentials = tmp_path / "credentials"
        self.config.write_text(
            "[profile dev]\n"
            "mfa_role_arn = arn:aws:iam::222222222222:role/Dev\n"
            "mfa_serial = arn:aws:iam::111111111111:mfa/alice\n"
            "[profile plain]\nregion = eu-west-1\n")
        self.store("dev", NOW + datetime.timedelta(hours=1))
        self.environ = {"AWS_CONFIG_FILE": str(self.config),
                        "AWS_SHARED_CREDENTIALS_FILE": str(self.credentials)}

    def store(self, section, expiration, managed=True, text=None):
        text = text or (
            "[default]\naws_access_key_id = AKIALONGTERM\n"
            "aws_secret_access_key = long-term-secret\n")
        self.credentials.write_text(
            text + f"[{section}]\n"
            + ("managed_by = mfa-switch\n" if managed else "")
            + "aws_access_key_id = ASIATEMP\n"
            "aws_secret_access_key = temp-secret\n"
            "aws_session_token = temp-token\n"
            f"expiration = {expiration:%Y-%m-%dT%H:%M:%SZ}\n")

    def answer(self, *argv, **environ):
        self.stdout, self.stderr = io.StringIO(), io.StringIO()
        env = Environment(stdin=None, stdout=self.stdout, stderr=self.stderr,
                          environ={**self.environ, **environ}, now=lambda: NOW)
        return fastpath.answer(list(argv), env)


@pytest.fixture
def home(tmp_path):
    return Home(tmp_path)


def test_the_fast_path_and_the_listing_read_with_one_reader(home, monkeypatch):
    """The stdlib reader of stored.py serves the fast path's answer
    and the full path's --list alike: one way to read the same file."""
    seen = []
    original = stored.stdlib_sections

    def recording(path):
        seen.append(path)
        return original(path)

    monkeypatch.setattr(stored, "stdlib_sections", recording)
    assert home.answer("--profile", "dev", "--credential-process")
    assert seen == [str(home.config), str(home.credentials)]
    assert set(stored.read_all_stored(str(home.credentials))) == {"dev"}
    assert seen[-1] == str(home.credentials) and len(seen) == 3


class TestAnswer:
    def test_still_valid_credentials_are_printed(self, home):
        assert home.answer("--profile", "dev", "--credential-process")
        assert json.loads(home.stdout.getvalue()) == {
            "Version": 1, "AccessKeyId": "ASIATEMP",
            "SecretAccessKey": "temp-secret", "SessionToken": "temp-token",
            "Expiration": "2030-01-01T13:00:00Z"}

    def test_profile_comes_from_the_environment_in_botocore_order(self, home):
        assert home.answer("--credential-process", AWS_PROFILE="dev")
        assert not home.answer("--credential-process",
                               AWS_DEFAULT_PROFILE="plain", AWS_PROFILE="dev")

    def test_a_profile_named_without_the_flag_wins_over_the_environment(
            self, home):
        assert home.answer("dev", "--credential-process")
        assert home.answer("dev", "--credential-process", AWS_PROFILE="plain")
        assert home.answer("--profile", "dev", "dev", "--credential-process")

    @pytest.mark.parametrize("argv", [
        ("--profile", "plain", "dev", "--credential-process"),
        ("plain", "--profile", "dev", "--credential-process"),
    ])
    def test_a_name_that_profile_contradicts_is_left_to_the_full_command(
            self, home, argv):
        # which refuses it (tests/test_profile_selection.py)
        assert not home.answer(*argv)
        assert home.stdout.getvalue() == home.stderr.getvalue() == ""

    def test_target_profile_names_the_section_read(self, home):
        home.store("dev-session", NOW + datetime.timedelta(hours=1))
        assert not home.answer("--profile", "dev", "--credential-process")
        assert home.answer("--profile", "dev", "--target-profile=dev-session",
                           "--credential-process")

    def test_minimum_remaining_from_the_flag_then_the_profile(self, home):
        assert not home.answer("--profile", "dev", "--credential-process",
                               "--min-remaining", "3600")
        assert home.answer("--profile", "dev", "--credential-process",
                           "--min-remaining", "3599")
        home.config.write_text(home.config.read_text().replace(
            "[profile plain]", "mfa_min_remaining = 3600\n[profile plain]"))
        assert not home.answer("--profile", "dev", "--credential-process")
        assert home.answer("--profile", "dev", "--credential-process",
                           "--min-remaining", "60")

    def test_default_minimum_is_the_sdks_refresh_window(self, home):
        home.store("dev", NOW + datetime.timedelta(seconds=900))
        assert not home.answer("--profile", "dev", "--credential-process")
        home.store("dev", NOW + datetime.timedelta(seconds=901))
        assert home.answer("--profile", "dev", "--credential-process")

    def test_says_nothing_on_stderr_when_it_answers(self, home):
        # Terraform and other SDK users see a credential process's stderr.
        assert home.answer("--profile", "dev", "--credential-process")
        assert home.stderr.getvalue() == ""

    @pytest.mark.parametrize("argv", [
        ["--profile", "dev", "--force"],
        ["--profile", "dev", "--export", "dev"],               # argparse refuses
        ["--profile", "dev", "--export", "--credential-process"],
        ["--profile", "dev", "--export=tcsh"],
        ["--profile", "dev", "--credential-process", "--force"],
        ["--profile", "dev", "--credential-process", "--token-code", "123456"],
        ["--profile", "dev", "--credential-process", "--role-arn", "arn:x"],
        ["--profile", "dev", "--credential-process", "--debug"],
        ["--profile", "dev", "--credential-process", "--min-remaining", "5m"],
        ["--profile", "--credential-process"],
        ["--profile=", "--credential-process"],
        ["--prof", "dev", "--credential-process"],
        ["dev", "prod", "--credential-process"],               # several
        ["--all", "--credential-process"],
        ["help", "--credential-process"],
        ["--profile", "plain", "--credential-process"],        # no recipe
        ["--profile", "nosuch", "--credential-process"],
        ["help"],
    ])
    def test_what_it_cannot_answer_is_left_to_the_full_command(self, home, argv):
        assert not home.answer(*argv)
        assert home.stdout.getvalue() == home.stderr.getvalue() == ""

    def test_a_kept_switch_says_the_kept_sentence(self, home):
        from awscli_mfa_plugin.report import sentences
        assert home.answer("--profile", "dev")
        assert home.stdout.getvalue() == ""
        assert home.stderr.getvalue() == (
            "Profile 'dev' keeps its credentials for "
            "arn:aws:iam::222222222222:role/Dev (ASIATEMP)\n"
            + sentences.describe_until(NOW + datetime.timedelta(hours=1), NOW)
            + "; no code needed (--force renews them).\n")

    @pytest.mark.parametrize("argv, environ, shell, region", [
        (["--profile", "dev", "--export"], {}, "bash", None),
        (["--export", "fish", "dev"], {"AWS_DEFAULT_REGION": "eu-west-3"}, "fish", "eu-west-3"),
        (["--export=pwsh", "--region", "us-east-2", "dev"],
         {"AWS_DEFAULT_REGION": "eu-west-3"}, "pwsh", "us-east-2"),
    ])
    def test_a_kept_export_prints_the_sinks_lines(self, home, argv, environ, shell, region):
        from awscli_mfa_plugin.deliver.shells import export_script
        assert home.answer(*argv, **environ)
        creds = stored.from_section(_section(home, "dev"))
        assert home.stdout.getvalue() == export_script(shell, creds, region, "dev")
        assert "keeps its credentials" in home.stderr.getvalue()

    def test_a_kept_export_prints_the_profiles_own_region(self, home):
        home.config.write_text(home.config.read_text().replace(
            "[profile dev]\n", "[profile dev]\nregion = ap-south-1\n"))
        assert home.answer("--profile", "dev", "--export")
        assert "export AWS_REGION='ap-south-1'\n" in home.stdout.getvalue()

    def test_native_role_profiles_are_left_to_the_full_command(self, home):
        home.config.write_text(home.config.read_text() + (
            "[profile native]\nrole_arn = arn:aws:iam::2:role/R\n"
            "mfa_serial = arn:aws:iam::1:mfa/alice\nsource_profile = default\n"))
        home.store("native", NOW + datetime.timedelta(hours=1))
        assert not home.answer("--profile", "native", "--credential-process")

    def test_a_target_botocore_would_not_read_keys_from_is_left_alone(self, home):
        home.config.write_text(home.config.read_text() + (
            "[profile shadowed]\nrole_arn = arn:aws:iam::2:role/R\n"
            "source_profile = default\n"))
        home.store("shadowed", NOW + datetime.timedelta(hours=1))
        assert not home.answer("--profile", "dev", "--target-profile",
                               "shadowed", "--credential-process")

    def test_credentials_mfa_switch_did_not_write_are_not_answered(self, home):
        home.store("dev", NOW + datetime.timedelta(hours=1), managed=False)
        assert not home.answer("--profile", "dev", "--credential-process")

    def test_a_file_botocore_cannot_parse_is_left_to_the_full_command(self, home):
        home.store("dev", NOW + datetime.timedelta(hours=1),
                   text="[default]\ngarbage line\n")
        assert not home.answer("--profile", "dev", "--credential-process")
        home.store("dev", NOW + datetime.timedelta(hours=1))
        home.config.write_text(home.config.read_text() + "s3 =\n  no-equals\n")
        assert not home.answer("--profile", "dev", "--credential-process")

    def test_paths_with_variables_are_left_to_botocore(self, home):
        assert not home.answer("--profile", "dev", "--credential-process",
                               AWS_SHARED_CREDENTIALS_FILE="$HOME/credentials")


def _section(home, name):
    parser = configparser.RawConfigParser()
    parser.read(home.credentials)
    return dict(parser.items(name))
