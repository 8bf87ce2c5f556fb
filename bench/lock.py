"""What the editor's lock costs: this tree against another commit, and filelock.

    .venv/bin/python bench/lock.py                  # against commit 65903ea
    .venv/bin/python bench/lock.py --against e2f4c6e --rounds 10 --runs 300

Two figures:

* a locked edit that changes nothing, with this tree's ``inifile`` (A) and
  the one at ``--against`` (B): ``update_section`` of a small config file
  whose section already says what is asked - take the lock, read and parse
  the file, find nothing to write, release.  The sides alternate in rounds
  (A B, B A, ...) so a busy machine slows both alike; the median and
  quartiles are over every edit of a side.  65903ea is the hand-written
  lock that left its lock file behind, e2f4c6e the ``filelock`` one.
* what importing the ``filelock`` package would add to an ``aws`` process
  (when it is installed): a fresh interpreter imports the AWS CLI and
  botocore first, as an ``aws`` run has them loaded by then, then times
  ``import filelock``; median of ``--imports`` interpreters.
"""
import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from awscli_mfa_plugin.files import inifile  # noqa: E402  (needs the path above)

CONFIG = "[plugins]\nmfa_switch = awscli_mfa_plugin\n\n[default]\nregion = eu-west-1\n"


def module_at(rev, folder):
    """``awscli_mfa_plugin/inifile.py`` as of ``rev``, loaded under another name."""
    source = subprocess.run(
        ["git", "show", f"{rev}:awscli_mfa_plugin/inifile.py"], cwd=REPO,
        capture_output=True, text=True, check=True).stdout
    path = Path(folder) / "inifile_at_rev.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("inifile_at_rev", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def noop_edits(module, path, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        changed = module.update_section(
            path, "plugins", {"mfa_switch": "awscli_mfa_plugin"})
        times.append(time.perf_counter() - start)
        assert not changed
    return times


def import_cost(imports):
    code = ("import awscli.clidriver, botocore.session, botocore.credentials, time\n"
            "start = time.perf_counter()\nimport filelock\n"
            "print(time.perf_counter() - start)\n")
    times = []
    for _ in range(imports):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                             text=True, check=True, cwd=REPO)
        times.append(float(out.stdout))
    return times


def summary(times, unit):
    q1, median, q3 = statistics.quantiles(times, n=4)
    return {"median": round(median * unit, 1),
            "quartiles": [round(q1 * unit, 1), round(q3 * unit, 1)]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="65903ea")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--imports", type=int, default=15)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        old = module_at(args.against, folder)
        sides = {"this tree": (inifile, []), args.against: (old, [])}
        files = {}
        for name in sides:
            files[name] = os.path.join(folder, name.replace(" ", "-"), "config")
            os.makedirs(os.path.dirname(files[name]))
            with open(files[name], "w") as handle:
                handle.write(CONFIG)
        order = list(sides)
        for round_ in range(args.rounds):
            for name in (order if round_ % 2 == 0 else order[::-1]):
                module, times = sides[name]
                times.extend(noop_edits(module, files[name], args.runs))
        report = {
            "noop_edit_us": {name: summary(times, 1e6)
                             for name, (_, times) in sides.items()},
            "files_left": {name: sorted(os.listdir(os.path.dirname(path)))
                           for name, path in files.items()},
        }
    if importlib.util.find_spec("filelock") is not None:
        report["import_filelock_in_aws_ms"] = summary(import_cost(args.imports), 1e3)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
