"""The installer: enables the plugin, merges the aliases, and undoes exactly that."""
import configparser
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import awscli_mfa_plugin
from awscli_mfa_plugin import install
from awscli_mfa_plugin.environment import Environment
from tests.awsenv import BIN

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "cli-alias" / "alias"
FOLDER = str(Path(awscli_mfa_plugin.__file__).resolve().parent.parent)


class Result:
    def __init__(self, code, stdout, stderr):
        self.returncode, self.stdout, self.stderr = code, stdout, stderr


def installer(*argv, **environ):
    """Run the installer's ``main`` with this process's (isolated) environment."""
    env = dict(os.environ)
    for key, value in environ.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    out, err = io.StringIO(), io.StringIO()
    code = install.main(list(argv), Environment(None, out, err, env))
    return Result(code, out.getvalue(), err.getvalue())


def parsed(path):
    parser = configparser.RawConfigParser()
    parser.read(path)
    return {s: dict(parser.items(s)) for s in parser.sections()}


def shipped_aliases():
    return parsed(SHIPPED)["toplevel"]


@pytest.fixture
def home(isolated_home):
    class Home:
        root = isolated_home
        config = isolated_home / ".aws" / "config"
        alias = isolated_home / ".aws" / "cli" / "alias"
        record = isolated_home / ".aws" / "cli" / "mfa-switch-install.ini"

        def files(self):
            return {p: p.read_bytes() for p in (self.config, self.alias, self.record)
                    if p.exists()}

        def write(self, path, text):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode())

    return Home()


USER_CONFIG = (
    "# my settings\r\n"
    "[default]\r\n"
    "region = eu-west-1\r\n"
    "\r\n"
    "[plugins]\r\n"
    "; another plugin\r\n"
    "other = some_plugin\r\n"
    "\r\n"
    "[profile dev]\r\n"
    "mfa_serial = arn:aws:iam::111111111111:mfa/alice\r\n"
)

USER_ALIAS = (
    "# my aliases\n"
    "[toplevel]\n"
    "whoami = sts get-caller-identity --output text\n"
    "ls3 = s3 ls\n"
    "\n"
    "[command sts]\n"
    "me = get-caller-identity\n"
)


class TestShippedAliasFile:
    def test_the_package_copy_is_identical_to_the_user_facing_file(self):
        data = Path(awscli_mfa_plugin.__file__).parent / "data" / "alias"
        assert data.read_bytes() == SHIPPED.read_bytes()

    def test_the_installer_reads_the_packaged_copy(self):
        assert install.shipped_aliases() == shipped_aliases()

    def test_it_has_the_promised_shortcuts(self):
        aliases = shipped_aliases()
        assert aliases["mfa"] == "mfa-switch"
        assert aliases["whoami"] == "sts get-caller-identity"
        assert aliases["mfa-status"] == "mfa-switch --list"
        assert aliases["mfa-run"] == "mfa-switch --exec"

    def test_every_value_is_one_line_so_the_editor_can_write_it(self):
        for name, value in shipped_aliases().items():
            assert "\n" not in value, name

    def test_no_alias_shadows_a_command_of_the_cli(self, aws):
        from awscli.clidriver import create_clidriver

        commands = set(create_clidriver()._get_command_table())
        assert "mfa-switch" in commands  # the plugin is enabled in this HOME
        assert not set(shipped_aliases()) & commands

    def test_every_alias_is_documented_in_the_readme(self):
        readme = (ROOT / "README.md").read_text()
        for name in shipped_aliases():
            # an example that runs it: "aws NAME", not a longer name
            assert re.search(rf"aws {re.escape(name)}(?![-\w])", readme), name


