"""README's install commands work when pasted: each ```` ```sh ```` block is run as written.

Each block runs in ``bash -eu`` from a copy of the checkout (README's
``.``), with the throw-away HOME of the ``aws`` fixture (README's ``~``)
and a ``PATH`` holding only what the block expects: ``python3``/``python``
and, for the AWS CLI v2 path, Debian's AWS CLI v2 at ``/usr/bin/aws``.
pip runs offline (``PIP_NO_INDEX``, no build isolation): the dependencies
the package needs come from this virtualenv, handed to the new
environments on ``PYTHONPATH`` as a stand-in for the index.  Then the
result is used the way README says, against moto's STS on loopback.
"""
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.test_keyring_e2e import secret_service  # noqa: F401 (a fixture)

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
V2 = "/usr/bin/aws"
#: This virtualenv's site-packages: the "index" the offline pip finds deps in.
SITE = sysconfig.get_paths()["purelib"]


def sh_blocks():
    return re.findall(r"^```sh\n(.*?)^```", README.read_text(), re.S | re.M)


def block(marker):
    """The one README ``sh`` block that contains ``marker``."""
    (found,) = [text for text in sh_blocks() if marker in text]
    return found


def test_every_block_is_one_this_file_runs():
    markers = ("--no-deps --target", "'.[cli1]'\npython -m awscli_mfa_plugin",
               "ln -sf", "pip wheel", "keyring")
    assert sorted(sh_blocks()) == sorted(block(m) for m in markers)


def checkout(tmp_path):
    """A copy of the source tree, as a user's clone holds it."""
    copy = tmp_path / "checkout"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__",
        ".pytest_cache", ".hypothesis", "node_modules"))
    return copy


def shims(folder, **commands):
    """A folder of commands: ``name=target`` runs ``target`` with the same arguments."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, target in commands.items():
        script = folder / name
        script.write_text(f'#!/bin/sh\nexec "{target}" "$@"\n')
        script.chmod(0o755)
    return folder


def paste(text, cwd, aws, path, **env):
    environ = aws.env(PATH=path, PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0",
                      PIP_DISABLE_PIP_VERSION_CHECK="1", **env)
    return subprocess.run(["bash", "-euc", text], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=600)


def without_plugin(aws):
    """The fixture's config without the [plugins] it enables: install adds it."""
    aws.config.write_text(aws.config.read_text().replace(
        "[plugins]\nmfa_switch = awscli_mfa_plugin\n\n", ""))


@pytest.mark.skipif(not os.access(V2, os.X_OK),
                    reason=f"no AWS CLI v2 at {V2} (apt-get install awscli; .ci/run does)")
@pytest.mark.parametrize("source", ["checkout", "wheel"])
def test_the_aws_cli_v2_path(aws, tmp_path, source):
    without_plugin(aws)
    bin_ = shims(tmp_path / "bin", python3=sys.executable)
    path = f"{bin_}{os.pathsep}/usr/bin{os.pathsep}/bin"
    tree = checkout(tmp_path)
    commands = block("--no-deps --target")
    if source == "wheel":  # built as README says, then used in place of "."
        built = paste(block("pip wheel"), tree, aws, path)
        assert built.returncode == 0, built.stdout + built.stderr
        (wheel,) = (tree / "dist").glob("awscli_mfa_plugin-*-py3-none-any.whl")
        commands = commands.replace(" .\n", f" {wheel}\n")
        assert str(wheel) in commands
    result = paste(commands, tree, aws, path)
    assert result.returncode == 0, result.stdout + result.stderr
    folder = aws.home / ".local" / "share" / "awscli-mfa-plugin"
    assert "AWS CLI v2 (aws-cli/2." in result.stderr
    assert f"added {folder} to [plugins] cli_legacy_plugin_path" in result.stderr
    # The package alone: nothing v2 would import instead of its own, no aws.
    assert not (folder / "botocore").exists() and not (folder / "awscli").exists()
    assert not (folder / "bin" / "aws").exists()

    env = aws.env(PATH=f"/usr/bin{os.pathsep}/bin", AWS_PAGER="",
                  AWS_ENDPOINT_URL=None)
    switched = subprocess.run(
        ["aws", "mfa-switch", "--profile", "dev", "--token-code", aws.code(),
         "--endpoint-url", aws.endpoint],
        env=env, capture_output=True, text=True, timeout=120)
    assert switched.returncode == 0, switched.stderr
    assert "assumed-role/AccessToTestDev/alice" in switched.stderr
    version = subprocess.run(["aws", "--version"], env=env, capture_output=True,
                             text=True, timeout=120)
    assert version.returncode == 0 and "aws-cli/2." in version.stdout + version.stderr

    # README's uninstall for this path: the same PYTHONPATH.
    removed = paste(f"PYTHONPATH={folder} python3 -m awscli_mfa_plugin uninstall",
                    aws.home, aws, path)
    assert removed.returncode == 0, removed.stderr
    assert "cli_legacy_plugin_path" not in aws.config.read_text()


