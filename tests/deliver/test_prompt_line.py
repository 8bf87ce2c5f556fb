"""The exported profile in the shell prompt: ``--export`` names it, README's snippets show it.

The snippets are README's own blocks, pasted into real bash, zsh and sh;
the exported lines come from the real ``aws`` against moto's STS.
"""
import datetime
import re
import shutil
import subprocess
import time
import tomllib
from pathlib import Path

import pytest

from awscli_mfa_plugin.deliver.shells import PROFILE_VARIABLE, export_script, unset_script
from awscli_mfa_plugin.stored import StoredCredentials

README = Path(__file__).parent.parent.parent / "README.md"


def readme_block(language):
    """The README's one fenced block in ``language`` (bash, toml)."""
    found = re.findall(rf"^```{language}\n(.*?)^```", README.read_text(), re.S | re.M)
    assert len(found) == 1, f"README has {len(found)} {language} blocks"
    return found[0]


def need(shell):
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")


def credentials(minutes_left):
    end = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
        minutes=minutes_left, seconds=30)
    return StoredCredentials("ASIAEXAMPLE", "secret", "token", end.replace(microsecond=0))


#: Prints the prompt as the shell would draw it, between two markers.
SHOW_PROMPT = {
    "bash": "printf '<%s>\\n' \"${PS1@P}\"",
    "zsh": "print -P -- \"<$PS1>\"",  # with PROMPT_SUBST, as zsh draws it
}


def prompt_of(shell, lines):
    """The prompt ``shell`` draws after running ``lines`` and README's snippet."""
    script = f"PS1='$ '\n{lines}\n{readme_block('bash')}\n{SHOW_PROMPT[shell]}\n"
    argv = [shell, "--norc", "--noprofile", "-c", script] if shell == "bash" \
        else [shell, "-f", "-c", script]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"})
    assert result.returncode == 0, result.stderr
    return re.search(r"<(.*)>", result.stdout).group(1)


class TestExportNamesTheProfile:
    def test_the_profile_follows_the_expiration(self):
        lines = export_script("bash", credentials(60), "eu-west-1", "dev").splitlines()
        assert lines[4].startswith("export AWS_CREDENTIAL_EXPIRATION=")
        assert lines[5] == f"export {PROFILE_VARIABLE}='dev'"

    def test_unset_clears_both(self):
        script = unset_script("zsh")
        assert "unset AWS_CREDENTIAL_EXPIRATION\n" in script
        assert f"unset {PROFILE_VARIABLE}\n" in script

    def test_a_name_is_quoted_like_every_value(self):
        assert f"set -gx {PROFILE_VARIABLE} 'it\\'s'" in export_script(
            "fish", credentials(60), None, "it's")


@pytest.mark.parametrize("shell", ["bash", "zsh"])
class TestReadmeSnippet:
    def test_shows_the_profile_and_its_minutes_left(self, shell):
        need(shell)
        shown = prompt_of(shell, export_script(shell, credentials(42), None, "dev"))
        assert shown == "(dev 42m) $ "

    def test_says_when_the_credentials_expired(self, shell):
        need(shell)
        shown = prompt_of(shell, export_script(shell, credentials(-10), None, "dev"))
        assert shown == "(dev expired) $ "

    def test_shows_nothing_once_unset(self, shell):
        need(shell)
        lines = (export_script(shell, credentials(42), None, "dev")
                 + unset_script(shell))
        assert prompt_of(shell, lines) == "$ "


def test_the_starship_module_shows_the_profile_and_its_minutes_left():
    module = tomllib.loads(readme_block("toml"))["custom"]["mfa_switch"]
    assert module["shell"] == ["sh"]
    exported = {"PATH": "/usr/bin:/bin", PROFILE_VARIABLE: "dev",
                "AWS_CREDENTIAL_EXPIRATION": credentials(42).expiration.strftime(
                    "%Y-%m-%dT%H:%M:%SZ")}
    # starship hands the command to the shell on standard input.
    shown = subprocess.run(["sh"], input=module["command"], capture_output=True,
                           text=True, env=exported, timeout=60)
    assert (shown.returncode, shown.stdout) == (0, "dev 42m\n"), shown.stderr
    when = ["sh", "-c", module["when"]]
    assert subprocess.run(when, env=exported).returncode == 0
    assert subprocess.run(when, env={"PATH": "/usr/bin:/bin"}).returncode != 0


def test_the_real_export_names_the_profile_and_unset_clears_it(aws):
    """Through the real ``aws``: bash evaluates both, the prompt follows."""
    need("bash")
    code = aws.code()
    script = (
        f'eval "$(aws mfa-switch --profile dev --export --token-code {code})"'
        " || exit 9\n"
        "PS1='$ '\n" + readme_block("bash")
        + "\nprintf '<%s>\\n' \"${PS1@P}\"\n"
        'eval "$(aws mfa-switch --export --unset)" || exit 8\n'
        "printf '<%s>\\n' \"${PS1@P}\"\n"
        f'echo "[${{{PROFILE_VARIABLE}-gone}}][${{AWS_CREDENTIAL_EXPIRATION-gone}}]"\n'
    )
    started = time.time()
    result = subprocess.run(["bash", "--norc", "-c", script], capture_output=True,
                            text=True, env=aws.env(), timeout=180)
    assert result.returncode == 0, result.stderr
    before, after = re.findall(r"<(.*)>", result.stdout)
    minutes = int(re.fullmatch(r"\(dev (\d+)m\) \$ ", before).group(1))
    # A role's hour, less the minutes this test took.
    assert 60 - (time.time() - started) / 60 - 1 <= minutes <= 60
    assert after == "$ "
    assert "[gone][gone]" in result.stdout