class TestInstall:
    def test_fresh_home_gets_the_plugin_and_the_aliases(self, home):
        result = installer("install", "--cli-version", "1")
        assert result.returncode == 0, result.stderr
        assert result.stdout == ""
        assert parsed(home.config) == {"plugins": {"mfa_switch": "awscli_mfa_plugin"}}
        assert parsed(home.alias) == {"toplevel": shipped_aliases()}
        assert "enabled the plugin" in result.stderr
        assert "added the aliases mfa, " in result.stderr

    def test_second_run_changes_no_byte_and_says_so(self, home):
        home.write(home.config, USER_CONFIG)
        home.write(home.alias, USER_ALIAS)
        assert installer("install", "--cli-version", "2").returncode == 0
        before = home.files()
        again = installer("install", "--cli-version", "2")
        assert again.returncode == 0, again.stderr
        assert home.files() == before
        assert "Nothing to do" in again.stderr
        assert "enabled the plugin" not in again.stderr

    def test_user_config_and_aliases_keep_every_byte(self, home):
        home.write(home.config, USER_CONFIG)
        home.write(home.alias, USER_ALIAS)
        result = installer("install", "--cli-version", "1")
        assert result.returncode == 0, result.stderr
        config = home.config.read_bytes().decode()
        # The new key lands after the section's last key, CRLF like the file.
        assert config == USER_CONFIG.replace(
            "other = some_plugin\r\n",
            "other = some_plugin\r\nmfa_switch = awscli_mfa_plugin\r\n")
        alias = home.alias.read_text()
        assert alias.startswith("# my aliases\n[toplevel]\n"
                                "whoami = sts get-caller-identity --output text\n"
                                "ls3 = s3 ls\n")
        assert alias.endswith("\n[command sts]\nme = get-caller-identity\n")
        assert parsed(home.alias)["command sts"] == {"me": "get-caller-identity"}

    def test_a_user_alias_of_the_same_name_is_kept_and_reported(self, home):
        home.write(home.alias, USER_ALIAS)
        result = installer("install", "--cli-version", "1")
        assert result.returncode == 0, result.stderr
        aliases = parsed(home.alias)["toplevel"]
        assert aliases["whoami"] == "sts get-caller-identity --output text"
        assert aliases["mfa"] == "mfa-switch"
        assert "kept your own alias 'whoami'" in result.stderr
        assert "whoami" not in result.stderr.split("added the aliases")[1].splitlines()[0]

    def test_an_already_enabled_plugin_is_not_added_twice(self, home):
        home.write(home.config, "[plugins]\nmfa = awscli_mfa_plugin\n")
        result = installer("install", "--cli-version", "1")
        assert result.returncode == 0, result.stderr
        assert home.config.read_text() == "[plugins]\nmfa = awscli_mfa_plugin\n"
        assert "enabled the plugin" not in result.stderr

    def test_cli_v2_gets_the_folder_holding_the_package_on_its_plugin_path(self, home):
        result = installer("install", "--cli-version", "2")
        assert result.returncode == 0, result.stderr
        plugins = parsed(home.config)["plugins"]
        assert plugins["cli_legacy_plugin_path"] == FOLDER
        assert (Path(FOLDER) / "awscli_mfa_plugin" / "__init__.py").is_file()
        assert "cli_legacy_plugin_path" in result.stderr

    def test_cli_v2_appends_to_a_plugin_path_already_there(self, home):
        home.write(home.config, "[plugins]\ncli_legacy_plugin_path = /opt/plugins\n")
        assert installer("install", "--cli-version", "2").returncode == 0
        assert parsed(home.config)["plugins"]["cli_legacy_plugin_path"] == (
            "/opt/plugins" + os.pathsep + FOLDER)
        assert installer("uninstall").returncode == 0
        assert home.config.read_text() == "[plugins]\ncli_legacy_plugin_path = /opt/plugins\n"

    def test_cli_v1_is_warned_about_a_v2_plugin_path(self, home):
        home.write(home.config, "[plugins]\ncli_legacy_plugin_path = /opt/plugins\n")
        result = installer("install", "--cli-version", "1")
        assert result.returncode == 0, result.stderr
        assert "AWS CLI v1 fails on every command" in result.stderr

    def test_aws_config_file_is_honoured(self, home, tmp_path):
        config = tmp_path / "elsewhere" / "config"
        result = installer("install", "--cli-version", "1", AWS_CONFIG_FILE=str(config))
        assert result.returncode == 0, result.stderr
        assert parsed(config)["plugins"]["mfa_switch"] == "awscli_mfa_plugin"
        assert not home.config.exists()
        assert installer("uninstall", AWS_CONFIG_FILE=str(config)).returncode == 0
        assert "mfa_switch" not in config.read_text()

    def test_a_variable_in_aws_config_file_is_expanded_as_botocore_does(
            self, home, tmp_path, monkeypatch):
        folder = tmp_path / "elsewhere"
        monkeypatch.chdir(tmp_path)
        result = installer("install", "--cli-version", "1",
                           MFA_TEST_CONFIG_DIR=str(folder),
                           AWS_CONFIG_FILE="${MFA_TEST_CONFIG_DIR}/config")
        assert result.returncode == 0, result.stderr
        assert parsed(folder / "config")["plugins"]["mfa_switch"] == \
            "awscli_mfa_plugin"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere"]

    def test_the_module_runs_as_a_program(self, home):
        result = subprocess.run(
            [sys.executable, "-m", "awscli_mfa_plugin", "install", "--cli-version", "1"],
            capture_output=True, text=True, env=dict(os.environ), timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == ""
        assert parsed(home.config)["plugins"]["mfa_switch"] == "awscli_mfa_plugin"


class TestDetection:
    def test_the_aws_on_path_says_v1(self, home):
        result = installer("install", PATH=f"{BIN}{os.pathsep}/usr/bin{os.pathsep}/bin")
        assert result.returncode == 0, result.stderr
        assert "AWS CLI v1 (aws-cli/1." in result.stderr
        assert "cli_legacy_plugin_path" not in home.config.read_text()

    def test_detection_ignores_a_config_that_v1_cannot_read(self, home):
        # With cli_legacy_plugin_path in the config every v1 command fails,
        # --version included; the installer must still tell the version.
        home.write(home.config, "[plugins]\ncli_legacy_plugin_path = /opt/plugins\n")
        result = installer("install", PATH=f"{BIN}{os.pathsep}/usr/bin{os.pathsep}/bin")
        assert result.returncode == 0, result.stderr
        assert "AWS CLI v1 (aws-cli/1." in result.stderr

    def test_no_aws_on_path_is_one_sentence_and_writes_nothing(self, home, tmp_path):
        result = installer("install", PATH=str(tmp_path))
        assert result.returncode == 252
        assert result.stderr.count("\n") == 1
        assert "--cli-version" in result.stderr
        assert home.files() == {}


class TestRefusals:
    def test_an_unparsable_config_is_left_alone_and_nothing_is_written(self, home):
        home.write(home.config, "[plugins]\nmfa_switch = awscli_mfa_plugin\nnot an ini line\n")
        before = home.files()
        result = installer("install", "--cli-version", "1")
        assert result.returncode == 253
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert home.files() == before

    def test_a_foreign_value_under_our_plugin_key_stops_before_any_write(self, home):
        home.write(home.config, "[plugins]\nmfa_switch = my_fork\n")
        before = home.files()
        result = installer("install", "--cli-version", "1")
        assert result.returncode == 253
        assert "my_fork" in result.stderr and result.stderr.count("\n") == 1
        assert home.files() == before

    @pytest.mark.parametrize("argv", [[], ["install", "--cli-version", "3"], ["frobnicate"]])
    def test_bad_arguments_are_one_sentence_with_252(self, home, argv):
        result = installer(*argv)
        assert result.returncode == 252
        assert result.stderr.count("\n") == 1
        assert home.files() == {}


class TestUninstall:
    def test_it_restores_the_user_files_byte_for_byte(self, home):
        home.write(home.config, USER_CONFIG)
        home.write(home.alias, USER_ALIAS)
        assert installer("install", "--cli-version", "2").returncode == 0
        result = installer("uninstall")
        assert result.returncode == 0, result.stderr
        assert home.config.read_bytes() == USER_CONFIG.encode()
        assert home.alias.read_bytes() == USER_ALIAS.encode()
        assert "disabled the plugin" in result.stderr
        assert "removed the aliases mfa, " in result.stderr

    def test_an_alias_the_user_changed_since_is_left_and_reported(self, home):
        assert installer("install", "--cli-version", "1").returncode == 0
        home.alias.write_text(home.alias.read_text().replace(
            "mfa = mfa-switch", "mfa = mfa-switch --profile dev"))
        result = installer("uninstall")
        assert result.returncode == 0, result.stderr
        assert parsed(home.alias)["toplevel"] == {"mfa": "mfa-switch --profile dev"}
        assert "left the alias 'mfa' in place" in result.stderr

    def test_install_keeps_an_alias_the_user_changed_since(self, home):
        assert installer("install", "--cli-version", "1").returncode == 0
        home.alias.write_text(home.alias.read_text().replace(
            "mfa = mfa-switch", "mfa = mfa-switch --profile dev"))
        before = home.files()
        result = installer("install", "--cli-version", "1")
        assert result.returncode == 0, result.stderr
        assert home.files() == before
        assert "kept the alias 'mfa' as you changed it" in result.stderr

    def test_what_install_did_not_add_stays(self, home):
        home.write(home.config, "[plugins]\nmfa_switch = awscli_mfa_plugin\n")
        home.write(home.alias, "[toplevel]\nmfa = mfa-switch\n")
        assert installer("install", "--cli-version", "1").returncode == 0
        result = installer("uninstall")
        assert result.returncode == 0, result.stderr
        assert home.config.read_text() == "[plugins]\nmfa_switch = awscli_mfa_plugin\n"
        assert parsed(home.alias)["toplevel"]["mfa"] == "mfa-switch"
        assert "enabled by hand" in result.stderr

    def test_twice_changes_nothing_the_second_time(self, home):
        assert installer("install", "--cli-version", "2").returncode == 0
        assert installer("uninstall").returncode == 0
        before = home.files()
        result = installer("uninstall")
        assert result.returncode == 0, result.stderr
        assert home.files() == before
        assert "Nothing to undo" in result.stderr


def test_every_data_file_is_declared_as_package_data():
    parser = configparser.RawConfigParser()
    parser.read(ROOT / "setup.cfg")
    declared = parser.get("options.package_data", "awscli_mfa_plugin").split()
    data = Path(awscli_mfa_plugin.__file__).parent / "data"
    shipped = sorted(str(p.relative_to(data.parent)) for p in data.rglob("*") if p.is_file())
    assert shipped and all(name in declared for name in shipped)


@pytest.fixture(scope="module")
def aws_of_another_python(tmp_path_factory):
    """A real AWS CLI v1 ``aws`` that runs in a Python without this package.

    A fresh virtualenv borrows this one's site-packages as a plain path (so
    awscli and botocore import, but the package's editable-install hook,
    a ``.pth`` file there, is not run); the ``aws`` script is this
    virtualenv's, with that Python on its ``#!`` line.
    """
    import sysconfig
    import venv

    root = tmp_path_factory.mktemp("other-python")
    venv.create(root / "venv", with_pip=False)
    python = root / "venv" / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "borrowed.pth").write_text(sysconfig.get_path("purelib") + "\n")
    bin_dir = root / "bin"
    bin_dir.mkdir()
    script = (BIN / "aws").read_text().split("\n", 1)[1]
    (bin_dir / "aws").write_text(f"#!{python}\n{script}")
    (bin_dir / "aws").chmod(0o755)
    probe = subprocess.run([python, "-c", "import awscli_mfa_plugin"],
                           capture_output=True, cwd=root)
    assert probe.returncode != 0, "the other Python must not see the package"
    return bin_dir, python


