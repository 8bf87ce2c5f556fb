"""AWS CLI v2 (Debian's ``awscli`` package) runs the plugin through ``cli_legacy_plugin_path``.

v2 vendors its own botocore (``import botocore`` resolves to it) and uses the
system's prompt_toolkit 3.0.36; these tests run the real v2 against the
loopback STS.  v2.9 knows no ``AWS_ENDPOINT_URL``, so the global
``--endpoint-url`` is passed.  They skip, saying why, where v2 is missing
(``.ci/run`` installs it with apt-get).
"""
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pexpect
import pytest

from tests.test_install import installer
from tests.codes.test_prompt_pty import Terminal

V2 = "/usr/bin/aws"


def _v2_version():
    if not os.access(V2, os.X_OK):
        return None
    result = subprocess.run([V2, "--version"], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "AWS_CONFIG_FILE": os.devnull},
                            timeout=120)
    match = re.search(r"aws-cli/(2\.\S+)", result.stdout + result.stderr)
    return match.group(1) if match else None


VERSION = _v2_version()
pytestmark = pytest.mark.skipif(
    VERSION is None,
    reason=f"no AWS CLI v2 at {V2} (apt-get install awscli; .ci/run does)",
)


@pytest.fixture
def v2(aws):
    """The ``aws`` home, enabled for v2 by the installer, and a way to run v2 in it."""
    aws.config.write_text(aws.config.read_text().replace(
        "[plugins]\nmfa_switch = awscli_mfa_plugin\n\n", ""))
    result = installer("install", "--cli-version", "2")
    assert result.returncode == 0, result.stderr

    class V2Home:
        home = aws
        env = aws.env(AWS_PAGER="", AWS_ENDPOINT_URL=None)

        def run(self, *args, input=""):
            return subprocess.run(
                [V2, *args, "--endpoint-url", aws.endpoint], input=input,
                capture_output=True, text=True, env=self.env, timeout=120)

    return V2Home()


def test_the_installer_detects_v2_from_the_aws_on_path(aws):
    result = installer("install", PATH=f"/usr/bin{os.pathsep}/bin")
    assert result.returncode == 0, result.stderr
    assert f"AWS CLI v2 (aws-cli/{VERSION} at {V2})" in result.stderr
    assert "cli_legacy_plugin_path" in aws.config.read_text()


def test_switch_with_v2_then_v2_uses_the_role(v2):
    result = v2.run("mfa-switch", "--profile", "dev", "--token-code", v2.home.code())
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "assumed-role/AccessToTestDev/alice" in result.stderr
    who = v2.run("sts", "get-caller-identity", "--profile", "dev")
    assert who.returncode == 0, who.stderr
    assert json.loads(who.stdout)["Arn"].endswith(":assumed-role/AccessToTestDev/alice")


def test_session_token_mode_with_v2(v2):
    result = v2.run("mfa-switch", "--profile", "session", "--token-code", v2.home.code())
    assert result.returncode == 0, result.stderr
    who = v2.run("sts", "get-caller-identity", "--profile", "session")
    assert who.returncode == 0, who.stderr
    assert f"now uses {json.loads(who.stdout)['Arn']}" in result.stderr


def test_v2_refusal_is_one_sentence(v2):
    before = v2.home.credentials.read_bytes()
    result = v2.run("mfa-switch", "--profile", "dev", "--token-code", "12345")
    assert result.returncode == 252
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert v2.home.credentials.read_bytes() == before


def test_v2_prompt_takes_the_code(v2):
    child = pexpect.spawn(
        V2, ["mfa-switch", "--profile", "dev", "--endpoint-url", v2.home.endpoint],
        env=v2.env, encoding="utf-8", timeout=60, dimensions=(24, 120))
    terminal = Terminal(child)
    terminal.expect("MFA code for " + v2.home.account.serial_number)
    terminal.expect(r"changes in\s+\d+ s")
    child.send(v2.home.code() + "\r")
    terminal.expect("now uses .*assumed-role/AccessToTestDev/alice")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_v2_aliases_work_too(v2):
    v2.run("mfa", "--profile", "dev", "--token-code", v2.home.code())
    who = v2.run("whoami", "--profile", "dev")
    assert who.returncode == 0, who.stderr
    assert json.loads(who.stdout)["Arn"].endswith(":assumed-role/AccessToTestDev/alice")


