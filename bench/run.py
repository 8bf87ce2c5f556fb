"""Benchmarks for issue 8: what mfa-switch costs next to the CLI it extends.

Runs the real executables of this virtualenv against moto's STS/IAM on
127.0.0.1 in a throw-away HOME (the real ``~/.aws`` is never read), and
alternates the two sides of each comparison in the same run (A B, B A, ...)
so that a machine busy with something else slows both sides alike.  For
each side it prints the median wall-clock time and the median CPU time
(user + system of the child process, less sensitive to other load), and
the ratios A/B next to the goal from the issue.

    make bench                       # or: .venv/bin/python bench/run.py
    .venv/bin/python bench/run.py --runs 21 --only 1,3

A goal that is missed is reported, not fatal: the exit status is 0 unless a
command fails (then the numbers would mean nothing).
"""
import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests import awsenv  # noqa: E402  (needs the path above)

STANDALONE = str(awsenv.BIN / "aws-mfa-switch")
BIG_FILE_PROFILES = 5000
MANY_ROLES = 6


class CommandFailed(Exception):
    """A benchmarked command did not succeed, so its timing is meaningless."""


def timed(argv, env):
    """Run ``argv`` once; return (wall seconds, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=300)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise CommandFailed(
            f"{' '.join(argv)} exited {result.returncode}: "
            f"{result.stderr.strip()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


class Side:
    """One side of a comparison: a command line (rebuilt per run) and its env."""

    def __init__(self, label, argv, env):
        self.label = label
        self._argv = argv
        self.env = env
        self.walls = []
        self.cpus = []

    def argv(self):
        return self._argv() if callable(self._argv) else self._argv

    def run(self, record=True):
        wall, cpu = timed(self.argv(), self.env)
        if record:
            self.walls.append(wall)
            self.cpus.append(cpu)


def compare(a, b, runs, warmup):
    """Alternate ``a`` and ``b``; the order flips every round."""
    for _ in range(warmup):
        a.run(record=False)
        b.run(record=False)
    for i in range(runs):
        first, second = (a, b) if i % 2 == 0 else (b, a)
        first.run()
        second.run()


class Bench:
    """The throw-away AWS home, its config variants, and the five comparisons."""

    def __init__(self, root, endpoint, account, options):
        self.root = Path(root)
        self.options = options
        self.home = awsenv.AwsHome(self.root, endpoint, account)
        self.account = account
        self.endpoint = endpoint
        self.features = _command_features()

    # -- files ------------------------------------------------------------

    def write(self, name, text):
        path = self.root / name
        path.write_text(text)
        os.chmod(path, 0o600)
        return str(path)

    def config_without_plugin(self):
        text = self.home.default_config().replace(
            "[plugins]\nmfa_switch = awscli_mfa_plugin\n", "")
        return self.write("config-no-plugin", text)

    def credentials(self, name, extra_profiles):
        a = self.account
        lines = [
            "[default]",
            f"aws_access_key_id = {a.access_key_id}",
            f"aws_secret_access_key = {a.secret_access_key}",
            "",
        ]
        for i in range(extra_profiles):
            lines += [
                f"[team-{i:05d}]",
                f"aws_access_key_id = AKIA{i:016d}",
                f"aws_secret_access_key = {'s' * 36}{i:04d}",
                "region = eu-west-1",
                "",
            ]
        return self.write(name, "\n".join(lines))

    def config_with_roles(self, count):
        a = self.account
        text = self.home.default_config()
        for i in range(1, count + 1):
            text += (
                f"\n[profile role{i}]\n"
                f"mfa_role_arn = {a.role_arn}{i}\n"
                "mfa_source_profile = default\n"
                f"mfa_serial = {a.serial_number}\n"
                "region = eu-west-1\n"
            )
        return self.write(f"config-{count}-roles", text)

    def env(self, **extra):
        return self.home.env(**extra)

    def code(self):
        return self.home.code()

    # -- the comparisons ---------------------------------------------------

    def switch_argv(self, profile="dev", *extra):
        def argv():
            force = ["--force"] if "force" in self.features else []
            return [awsenv.AWS, "mfa-switch", "--profile", profile,
                    "--token-code", self.code(), *force, *extra]
        return argv

    def plugin_overhead(self):
        """1. An unrelated command with the plugin enabled vs not."""
        argv = [awsenv.AWS, "sts", "get-caller-identity"]
        return (Side("aws sts get-caller-identity, plugin enabled", argv,
                     self.env()),
                Side("aws sts get-caller-identity, plugin not enabled", argv,
                     self.env(AWS_CONFIG_FILE=self.config_without_plugin())),
                1.03, None)

    def switch_vs_assume_role(self):
        """2. ``aws mfa-switch --token-code`` vs a bare ``aws sts assume-role``."""
        a = self.account

        def bare():
            return [awsenv.AWS, "sts", "assume-role", "--role-arn", a.role_arn,
                    "--role-session-name", awsenv.USER_NAME,
                    "--serial-number", a.serial_number,
                    "--token-code", self.code()]
        note = None if "force" in self.features else (
            "--force is not in this build; every run switches anyway")
        return (Side("aws mfa-switch --profile dev --token-code ... --force",
                     self.switch_argv(), self.env()),
                Side("aws sts assume-role (same parameters)", bare, self.env()),
                1.10, note)

    def credential_process(self):
        """3. credential_process answered from stored credentials vs one ``aws`` call."""
        if not os.path.exists(STANDALONE):
            return _skip("aws-mfa-switch is not installed in this virtualenv")
        env = self.env()
        timed(self.switch_argv()(), env)  # store credentials to answer from
        return (Side("aws-mfa-switch --profile dev --credential-process "
                     "(stored, still valid)",
                     [STANDALONE, "--profile", "dev", "--credential-process"],
                     env),
                Side("aws sts get-caller-identity --profile dev",
                     [awsenv.AWS, "sts", "get-caller-identity",
                      "--profile", "dev"], env),
                0.15, None)

    def many_roles(self):
        """4. One code for six roles vs one role."""
        if "all" not in self.features:
            return _skip("`aws mfa-switch --all` (one code, many roles) is "
                         "not in this build yet")
        env = self.env(AWS_CONFIG_FILE=self.config_with_roles(MANY_ROLES))
        # Only the role profiles carry a recipe that --all would pick up
        # besides dev and session; keep the comparison to roles alone.
        return (Side(f"aws mfa-switch --all ({MANY_ROLES} roles, one code)",
                     self.switch_argv("role1", "--all"), env),
                Side("aws mfa-switch --profile role1 (one role)",
                     self.switch_argv("role1"), env),
                2.0, None)

    def big_credentials_file(self):
        """5. Switching into a 5,000-profile credentials file vs a 1-profile file."""
        big = self.credentials("credentials-big", BIG_FILE_PROFILES)
        small = self.credentials("credentials-small", 0)
        return (Side(f"aws mfa-switch, {BIG_FILE_PROFILES:,}-profile "
                     "credentials file", self.switch_argv(),
                     self.env(AWS_SHARED_CREDENTIALS_FILE=big)),
                Side("aws mfa-switch, 1-profile credentials file",
                     self.switch_argv(),
                     self.env(AWS_SHARED_CREDENTIALS_FILE=small)),
                1.05, None)

    BENCHMARKS = {
        "1": plugin_overhead,
        "2": switch_vs_assume_role,
        "3": credential_process,
        "4": many_roles,
        "5": big_credentials_file,
    }


def _skip(reason):
    return None, None, None, reason


def _command_features():
    """The option names of ``aws mfa-switch`` in this build.

    Asked in a child process: importing awscli here would make ``botocore``
    resolve to the CLI's copy for boto3 and moto in this process too.
    """
    code = ("import json; from awscli_mfa_plugin.command import MfaSwitchCommand;"
            "print(json.dumps([a['name'] for a in MfaSwitchCommand.ARG_TABLE]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True).stdout
    return set(json.loads(out))


def create_extra_roles(endpoint, count):
    """Roles ``<role>1`` .. ``<role>N`` beside the seeded one, same trust."""
    import boto3

    iam = boto3.client("iam", endpoint_url=endpoint, region_name=awsenv.REGION,
                       aws_access_key_id="testing",
                       aws_secret_access_key="testing")
    trust = iam.get_role(RoleName=awsenv.ROLE_NAME)["Role"][
        "AssumeRolePolicyDocument"]
    if not isinstance(trust, str):
        trust = json.dumps(trust)
    for i in range(1, count + 1):
        iam.create_role(RoleName=f"{awsenv.ROLE_NAME}{i}",
                        AssumeRolePolicyDocument=trust)


def machine():
    """A one-line description of where the numbers come from."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = ", load %.1f" % os.getloadavg()[0] if hasattr(os, "getloadavg") else ""
    return (f"{os.cpu_count()} cores ({cpu}){load}, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def versions():
    out = subprocess.run([awsenv.AWS, "--version"], capture_output=True,
                         text=True).stdout.strip()
    return out or "aws --version: unknown"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=11,
                        help="measured runs of each side (default 11)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="unmeasured runs of each side first (default 1)")
    parser.add_argument("--only", default="1,2,3,4,5",
                        help="comma-separated benchmark numbers (default all)")
    args = parser.parse_args(argv)
    args.only = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in args.only if n not in Bench.BENCHMARKS]
    if unknown or args.runs < 1 or args.warmup < 0:
        parser.error("--only takes numbers 1-5; --runs >= 1; --warmup >= 0")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    print(f"Machine: {machine()}")
    print(f"CLI:     {versions()}")
    print(f"Runs:    {args.runs} per side, alternating, after {args.warmup} "
          "warm-up run(s); times are medians in seconds\n")
    server = awsenv.start_moto()
    failed = False
    rows = []
    try:
        endpoint = awsenv.endpoint_of(server)
        account = awsenv.seed_account(endpoint)
        create_extra_roles(endpoint, MANY_ROLES)
        with tempfile.TemporaryDirectory(prefix="mfa-switch-bench-") as root:
            bench = Bench(root, endpoint, account, args)
            for number in args.only:
                method = Bench.BENCHMARKS[number]
                title = method.__doc__.split("\n")[0]
                print(f"{title}", flush=True)
                try:
                    a, b, goal, note = method(bench)
                    if a is None:
                        print(f"   skipped: {note}\n")
                        rows.append((number, None, None, None, note))
                        continue
                    compare(a, b, args.runs, args.warmup)
                except CommandFailed as error:
                    failed = True
                    print(f"   failed: {error}\n")
                    rows.append((number, None, None, None, "a command failed"))
                    continue
                print_pair(a, b, goal, note)
                rows.append((number, a, b, goal, note))
    finally:
        server.stop()
    print_summary(rows)
    return 1 if failed else 0


def med(values):
    return statistics.median(values)


def print_pair(a, b, goal, note):
    for side in (a, b):
        print(f"   {med(side.walls):7.3f} s wall  {med(side.cpus):7.3f} s CPU  "
              f"{side.label}")
    if note:
        print(f"   note: {note}")
    print()


def print_summary(rows):
    print("| # | A (wall / CPU) | B (wall / CPU) | A/B wall | A/B CPU | goal | met |")
    print("|---|---|---|---|---|---|---|")
    for number, a, b, goal, note in rows:
        if a is None:
            print(f"| {number} | | | | | | {note} |")
            continue
        wall = med(a.walls) / med(b.walls)
        cpu = med(a.cpus) / med(b.cpus)
        met = "yes" if wall <= goal else "no"
        print(f"| {number} | {med(a.walls):.3f} / {med(a.cpus):.3f} "
              f"| {med(b.walls):.3f} / {med(b.cpus):.3f} "
              f"| {wall:.3f}x | {cpu:.3f}x | <= {goal:g}x | {met} |")


if __name__ == "__main__":
    sys.exit(main())