def v1_virtualenv(tmp_path):
    """A new virtualenv with AWS CLI v1's ``aws``, as pip puts it there.

    AWS CLI v1 itself (the ``[cli1]`` extra) comes from this virtualenv on
    ``PYTHONPATH``, where the offline pip finds it installed.
    """
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv],
                   check=True, timeout=300)
    ours = Path(shutil.which("aws", path=str(Path(sys.executable).parent)))
    script = venv / "bin" / "aws"
    script.write_text(f"#!{venv / 'bin' / 'python'}\n"
                      + ours.read_text().split("\n", 1)[1])
    script.chmod(0o755)
    return venv


def test_the_aws_cli_v1_path(aws, tmp_path):
    without_plugin(aws)
    venv = v1_virtualenv(tmp_path)
    path = f"{venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin"
    result = paste(block("'.[cli1]'\npython -m awscli_mfa_plugin"),
                   checkout(tmp_path), aws, path, PYTHONPATH=SITE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert list((venv / "lib").glob("python3.*/site-packages/awscli_mfa_plugin"))
    assert f"AWS CLI v1 (aws-cli/1." in result.stderr
    assert "enabled the plugin" in result.stderr

    # That venv's aws runs the plugin that pip installed into it.
    switched = subprocess.run(
        ["aws", "mfa-switch", "--profile", "dev", "--token-code", aws.code()],
        env=aws.env(PATH=path, PYTHONPATH=SITE), capture_output=True, text=True,
        timeout=120)
    assert switched.returncode == 0, switched.stderr
    assert "assumed-role/AccessToTestDev/alice" in switched.stderr


def test_the_standalone_path_puts_only_aws_mfa_switch_on_path(aws, tmp_path):
    without_plugin(aws)
    bin_ = shims(tmp_path / "bin", python3=sys.executable)
    result = paste(block("ln -sf"), checkout(tmp_path), aws,
                   f"{bin_}{os.pathsep}/usr/bin{os.pathsep}/bin", PYTHONPATH=SITE)
    assert result.returncode == 0, result.stdout + result.stderr
    local_bin = aws.home / ".local" / "bin"
    assert sorted(os.listdir(local_bin)) == ["aws-mfa-switch"]
    # A new login shell, whose PATH did not have ~/.local/bin, finds it.
    switched = subprocess.run(
        ["bash", "-lc", 'aws-mfa-switch "$@"', "bash",
         "--profile", "dev", "--token-code", aws.code()],
        env=aws.env(PATH=f"/usr/bin{os.pathsep}/bin", PYTHONPATH=SITE),
        capture_output=True, text=True, timeout=120)
    assert switched.returncode == 0, switched.stderr
    assert "assumed-role/AccessToTestDev/alice" in switched.stderr


def test_the_package_brings_no_aws_cli_unless_asked():
    """A plain install brings no ``aws`` to shadow v2; ``[cli1]`` brings v1's."""
    import configparser

    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg")
    names = lambda value: {re.split(r"[<>=!~;\[ ]", line.strip())[0].lower()
                           for line in value.splitlines() if line.strip()}
    assert "awscli" not in names(setup["options"]["install_requires"])
    assert names(setup["options.extras_require"]["cli1"]) == {"awscli"}
    assert "awscli" in names(setup["options.extras_require"]["test"])


def wheelhouse(folder, *names):
    """Wheels of ``names`` and what they need, made from this virtualenv.

    The stand-in for the index that README's ``pip install ... keyring``
    downloads from: each installed distribution zipped back into the wheel
    it came from (its files and its dist-info, with its own tag), so the
    offline pip resolves and installs them as it would from PyPI.
    """
    import importlib.metadata
    import zipfile

    from packaging.requirements import Requirement

    folder.mkdir()
    done, todo = set(), list(names)
    while todo:
        dist = importlib.metadata.distribution(todo.pop())
        name = dist.metadata["Name"]
        if name.lower() in done:
            continue
        done.add(name.lower())
        for line in dist.requires or ():
            need = Requirement(line)
            if need.marker is None or need.marker.evaluate({"extra": ""}):
                todo.append(need.name)
        tag = next(line.split(":", 1)[1].strip()
                   for line in dist.read_text("WHEEL").splitlines()
                   if line.startswith("Tag:"))
        files = [f for f in dist.files
                 if not str(f).startswith("..") and "__pycache__" not in f.parts
                 and f.name != "RECORD"]
        info = next(f for f in files if f.name == "METADATA").parent
        wheel = folder / f"{re.sub(r'[-.]+', '_', name)}-{dist.version}-{tag}.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            for f in files:
                archive.write(f.locate(), str(f))
            archive.writestr(f"{info}/RECORD", "".join(
                f"{f},,\n" for f in [*files, f"{info}/RECORD"]))
    return folder


@pytest.mark.skipif(not os.access(V2, os.X_OK),
                    reason=f"no AWS CLI v2 at {V2} (apt-get install awscli; .ci/run does)")
def test_the_keyring_on_aws_cli_v2(aws, tmp_path, secret_service):
    """README's keyring step for v2: refused with that step named, then it works."""
    without_plugin(aws)
    bin_ = shims(tmp_path / "bin", python3=sys.executable)
    path = f"{bin_}{os.pathsep}/usr/bin{os.pathsep}/bin"
    result = paste(block("--no-deps --target"), checkout(tmp_path), aws, path)
    assert result.returncode == 0, result.stdout + result.stderr
    env = aws.env(PATH=f"/usr/bin{os.pathsep}/bin", AWS_PAGER="",
                  AWS_ENDPOINT_URL=None, **secret_service.env)
    move = ["aws", "mfa-switch", "--profile", "default", "--move-keys-to-keyring"]

    refused = subprocess.run(move, env=env, capture_output=True, text=True,
                             timeout=120)
    assert refused.returncode != 0
    step = block("keyring").strip()
    folder = aws.home / ".local" / "share" / "awscli-mfa-plugin"
    assert step.replace("~", str(aws.home)) in refused.stderr.replace(
        str(folder.resolve()), str(folder))
    assert "aws_secret_access_key" in aws.credentials.read_text()

    added = paste(step, aws.home, aws, path,
                  PIP_FIND_LINKS=str(wheelhouse(tmp_path / "wheels", "keyring")))
    assert added.returncode == 0, added.stdout + added.stderr
    moved = subprocess.run(move, env=env, capture_output=True, text=True,
                           timeout=120)
    assert moved.returncode == 0, moved.stderr
    assert "aws_secret_access_key" not in aws.credentials.read_text()
    assert aws.account.access_key_id in secret_service.entry("default")