class TestTheAwsItConfiguresCanLoadThePlugin:
    def test_an_aws_in_another_python_is_refused_and_nothing_written(
            self, home, aws_of_another_python):
        bin_dir, python = aws_of_another_python
        path = f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin"
        # That aws works on its own...
        alone = subprocess.run([bin_dir / "aws", "--version"], capture_output=True,
                               text=True, env={**os.environ, "PATH": path})
        assert "aws-cli/1." in alone.stdout + alone.stderr
        # ...but could not load the plugin, so the installer must not enable it.
        result = subprocess.run(
            [sys.executable, "-m", "awscli_mfa_plugin", "install"],
            capture_output=True, text=True, timeout=300,
            env={**os.environ, "PATH": path})
        assert result.returncode == 253, result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert f"{python} -m awscli_mfa_plugin install" in result.stderr
        assert "No module named 'awscli_mfa_plugin'" in result.stderr
        assert home.files() == {}
        assert not (home.root / ".aws").exists()

    def test_a_second_v1_later_on_path_is_named_with_the_fix(
            self, home, aws_of_another_python):
        """The aws the installer configures can load the plugin; a v1 after it
        on PATH cannot, and from now on fails every command with a traceback."""
        import awscli
        bin_dir, python = aws_of_another_python
        path = os.pathsep.join([str(BIN), str(bin_dir), "/usr/bin", "/bin"])
        result = installer("install", PATH=path)
        assert result.returncode == 0, result.stderr
        note = (f"Note: {bin_dir / 'aws'}, also on PATH, is AWS CLI v1 (awscli "
                f"{awscli.__version__}) in {python}, which lacks the package, so it "
                f"now fails every command with a traceback (the [plugins] mfa_switch "
                f"of {home.config}); install the package there too (`{python} -m pip "
                "install awscli-mfa-plugin`) or take that aws off PATH.")
        assert result.stderr.splitlines()[-2] == note
        assert result.stderr.count("Note: ") == 1  # not this aws, not a v2
        # What the note says: that aws now fails with a traceback...
        broken = subprocess.run([bin_dir / "aws", "sts", "help"], capture_output=True,
                                text=True, timeout=120, env={**os.environ, "PATH": path})
        assert broken.returncode != 0 and "Traceback" in broken.stderr
        assert "No module named 'awscli_mfa_plugin'" in broken.stderr
        # ...and with the first aws alone on PATH there is nothing to say.
        alone = installer("install", PATH=os.pathsep.join([str(BIN), "/usr/bin", "/bin"]))
        assert alone.returncode == 0 and "Note: " not in alone.stderr, alone.stderr

    def test_the_aws_of_this_environment_is_checked_and_accepted(self, home):
        result = installer("install", PATH=f"{BIN}{os.pathsep}/usr/bin{os.pathsep}/bin")
        assert result.returncode == 0, result.stderr
        assert parsed(home.config)["plugins"]["mfa_switch"] == "awscli_mfa_plugin"


