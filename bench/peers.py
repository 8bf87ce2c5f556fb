"""``make bench-peers``: mfa-switch beside the tools people would pick instead.

broamski's aws-mfa 0.0.12 and awsume 4.5.4, from PyPI, go into a
throw-away virtualenv of their own (``.venv-peers``, made on first use);
each tool gets a HOME of its own with the same long-term keys, device and
roles, and all of them talk to the same loopback STS (moto's server; for
the "far" row behind a 150 ms delay, as an STS in another region is).
Nothing reads the real ``~/.aws``.

Every row alternates the two sides (ours, theirs; theirs, ours; ...) and
prints the median of each and the median of the per-pair ratios, so a
machine busy with something else slows both sides alike:

* still valid — the credentials written by the last switch have hours
  left: each tool's answer that there is nothing to do (awsume has no such
  answer: it calls AssumeRole every time);
* forced — a new switch with a code given on the command line (aws-mfa
  reads it from standard input);
* twenty roles at 150 ms — ours: one run, one code; theirs: twenty runs,
  one after the other (aws-mfa: twenty codes);
* the file after a switch — a hand-kept credentials file (comments, CRLF
  line ends, odd spacing, other sections): which of those survive.

    make bench-peers              # or: .venv/bin/python bench/peers.py
    .venv/bin/python bench/peers.py --runs 5 --delay 0.15

Not part of ``make test``: it installs from PyPI and takes a few minutes.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from tests import awsenv  # noqa: E402
from latency import FarAway  # noqa: E402
import run as ours_bench  # noqa: E402  (bench/run.py: roles, timing)

PEERS = ("aws-mfa==0.0.12", "awsume==4.5.4")
PEER_VENV = REPO / ".venv-peers"
STANDALONE = str(awsenv.BIN / "aws-mfa-switch")
ROLES = 20

#: A hand-kept credentials file: what people's files look like.
HAND_KEPT = (
    "# Keys for the build machine; ask Sam before rotating.\r\n"
    "[build]\r\n"
    "aws_access_key_id=AKIAIOSFODNN7EXAMPLE\r\n"
    "aws_secret_access_key   =   build/secret/not/used/here/at/all/0000\r\n"
    "\r\n"
    "; old style comment\r\n"
    "[zeta]\r\n"
    "region = eu-central-1\r\n"
    "\r\n"
)


def ensure_peers():
    """The peers' virtualenv, made on first use; its ``bin`` folder."""
    bin_dir = PEER_VENV / "bin"
    if (bin_dir / "aws-mfa").exists() and (bin_dir / "awsumepy").exists():
        return bin_dir
    print(f"Installing {' and '.join(PEERS)} into {PEER_VENV} (first run only)",
          flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q",
                    *PEERS], check=True)
    return bin_dir


def timed(argv, env, stdin=""):
    """Wall seconds of one run; a failed run stops the bench (its time means nothing)."""
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, input=stdin, capture_output=True,
                            text=True, timeout=300, start_new_session=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise ours_bench.CommandFailed(
            f"{' '.join(argv)} exited {result.returncode}: "
            f"{result.stderr.strip()[-500:]}")
    return wall


class Tool:
    """One tool in a HOME of its own."""

    def __init__(self, name, root, endpoint, account, peers_bin):
        self.name = name
        (Path(root) / name).mkdir()
        self.home = awsenv.AwsHome(Path(root) / name, endpoint, account)
        self.account = account
        self.peers_bin = peers_bin
        self.endpoint = endpoint
        a = account
        roles = "".join(self.role_section(i) for i in range(1, ROLES + 1))
        if name == "ours":
            self.home.config.write_text(self.home.default_config() + roles)
        elif name == "aws-mfa":
            with open(self.home.credentials, "a") as f:
                for profile in ["dev"] + [f"role{i}" for i in range(1, ROLES + 1)]:
                    f.write(f"\n[{profile}-long-term]\n"
                            f"aws_access_key_id = {a.access_key_id}\n"
                            f"aws_secret_access_key = {a.secret_access_key}\n"
                            f"aws_mfa_device = {a.serial_number}\n")
        else:  # awsume reads the AWS CLI's own role profiles
            self.home.config.write_text(
                f"[default]\nregion = {awsenv.REGION}\n"
                f"\n[profile dev]\nrole_arn = {a.role_arn}\n"
                "source_profile = default\n"
                f"mfa_serial = {a.serial_number}\n" + roles)

    def role_section(self, i):
        a = self.account
        if self.name == "ours":
            return (f"\n[profile role{i}]\nmfa_role_arn = {a.role_arn}{i}\n"
                    f"mfa_source_profile = default\n"
                    f"mfa_serial = {a.serial_number}\n"
                    f"region = {awsenv.REGION}\n")
        return (f"\n[profile role{i}]\nrole_arn = {a.role_arn}{i}\n"
                "source_profile = default\n"
                f"mfa_serial = {a.serial_number}\n")

    def env(self, endpoint=None):
        env = self.home.env(AWS_ENDPOINT_URL=endpoint or self.endpoint,
                            AWS_DEFAULT_REGION=awsenv.REGION)
        env["PATH"] = f"{self.peers_bin}{os.pathsep}{env['PATH']}"
        return env

    def role_arn(self, profile):
        suffix = profile[len("role"):] if profile.startswith("role") else ""
        return self.account.role_arn + suffix

    def switch(self, profile="dev", force=True, endpoint=None, write=False):
        """Run this tool's switch of ``profile`` once; wall seconds.

        ``write``: awsume writes the credentials file only when asked
        (``-o``); the other two always do.
        """
        code = self.home.code()
        env = self.env(endpoint)
        if self.name == "ours":
            argv = [STANDALONE, "--profile", profile]
            if force:
                argv += ["--token-code", code, "--force"]
            return timed(argv, env)
        if self.name == "aws-mfa":
            argv = [str(self.peers_bin / "aws-mfa"), "--profile", profile,
                    "--assume-role", self.role_arn(profile),
                    "--role-session-name", awsenv.USER_NAME]
            if force:
                argv.append("--force")
            return timed(argv, env, stdin=code + "\n")
        argv = [str(self.peers_bin / "awsumepy"), profile]
        if force:
            argv += ["--refresh", "--mfa-token", code]
        if write:
            # awsume will not write over a profile of the config file
            argv += ["--output-profile", profile + "-out"]
        return timed(argv, env)

    def many(self, endpoint):
        """Twenty roles from one start: one run of ours, twenty of theirs."""
        names = [f"role{i}" for i in range(1, ROLES + 1)]
        if self.name == "ours":
            return timed([STANDALONE, *names, "--token-code", self.home.code(),
                          "--force"], self.env(endpoint))
        if self.name == "awsume":  # a code for its session, then none
            shutil.rmtree(self.home.home / ".awsume" / "cache",
                          ignore_errors=True)
        return sum(self.switch(name, force=True, endpoint=endpoint)
                   for name in names)


