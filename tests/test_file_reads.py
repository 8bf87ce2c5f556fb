"""How often a switch parses the credentials file, next to the bare CLI.

With thousands of profiles one parse takes longer than the STS call, so the
number of parses is what decides how a large file slows a switch down.  The
count comes from configparser's public ``read``/``read_file``, which
botocore and the editor both go through; no time is measured.
"""
import json
import subprocess
import sys

COUNTING_RUN = """\
import collections, configparser, json, os, sys
counts = collections.Counter()
for name in ("read", "read_file"):
    original = getattr(configparser.RawConfigParser, name)
    def counting(self, what, *args, _original=original, _name=name, **kwargs):
        if _name == "read":  # read(filenames, encoding=None)
            names = [what] if isinstance(what, (str, os.PathLike)) else what
        else:  # read_file(f, source=None)
            names = [kwargs.get("source") or (args[0] if args else None)
                     or getattr(what, "name", "?")]
        for path in names:
            counts[os.path.basename(str(path))] += 1
        return _original(self, what, *args, **kwargs)
    setattr(configparser.RawConfigParser, name, counting)
import awscli.clidriver
status = awscli.clidriver.create_clidriver().main(sys.argv[1:])
print(json.dumps({"status": status, "counts": counts}), file=sys.stderr)
"""


def parses(aws, *args):
    """How often ``aws *args`` parsed each file, by file name."""
    result = subprocess.run([sys.executable, "-c", COUNTING_RUN, *args],
                            capture_output=True, text=True, env=aws.env(),
                            timeout=120, start_new_session=True)
    report = json.loads(result.stderr.strip().splitlines()[-1])
    assert report["status"] == 0, result.stderr
    return report["counts"]


def test_a_switch_parses_the_file_no_more_often_than_a_bare_assume_role(aws):
    """The CLI parses it twice (its config, then the source's keys); the
    switch parses the old text once for the pipeline's read, the pre-check
    before the code is asked, the write and botocore's search for the
    source's keys; the write's check reads only the section it changed, and
    the STS session reuses the CLI's parse of the config."""
    a = aws.account
    bare = parses(
        aws, "sts", "assume-role", "--role-arn", a.role_arn,
        "--role-session-name", "alice", "--serial-number", a.serial_number,
        "--token-code", aws.code())
    switch = parses(
        aws, "mfa-switch", "--profile", "dev", "--token-code", aws.code(),
        "--force")
    assert bare["credentials"] >= 1 and bare["config"] >= 1
    assert switch["credentials"] <= bare["credentials"]
    assert switch["config"] <= bare["config"]


def test_kept_credentials_cost_one_parse_beyond_the_clis_own(aws):
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", aws.code())
    assert result.returncode == 0, result.stderr
    kept = parses(aws, "mfa-switch", "--profile", "dev")["credentials"]
    cli_alone = parses(aws, "configure", "get", "region")["credentials"]
    assert cli_alone >= 1
    assert kept <= cli_alone + 1


class TestSharedParse:
    """The write reuses the pre-check's parse only of the very same text."""

    CREDENTIALS = ("[default]\naws_access_key_id = AKIALONGTERM\n"
                   "aws_secret_access_key = long-term\n\n"
                   "[prod]\nregion = us-east-1\n")
    NEW = {"aws_access_key_id": "ASIANEW", "aws_secret_access_key": "s",
           "aws_session_token": "t", "expiration": "2030-01-01T00:00:00Z"}

    def test_a_file_changed_after_the_check_is_parsed_again(self, tmp_path):
        from awscli_mfa_plugin.files import inifile

        path = tmp_path / "credentials"
        path.write_text(self.CREDENTIALS)
        inifile.check_credentials_targets(str(path), ["dev"])
        with path.open("a") as handle:  # another program, between check and write
            handle.write("\n[staging]\nregion = eu-west-2\n")
        inifile.store_credentials(str(path), {"dev": self.NEW})
        sections = inifile.read_sections(str(path))
        assert sections["staging"] == {"region": "eu-west-2"}
        assert sections["dev"]["aws_access_key_id"] == "ASIANEW"

    def test_what_read_sections_returns_is_the_callers_to_change(self, tmp_path):
        from awscli_mfa_plugin.files import inifile

        path = tmp_path / "credentials"
        path.write_text(self.CREDENTIALS)
        sections = inifile.read_sections(str(path))
        sections["prod"]["region"] = "changed by the caller"
        del sections["default"]
        inifile.store_credentials(str(path), {"dev": self.NEW})
        again = inifile.read_sections(str(path))
        assert again["prod"] == {"region": "us-east-1"}
        assert again["default"]["aws_access_key_id"] == "AKIALONGTERM"