@pytest.mark.parametrize("first_lines, expected", [
    ("#!/opt/py/bin/python3.11\nimport sys\n", "/opt/py/bin/python3.11"),
    ("#!/bin/sh\n'''exec' \"/a very/long/path/bin/python\" \"$0\" \"$@\"\n' '''\n",
     "/a very/long/path/bin/python"),
    ("#!/bin/bash\nexec pyenv exec aws \"$@\"\n", None),
    ("\x7fELF\x02\x01", None),
])
def test_the_python_a_script_runs_in(tmp_path, first_lines, expected):
    script = tmp_path / "aws"
    script.write_bytes(first_lines.encode("latin-1"))
    assert install.script_python(str(script), {"PATH": ""}) == expected


def test_env_shebang_is_looked_up_on_path(tmp_path):
    script = tmp_path / "aws"
    script.write_text("#!/usr/bin/env python3\n")
    assert install.script_python(str(script), {"PATH": str(BIN)}) == str(
        BIN / "python3")


def test_a_v2_of_another_python_version_is_told_which_python_to_use():
    cli = install.Cli(2, "aws-cli/2.0.0 at /opt/aws", "/opt/aws", "3.7")
    sentence = install._cannot_load(cli, "/site", "SyntaxError: invalid syntax", {})
    assert sentence.count(".") >= 1 and "\n" not in sentence
    assert "it runs Python 3.7" in sentence
    assert "install the package with a Python 3.7" in sentence