def test_uninstall_leaves_v2_without_the_command(v2):
    assert installer("uninstall").returncode == 0
    result = v2.run("mfa-switch", "--profile", "dev", "--token-code", "123456")
    assert result.returncode != 0
    assert "invalid choice" in result.stderr.lower()


@pytest.mark.skipif(shutil.which("python3", path="/usr/bin") is None,
                    reason="no system python3")
def test_under_v2_our_modules_use_v2s_botocore_and_prompt_toolkit(v2):
    # What v2 imports when it runs the plugin: botocore must be v2's own
    # (vendored as awscli.botocore), prompt_toolkit the one v2 itself uses.
    code = (
        "import sys, awscli.clidriver\n"
        "from awscli.plugin import _add_plugin_path_to_sys_path\n"
        f"_add_plugin_path_to_sys_path({installer_folder()!r})\n"
        "import awscli_mfa_plugin.command, awscli_mfa_plugin.sts.calls, botocore, prompt_toolkit\n"
        "from awscli_mfa_plugin.codes.terminal import TerminalPrompter\n"
        "import awscli\n"
        "print(botocore.__file__.startswith(awscli.__path__[0]))\n"
        "print(prompt_toolkit.__version__)\n"
    )
    result = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True,
                            text=True, env=v2.env, timeout=120)
    assert result.returncode == 0, result.stderr
    vendored, toolkit = result.stdout.split()
    assert vendored == "True"
    assert toolkit.startswith("3.")


def installer_folder():
    from awscli_mfa_plugin.install import plugin_folder

    return plugin_folder()


def test_a_folder_holding_only_the_package_is_enough_for_v2(aws, tmp_path):
    # As pip lays it out in site-packages, with none of its dependencies
    # beside it: v2 brings botocore and prompt_toolkit itself.
    import sys

    site = tmp_path / "site-packages"
    shutil.copytree(Path(installer_folder()) / "awscli_mfa_plugin",
                    site / "awscli_mfa_plugin",
                    ignore=shutil.ignore_patterns("__pycache__"))
    aws.config.write_text(aws.config.read_text().replace(
        "[plugins]\nmfa_switch = awscli_mfa_plugin\n\n", ""))
    result = subprocess.run(
        [sys.executable, "-m", "awscli_mfa_plugin", "install", "--cli-version", "2"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(site)))
    assert result.returncode == 0, result.stderr
    assert f"added {site} to [plugins] cli_legacy_plugin_path" in result.stderr
    switched = subprocess.run(
        [V2, "mfa", "--profile", "dev", "--token-code", aws.code(),
         "--endpoint-url", aws.endpoint],
        capture_output=True, text=True, timeout=120,
        env=aws.env(AWS_PAGER="", AWS_ENDPOINT_URL=None))
    assert switched.returncode == 0, switched.stderr
    assert "assumed-role/AccessToTestDev/alice" in switched.stderr


def test_the_installer_names_modules_v2s_python_cannot_load(aws, tmp_path):
    # A plugin folder that also holds a module compiled for another Python
    # (as a site-packages of another Python version would): v2 still loads
    # the plugin, and the installer says what v2 could not load there.
    import sys

    site = tmp_path / "site-packages"
    shutil.copytree(Path(installer_folder()) / "awscli_mfa_plugin",
                    site / "awscli_mfa_plugin",
                    ignore=shutil.ignore_patterns("__pycache__"))
    foreign = site / "speedy" / "_speedups.cpython-39-x86_64-linux-gnu.so"
    foreign.parent.mkdir()
    foreign.write_bytes(b"")
    aws.config.write_text(aws.config.read_text().replace(
        "[plugins]\nmfa_switch = awscli_mfa_plugin\n\n", ""))
    result = subprocess.run(
        [sys.executable, "-m", "awscli_mfa_plugin", "install"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(site), PATH=f"/usr/bin{os.pathsep}/bin"))
    assert result.returncode == 0, result.stderr
    python = re.search(r"Python/(\d+\.\d+)", subprocess.run(
        [V2, "--version"], capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "AWS_CONFIG_FILE": os.devnull}).stdout).group(1)
    assert f"Note: AWS CLI v2 runs Python {python} and imports from {site}" in result.stderr
    assert str(foreign) in result.stderr
    assert result.stderr.rstrip().endswith("(or aws mfa-switch help)")
