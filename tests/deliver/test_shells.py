"""Export lines: exact text per shell, and quoting that real shells read back intact."""
import datetime
import re
import shutil
import subprocess

import pytest
from hypothesis import given, strategies as st

from awscli_mfa_plugin.deliver.shells import export_script, powershell_quote
from awscli_mfa_plugin.stored import StoredCredentials

EXPIRATION = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
PLAIN = StoredCredentials("ASIAEXAMPLE", "se/cr+et", "to+ken=", EXPIRATION)

# Values no credential has, but quoting must survive anything a file holds.
TRICKY = [
    "it's",
    'say "hi"',
    "$HOME ${HOME} $(touch pwned) `touch pwned`",
    "back\\slash \\' \\\\",
    "semi;colon & amp | pipe > gt < lt",
    "glob * ? [a] ~ {a,b} !bang %percent",
    "tab\tand\nnewline",
    "curly \u2018single\u2019 \u201alow\u201b and \u201cdouble\u201d",
    "-leading-dash",
    "unicode \u00e9\u00e8 \u4e2d\u6587 \U0001f511",
    "",
]


def creds_holding(value):
    return StoredCredentials(value, value + "|secret", value + "|token", EXPIRATION)


class TestExactOutput:
    def test_bash(self):
        assert export_script("bash", PLAIN, "eu-west-1") == (
            "unset AWS_PROFILE\n"
            "export AWS_ACCESS_KEY_ID='ASIAEXAMPLE'\n"
            "export AWS_SECRET_ACCESS_KEY='se/cr+et'\n"
            "export AWS_SESSION_TOKEN='to+ken='\n"
            "export AWS_CREDENTIAL_EXPIRATION='2030-01-02T03:04:05Z'\n"
            "export AWS_REGION='eu-west-1'\n"
            "export AWS_DEFAULT_REGION='eu-west-1'\n"
        )

    def test_zsh_and_sh_read_like_bash(self):
        assert export_script("zsh", PLAIN) == export_script("bash", PLAIN)
        assert export_script("sh", PLAIN) == export_script("bash", PLAIN)

    def test_fish(self):
        assert export_script("fish", PLAIN) == (
            "set -e -g AWS_PROFILE\n"
            "set -gx AWS_ACCESS_KEY_ID 'ASIAEXAMPLE'\n"
            "set -gx AWS_SECRET_ACCESS_KEY 'se/cr+et'\n"
            "set -gx AWS_SESSION_TOKEN 'to+ken='\n"
            "set -gx AWS_CREDENTIAL_EXPIRATION '2030-01-02T03:04:05Z'\n"
        )

    def test_powershell(self):
        assert export_script("powershell", PLAIN, "eu-west-1") == (
            "Remove-Item -Path Env:AWS_PROFILE -ErrorAction SilentlyContinue\n"
            "$Env:AWS_ACCESS_KEY_ID = 'ASIAEXAMPLE'\n"
            "$Env:AWS_SECRET_ACCESS_KEY = 'se/cr+et'\n"
            "$Env:AWS_SESSION_TOKEN = 'to+ken='\n"
            "$Env:AWS_CREDENTIAL_EXPIRATION = '2030-01-02T03:04:05Z'\n"
            "$Env:AWS_REGION = 'eu-west-1'\n"
            "$Env:AWS_DEFAULT_REGION = 'eu-west-1'\n"
        )
        assert export_script("pwsh", PLAIN) == export_script("powershell", PLAIN)

    def test_tricky_values_exactly(self):
        value = "it's \u2018x\u2019 $y `z` \\"
        assert export_script("bash", creds_holding(value)).splitlines()[1] == (
            "export AWS_ACCESS_KEY_ID='it'\\''s \u2018x\u2019 $y `z` \\'")
        assert export_script("fish", creds_holding(value)).splitlines()[1] == (
            "set -gx AWS_ACCESS_KEY_ID 'it\\'s \u2018x\u2019 $y `z` \\\\'")
        assert export_script("powershell", creds_holding(value)).splitlines()[1] == (
            "$Env:AWS_ACCESS_KEY_ID = 'it''s \u2018\u2018x\u2019\u2019 $y `z` \\'")


VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
             "AWS_CREDENTIAL_EXPIRATION")


def read_back(shell_argv, shell, value, tmp_path):
    """Let a real shell run the lines, then print each variable NUL-terminated."""
    script = tmp_path / "script"
    script.write_text(export_script(shell, creds_holding(value)), encoding="utf-8")
    show = " ".join(f'"${name}"' for name in VARIABLES)
    if shell == "fish":
        program = (f"source {script}; set -q AWS_PROFILE; and exit 7; "
                   f"printf '%s\\0' {show}")
    else:
        program = (f'. "{script}" || exit 9; '
                   f'[ -z "${{AWS_PROFILE+set}}" ] || exit 7; '
                   f"printf '%s\\0' {show}")
    result = subprocess.run([*shell_argv, program], capture_output=True,
                            cwd=tmp_path, env={"PATH": "/usr/bin:/bin",
                                               "AWS_PROFILE": "gone",
                                               "LANG": "C.UTF-8"},
                            timeout=30)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "pwned").exists()
    return result.stdout.decode("utf-8").split("\0")[:-1]


SHELLS = [
    ("bash", ["bash", "-c"]),
    ("sh", ["sh", "-c"]),
    ("zsh", ["zsh", "-f", "-c"]),
    ("fish", ["fish", "--no-config", "-c"]),
]


@pytest.mark.parametrize("shell,argv", SHELLS, ids=[s for s, _ in SHELLS])
@pytest.mark.parametrize("value", TRICKY)
def test_a_real_shell_reads_back_exactly_the_values(shell, argv, value, tmp_path):
    if shutil.which(argv[0]) is None:
        pytest.skip(f"{argv[0]} is not installed")
    assert read_back(argv, shell, value, tmp_path) == [
        value, value + "|secret", value + "|token", "2030-01-02T03:04:05Z"]


_PS_QUOTE = "['\u2018\u2019\u201a\u201b]"


def parse_powershell_single_quoted(text):
    """PowerShell's grammar for a verbatim string literal, read independently.

    ``'`` opens and closes it, where ``'`` is any single-quote character;
    inside, a pair of single-quote characters stands for the second one.
    """
    match = re.fullmatch(
        f"{_PS_QUOTE}((?:[^'\u2018\u2019\u201a\u201b]|{_PS_QUOTE}{_PS_QUOTE})*){_PS_QUOTE}",
        text, re.DOTALL)
    assert match, text
    return re.sub(f"{_PS_QUOTE}({_PS_QUOTE})", r"\1", match.group(1))


@pytest.mark.parametrize("value", TRICKY)
def test_powershell_literals_parse_back_to_the_value(value):
    assert parse_powershell_single_quoted(powershell_quote(value)) == value


@given(st.text())
def test_powershell_quoting_round_trips_any_text(value):
    assert parse_powershell_single_quoted(powershell_quote(value)) == value