class TestPythonOfAwsCliV2:
    """v2 imports from the plugin folder with its own Python: modules compiled
    for another Python there are named in a note (the plugin needs none)."""

    V2 = install.Cli(2, "aws-cli/2.9.19 at /usr/bin/aws", "/usr/bin/aws", "3.11")

    def folder(self, tmp_path, *names):
        for name in names:
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"")
        return str(tmp_path)

    def test_a_module_built_for_another_python_is_named(self, tmp_path):
        folder = self.folder(tmp_path, "awscli_mfa_plugin/__init__.py",
                             "markupsafe/_speedups.cpython-312-x86_64-linux-gnu.so")
        note = install.python_note(self.V2, folder)
        assert note.startswith("Note: AWS CLI v2 runs Python 3.11")
        assert "_speedups.cpython-312-x86_64-linux-gnu.so" in note
        assert "--no-deps --target" in note

    @pytest.mark.parametrize("name", [
        "markupsafe/_speedups.cpython-311-x86_64-linux-gnu.so",  # v2's own Python
        "markupsafe/_speedups.cp311-win_amd64.pyd",
        "cryptography/hazmat/bindings/_rust.abi3.so",            # any Python 3
        ".venv/lib/python3.12/site-packages/x.cpython-312-x86_64-linux-gnu.so",
        "awscli_mfa_plugin/__init__.py",
    ])
    def test_what_v2_can_load_or_never_imports_is_not(self, tmp_path, name):
        assert install.python_note(self.V2, self.folder(tmp_path, name)) is None

    def test_windows_names_count_too(self, tmp_path):
        folder = self.folder(tmp_path, "yaml/_yaml.cp39-win_amd64.pyd")
        assert "_yaml.cp39-win_amd64.pyd" in install.python_note(self.V2, folder)

    def test_v1_and_an_unknown_python_get_no_note(self, tmp_path):
        folder = self.folder(tmp_path, "m/x.cpython-312-x86_64-linux-gnu.so")
        assert install.python_note(install.Cli(1, "v1", "/bin/aws", "3.12"), folder) is None
        assert install.python_note(install.Cli(2, "--cli-version 2"), folder) is None


