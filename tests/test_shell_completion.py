"""Profile names complete in real shells: ``aws-mfa-switch`` in bash, zsh and fish, ``aws`` (v1) in bash.

Each shell loads what README tells users to load
(``aws-mfa-switch --completion-script SHELL``) and completes against a
throw-away HOME whose config has switchable and plain profiles.  bash and
zsh are driven on a pseudo-terminal with a real TAB; fish answers through
its own ``complete -C``; bash's completion function is also called
directly for the finer cases.
"""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pexpect
import pytest

from tests.awsenv import BIN

CONFIG = """\
[plugins]
mfa_switch = awscli_mfa_plugin

[default]
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[profile dev]
mfa_role_arn = arn:aws:iam::123456789012:role/Dev

[profile dev-tools]
mfa_role_arn = arn:aws:iam::123456789012:role/Tools

[profile plain]
region = eu-west-1

[profile native]
role_arn = arn:aws:iam::123456789012:role/Native
source_profile = default
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[profile prod]
mfa_role_arn = arn:aws:iam::123456789012:role/Prod
"""
SWITCHABLE = ["dev", "dev-tools", "native", "prod"]
EVERY = ["default", "dev", "dev-tools", "plain", "native", "prod"]


@pytest.fixture
def env(isolated_home):
    (isolated_home / ".aws").mkdir()
    (isolated_home / ".aws" / "config").write_text(CONFIG)
    return {
        "HOME": str(isolated_home),
        "PATH": f"{BIN}{os.pathsep}/usr/bin:/bin",
        "TERM": "dumb",
        "LANG": "C.UTF-8",
    }


def need(shell):
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")


def test_the_standalone_command_prints_the_names(env):
    names = subprocess.run([str(BIN / "aws-mfa-switch"), "--completion-profiles"],
                           capture_output=True, text=True, env=env, timeout=60)
    assert (names.returncode, names.stdout.split()) == (0, SWITCHABLE)
    every = subprocess.run([str(BIN / "aws-mfa-switch"), "--completion-profiles", "all"],
                           capture_output=True, text=True, env=env, timeout=60)
    assert every.stdout.split() == EVERY


def test_an_unreadable_config_offers_nothing_and_says_nothing(env, isolated_home):
    (isolated_home / ".aws" / "config").write_text("[profile broken\nnot ini")
    result = subprocess.run([str(BIN / "aws-mfa-switch"), "--completion-profiles"],
                            capture_output=True, text=True, env=env, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_an_unknown_shell_is_one_sentence(env):
    result = subprocess.run([str(BIN / "aws-mfa-switch"), "--completion-script", "tcsh"],
                            capture_output=True, text=True, env=env, timeout=60)
    assert (result.returncode, result.stderr) == (
        252, "--completion-script takes one of bash, zsh, fish: aws-mfa-switch "
             "--completion-script bash.\n")


def bash_completes(env, *words):
    """COMPREPLY of the loaded bash function for ``words`` (the last is the cursor's)."""
    quoted = " ".join("'" + word + "'" for word in words)
    script = (
        'eval "$(aws-mfa-switch --completion-script bash)" || exit 9\n'
        f"COMP_WORDS=(aws-mfa-switch {quoted}); COMP_CWORD={len(words)}\n"
        "_aws_mfa_switch; printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", script],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line]


@pytest.mark.parametrize("words, offered", [
    (("--profile", ""), SWITCHABLE),
    (("--profile", "de"), ["dev", "dev-tools"]),
    (("",), SWITCHABLE),
    (("dev", "p"), ["prod"]),
    (("dev", ""), ["dev-tools", "native", "prod"]),
    (("--source-profile", "p"), ["plain", "prod"]),
    (("--prompt", "y"), ["ykman"]),
    (("--export", "f"), ["fish"]),
    (("--role-arn", ""), []),
    (("--ro",), ["--role-arn", "--role-session-name"]),
    (("--tok",), ["--token-code"]),
])
def test_bash_function(env, words, offered):
    need("bash")
    assert sorted(bash_completes(env, *words)) == sorted(offered)