def paired(ours, theirs, runs):
    """Alternate the two sides; ``(ours median, theirs median, ratio median)``."""
    a, b, ratios = [], [], []
    for i in range(runs):
        if i % 2 == 0:
            x, y = ours(), theirs()
        else:
            y, x = theirs(), ours()
        a.append(x)
        b.append(y)
        ratios.append(x / y)
    return statistics.median(a), statistics.median(b), statistics.median(ratios)


def file_after(tool):
    """What of a hand-kept credentials file survives one switch of ``dev``."""
    path = tool.home.credentials
    keys = path.read_bytes()
    kept_text = HAND_KEPT.encode() + keys.replace(b"\n", b"\r\n")
    path.write_bytes(kept_text)
    tool.switch("dev", force=True, write=True)
    after = path.read_bytes()
    lost = []
    if b"# Keys for the build machine" not in after \
            or b"; old style comment" not in after:
        lost.append("comments")
    if b"[build]\r\n" not in after:
        lost.append("CRLF")
    if b"aws_secret_access_key   =   build" not in after:
        lost.append("spacing")
    if after.index(b"[build]") > after.index(b"[zeta]"):
        lost.append("order")
    if not lost and after.startswith(HAND_KEPT.encode()):
        return "byte for byte"
    return (", ".join(lost) + " lost") if lost else "kept, moved"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=6,
                        help="pairs per fast row (default 6)")
    parser.add_argument("--far-runs", type=int, default=2,
                        help="pairs for the twenty-role row (default 2)")
    parser.add_argument("--delay", type=float, default=0.15,
                        help="seconds the far STS takes per request")
    args = parser.parse_args(argv)
    peers_bin = ensure_peers()
    server = awsenv.start_moto()
    rows = []
    try:
        endpoint = awsenv.endpoint_of(server)
        account = awsenv.seed_account(endpoint)
        ours_bench.create_extra_roles(endpoint, ROLES)
        with tempfile.TemporaryDirectory(prefix="mfa-peers-") as root, \
                FarAway(endpoint, args.delay) as far:
            tools = {name: Tool(name, root, endpoint, account, peers_bin)
                     for name in ("ours", "aws-mfa", "awsume")}
            ours = tools["ours"]
            for tool in tools.values():
                tool.switch("dev")  # something still valid
            for peer in ("aws-mfa", "awsume"):
                them = tools[peer]
                rows.append(("still valid, nothing to do", peer, *paired(
                    lambda: ours.switch(force=False),
                    lambda: them.switch(force=False), args.runs)))
                rows.append(("forced switch with a code", peer, *paired(
                    ours.switch, them.switch, args.runs)))
                rows.append((f"{ROLES} roles, one code, STS {args.delay * 1000:.0f} ms away",
                             peer, *paired(lambda: ours.many(far.endpoint),
                                           lambda: them.many(far.endpoint),
                                           args.far_runs)))
            files = {name: file_after(tool) for name, tool in tools.items()}
    finally:
        server.stop()
    print_table(rows, files)
    return 0


def print_table(rows, files):
    print()
    print("| what | ours (`aws-mfa-switch`) | aws-mfa 0.0.12 | awsume 4.5.4 |")
    print("|---|---|---|---|")
    seen = {}
    for what, peer, mine, theirs, ratio in rows:
        seen.setdefault(what, {})[peer] = (mine, theirs, ratio)
    for what, by_peer in seen.items():
        ours_times = [v[0] for v in by_peer.values()]
        cells = [f"{statistics.median(ours_times):.2f} s"]
        for peer in ("aws-mfa", "awsume"):
            mine, theirs, ratio = by_peer[peer]
            cells.append(f"{theirs:.2f} s (ours {ratio:.2f}x)")
        print(f"| {what} | " + " | ".join(cells) + " |")
    print("| hand-kept credentials file after a switch | "
          + " | ".join(files[n] for n in ("ours", "aws-mfa", "awsume")) + " |")
    print("\nRatios are ours/theirs, the median of alternated pairs in this one run.")


if __name__ == "__main__":
    sys.exit(main())