def test_a_python_that_only_imports_the_checkout_is_told_to_activate_its_virtualenv(
        home, aws_of_another_python, tmp_path):
    """README's v1 commands run from the checkout with the virtualenv not active.

    The ``aws`` on PATH and the installer share one Python that lacks the
    package (it imports the checkout's copy only because it runs there):
    putting that Python's ``bin`` first on PATH would change nothing, so the
    sentence names the checkout's virtualenv, and activating it works.
    """
    _, python = aws_of_another_python
    own_bin = python.parent
    shutil.copy2(aws_of_another_python[0] / "aws", own_bin / "aws")
    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT / "awscli_mfa_plugin", checkout / "awscli_mfa_plugin",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "setup.cfg", checkout / "setup.cfg")
    venv = checkout / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "activate").write_text(f'PATH="{BIN}:$PATH"\n')
    path = f"{own_bin}{os.pathsep}/usr/bin{os.pathsep}/bin"
    result = subprocess.run([python, "-m", "awscli_mfa_plugin", "install"],
                            cwd=checkout, capture_output=True, text=True,
                            timeout=300, env={**os.environ, "PATH": path})
    assert result.returncode == 253, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "first on PATH" not in result.stderr
    assert f"activate the virtualenv that has it (`. {venv}/bin/activate`)" \
        in result.stderr
    assert home.files() == {}
    # The step named works: the activated PATH's python installs.
    followed = subprocess.run(
        ["bash", "-c", f". {venv}/bin/activate && cd ~ && python -m awscli_mfa_plugin install"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PATH": path})
    assert followed.returncode == 0, followed.stderr