class Shell:
    """An interactive shell on a pseudo-terminal."""

    def __init__(self, argv, env, ready):
        self.child = pexpect.spawn(argv[0], argv[1:], env=env, encoding="utf-8",
                                   timeout=60, dimensions=(24, 200))
        self.ready = ready

    def run(self, line):
        self.child.sendline(line + "; echo DONE-$((40+2))")
        self.child.expect("DONE-42")

    def tab(self, typed):
        """The line as the shell shows it after ``typed`` and one TAB."""
        # The shell reads the marker only once the completion is done.
        self.child.send(typed + "\t" + "#END")
        self.child.expect("#END")
        # zsh ends with its removable suffix: a space and a backspace.
        shown = re.sub(r"[\x00-\x1f]", "", self.child.before).rstrip()
        self.child.send("\x03")  # Ctrl-C: drop the line
        self.child.expect(self.ready)
        return shown

    def close(self):
        self.child.sendline("exit")
        self.child.expect(pexpect.EOF)


@pytest.fixture
def bash(env):
    need("bash")
    shell = Shell(["bash", "--norc", "--noprofile", "-i"], dict(env, PS1="READY> "),
                  "READY> ")
    shell.child.expect("READY> ")
    yield shell
    shell.close()


@pytest.fixture
def zsh(env):
    need("zsh")
    shell = Shell(["zsh", "-f", "-i"], dict(env, PS1="READY> "), "READY> ")
    shell.child.expect("READY> ")
    shell.run("PS1='READY> '")
    yield shell
    shell.close()


@pytest.mark.parametrize("typed, completed", [
    ("aws-mfa-switch --profile pr", "aws-mfa-switch --profile prod"),
    ("aws-mfa-switch dev pr", "aws-mfa-switch dev prod"),
    ("aws-mfa-switch --promp", "aws-mfa-switch --prompt"),
])
@pytest.mark.parametrize("shell_name", ["bash", "zsh"])
def test_a_tab_completes(request, shell_name, typed, completed):
    shell = request.getfixturevalue(shell_name)
    shell.run(f'eval "$(aws-mfa-switch --completion-script {shell_name})"')
    assert shell.tab(typed).endswith(completed)


def test_zsh_does_not_offer_a_profile_named_already(zsh):
    zsh.run('eval "$(aws-mfa-switch --completion-script zsh)"')
    assert zsh.tab("aws-mfa-switch prod dev-tools n").endswith("dev-tools native")


def fish_completes(env, line):
    script = ("aws-mfa-switch --completion-script fish | source\n"
              f"complete -C '{line}'\n")
    result = subprocess.run(["fish", "--no-config", "-c", script],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    return [line.split("\t")[0] for line in result.stdout.splitlines()]


@pytest.mark.parametrize("line, offered", [
    ("aws-mfa-switch --profile ", SWITCHABLE),
    ("aws-mfa-switch --profile de", ["dev", "dev-tools"]),
    ("aws-mfa-switch ", SWITCHABLE),
    ("aws-mfa-switch dev p", ["prod"]),
    ("aws-mfa-switch --source-profile pl", ["plain"]),
    ("aws-mfa-switch --prompt yk", ["ykman"]),
    ("aws-mfa-switch --role-arn ", []),
    ("aws-mfa-switch --role-s", ["--role-session-name"]),
])
def test_fish(env, line, offered):
    need("fish")
    assert sorted(fish_completes(env, line)) == sorted(offered)


def test_aws_completer_in_bash(bash):
    """AWS CLI v1's own completion line, with a real TAB."""
    bash.run("complete -C aws_completer aws")
    assert bash.tab("aws mfa-switch --profile pr").endswith("aws mfa-switch --profile prod")
    assert bash.tab("aws mfa-switch dev-tools de").endswith("aws mfa-switch dev-tools dev")


def test_readme_shows_the_lines_these_tests_load():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for line in ('eval "$(aws-mfa-switch --completion-script bash)"',
                 'eval "$(aws-mfa-switch --completion-script zsh)"',
                 "aws-mfa-switch --completion-script fish | source"):
        assert line in readme
