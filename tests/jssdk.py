"""The AWS SDK for JavaScript v3 for tests/test_interop.py, kept in ``.venv/js-sdk``.

Installed with npm once per virtualenv: by ``make`` when it builds
``.venv`` (``python -m tests.jssdk``, with the network settings a first
install gets), else by the first test that needs it.  Parallel test
workers take turns; the first installs, the others find it.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

# fromIni alone, not @aws-sdk/credential-providers (every provider's
# clients): a third of the download.
PACKAGES = ("@aws-sdk/credential-provider-ini@3", "@aws-sdk/client-sts@3")
FOLDER = Path(sys.prefix) / "js-sdk"


def install(home=None, timeout=600):
    """``(node, node_modules)``; raises ``RuntimeError`` saying why not."""
    from filelock import FileLock

    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        raise RuntimeError("node and npm are needed for the JavaScript SDK test")
    done = FOLDER / "installed"
    FOLDER.mkdir(exist_ok=True)
    with FileLock(str(FOLDER / "lock")):
        if done.exists() and done.read_text() == " ".join(PACKAGES):
            return node, FOLDER / "node_modules"
        env = dict(os.environ, HOME=home or os.environ.get("HOME", str(FOLDER)))
        try:
            result = subprocess.run(
                [npm, "install", "--prefix", str(FOLDER), "--no-audit",
                 "--no-fund", "--no-update-notifier", "--loglevel=error",
                 "--no-save", "--fetch-retries=1", *PACKAGES],
                capture_output=True, text=True, env=env, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RuntimeError("npm install of the JavaScript SDK timed out") from None
        if result.returncode != 0:
            said = [line for line in result.stderr.splitlines()
                    if "npm error" in line and "log of this run" not in line]
            raise RuntimeError("npm could not install the JavaScript SDK: "
                               + (said[0] if said else "no output"))
        done.write_text(" ".join(PACKAGES))
    return node, FOLDER / "node_modules"


if __name__ == "__main__":
    try:
        install()
    except RuntimeError as error:
        print(f"{error}; tests/test_interop.py will try again.", file=sys.stderr)
