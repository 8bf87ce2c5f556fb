"""Benchmarks for issues 8 and 15: what mfa-switch costs next to the CLI it extends.

Runs the real executables of this virtualenv against moto's STS/IAM on
127.0.0.1 in a throw-away HOME (the real ``~/.aws`` is never read), and
alternates the two sides of each comparison in the same run (A B, B A, ...)
so that a machine busy with something else slows both sides alike.  For
each side it prints the median wall-clock time and the median CPU time
(user + system of the child process, less sensitive to other load).  The
ratio A/B is taken per block of two rounds (A B then B A, so that neither
side always runs first) and the median over blocks is shown, which cancels
a drift in the machine's load; a goal from the issue counts as met when the
wall-clock ratio is within it.

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
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests import awsenv, fakests  # noqa: E402  (needs the path above)

STANDALONE = str(awsenv.BIN / "aws-mfa-switch")
BIG_FILE_PROFILES = 5000
MANY_ROLES = 6
MOST_ROLES = 20


class CommandFailed(Exception):
    """A benchmarked command did not succeed, so its timing is meaningless."""


def timed(argv, env):
    """Run ``argv`` once; return (wall seconds, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # A new session: no controlling terminal that a refresh could prompt on.
    result = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=300,
                            start_new_session=True)
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
    """The throw-away AWS home, its config variants, and the comparisons."""

    def __init__(self, root, endpoint, account, options):
        self.root = Path(root)
        self.options = options
        self.home = awsenv.AwsHome(self.root, endpoint, account)
        self.account = account
        self.endpoint = endpoint
        self.features = _command_features()
        #: Stand-in servers a comparison started; stopped at the end.
        self.servers = []

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
        """Only ``role1`` .. ``roleN``: one source, one device, N roles."""
        a = self.account
        text = "[plugins]\nmfa_switch = awscli_mfa_plugin\n\n[default]\n" \
            f"region = {awsenv.REGION}\n"
        for i in range(1, count + 1):
            text += (
                f"\n[profile role{i}]\n"
                f"mfa_role_arn = {a.role_arn}{i}\n"
                "mfa_source_profile = default\n"
                f"mfa_serial = {a.serial_number}\n"
                f"region = {awsenv.REGION}\n"
            )
        return self.write(f"config-{count}-roles", text)

    def env(self, **extra):
        return self.home.env(**extra)

    def code(self):
        return self.home.code()

    # -- the comparisons ---------------------------------------------------

    def switch_argv(self, *args):
        """``aws mfa-switch *args --token-code <now> --force``, rebuilt per run."""
        def argv():
            force = ["--force"] if "force" in self.features else []
            return [awsenv.AWS, "mfa-switch", *args,
                    "--token-code", self.code(), *force]
        return argv

    def assume_role_argv(self):
        """The bare ``aws sts assume-role`` that ``dev``'s recipe amounts to."""
        a = self.account

        def argv():
            return [awsenv.AWS, "sts", "assume-role", "--role-arn", a.role_arn,
                    "--role-session-name", awsenv.USER_NAME,
                    "--serial-number", a.serial_number,
                    "--token-code", self.code()]
        return argv

    def plugin_overhead(self):
        """1. An unrelated command with the plugin enabled vs not."""
        argv = [awsenv.AWS, "sts", "get-caller-identity"]
        yield Comparison(
            Side("aws sts get-caller-identity, plugin enabled", argv,
                 self.env()),
            Side("aws sts get-caller-identity, plugin not enabled", argv,
                 self.env(AWS_CONFIG_FILE=self.config_without_plugin())),
            goal=1.03)

    def switch_vs_assume_role(self):
        """2. ``aws mfa-switch --token-code`` vs a bare ``aws sts assume-role``."""
        note = None if "force" in self.features else (
            "no --force in this build; every run switches anyway")
        yield Comparison(
            Side("aws mfa-switch --profile dev --token-code ... --force",
                 self.switch_argv("--profile", "dev"), self.env()),
            Side("aws sts assume-role (same parameters)",
                 self.assume_role_argv(), self.env()),
            goal=1.05, note=note)

    def credential_process(self):
        """3. credential_process answered from stored credentials vs one ``aws`` call."""
        if not os.path.exists(STANDALONE):
            yield Skip("aws-mfa-switch is not installed in this virtualenv")
            return
        env = self.env()
        timed(self.switch_argv("--profile", "dev")(), env)  # something to answer from
        fast = Side("aws-mfa-switch --profile dev --credential-process",
                    [STANDALONE, "--profile", "dev", "--credential-process"],
                    env)
        yield Comparison(
            fast,
            Side("aws sts get-caller-identity --profile dev",
                 [awsenv.AWS, "sts", "get-caller-identity", "--profile", "dev"],
                 env),
            goal=0.15)
        yield Comparison(
            Side(fast.label, fast.argv(), env),
            Side("python -c pass (this virtualenv's interpreter, nothing else)",
                 [sys.executable, "-c", "pass"], env),
            note="reference: the floor any Python command pays", short=True)
        if "credential-process" in self.features:
            yield Comparison(
                Side(fast.label, fast.argv(), env),
                Side("aws mfa-switch --profile dev --credential-process "
                     "(the plugin's answer)",
                     [awsenv.AWS, "mfa-switch", "--profile", "dev",
                      "--credential-process"], env),
                note="reference: the same answer through the CLI")

    def many_roles(self):
        """4. One code for six roles vs one role."""
        if "profiles" not in self.features:
            yield Skip("one code for several profiles (`aws mfa-switch "
                       "role1 role2 ...`, issue 6) is not in this build yet")
            return
        env = self.env(AWS_CONFIG_FILE=self.config_with_roles(MANY_ROLES))
        names = [f"role{i}" for i in range(1, MANY_ROLES + 1)]
        yield Comparison(
            Side(f"aws mfa-switch role1 ... role{MANY_ROLES} (one code)",
                 self.switch_argv(*names), env),
            Side("aws mfa-switch --profile role1",
                 self.switch_argv("--profile", "role1"), env),
            goal=2.0)

    def big_credentials_file(self):
        """5. Switching into a 5,000-profile credentials file vs a bare assume-role with it."""
        big = self.env(AWS_SHARED_CREDENTIALS_FILE=self.credentials(
            "credentials-big", BIG_FILE_PROFILES))
        small = self.env(AWS_SHARED_CREDENTIALS_FILE=self.credentials(
            "credentials-small", 0))
        size = f"{BIG_FILE_PROFILES:,}-profile"
        yield Comparison(
            Side(f"aws mfa-switch --profile dev --force, {size} credentials file",
                 self.switch_argv("--profile", "dev"), big),
            Side(f"aws sts assume-role (same parameters), {size} credentials file",
                 self.assume_role_argv(), big),
            goal=1.10)
        yield Comparison(
            Side(f"aws mfa-switch --profile dev, {size} credentials file",
                 self.switch_argv("--profile", "dev"), big),
            Side("aws mfa-switch --profile dev, 1-profile credentials file",
                 self.switch_argv("--profile", "dev"), small),
            note="reference: what the file costs a switch")
        yield Comparison(
            Side(f"aws sts assume-role, {size} credentials file",
                 self.assume_role_argv(), big),
            Side("aws sts assume-role, 1-profile credentials file",
                 self.assume_role_argv(), small),
            note="reference: what the same file costs the CLI alone")

    def credential_process_floor(self):
        """6. credential_process in a regular install vs ``python -c pass`` there."""
        if not os.path.exists(STANDALONE):
            yield Skip("aws-mfa-switch is not installed in this virtualenv")
            return
        python, standalone = self.regular_install()
        env = self.env()
        timed(self.switch_argv("--profile", "dev")(), env)  # something to answer from
        yield Comparison(
            Side("aws-mfa-switch --profile dev --credential-process "
                 "(regular install)", [standalone, "--profile", "dev",
                                       "--credential-process"], env),
            Side("python -c pass (the same interpreter and install)",
                 [python, "-c", "pass"], env),
            goal=2.0, short=True)

    def regular_install(self):
        """A virtualenv with this tree installed as pip installs it for users.

        This virtualenv's install is editable: its finder runs at every
        interpreter start and the package has no bytecode of its own, which
        a user's install has.  The fast path needs nothing but the package.
        """
        folder = self.root / "regular-venv"
        python = folder / "bin" / "python"
        if not python.exists():
            # pip builds it as for a user (setuptools from the package index,
            # as `make` gets it); --no-deps: the fast path needs none.
            for argv in ([sys.executable, "-m", "venv", str(folder)],
                         [str(python), "-m", "pip", "install", "--quiet",
                          "--no-deps", str(REPO)]):
                result = subprocess.run(argv, capture_output=True, text=True,
                                        cwd=self.root)
                if result.returncode != 0:
                    raise CommandFailed(f"{' '.join(argv)}: {result.stderr[-500:]}")
        return str(python), str(folder / "bin" / "aws-mfa-switch")

    def most_roles(self):
        """7. One code for twenty roles vs one role."""
        if "profiles" not in self.features:
            yield Skip("one code for several profiles is not in this build yet")
            return
        env = self.env(AWS_CONFIG_FILE=self.config_with_roles(MOST_ROLES))
        names = [f"role{i}" for i in range(1, MOST_ROLES + 1)]
        yield Comparison(
            Side(f"aws mfa-switch role1 ... role{MOST_ROLES} (one code)",
                 self.switch_argv(*names), env),
            Side("aws mfa-switch --profile role1",
                 self.switch_argv("--profile", "role1"), env),
            goal=1.3)

    def far_sts(self):
        """8. Against an STS 150 ms away: twenty roles on one code vs one role, and one switch vs assume-role."""
        if "profiles" not in self.features:
            yield Skip("one code for several profiles is not in this build yet")
            return
        far = FarSts(FAR_LATENCY).start()
        self.servers.append(far)
        env = self.env(AWS_CONFIG_FILE=self.config_with_roles(MOST_ROLES),
                       AWS_ENDPOINT_URL=far.url)
        names = [f"role{i}" for i in range(1, MOST_ROLES + 1)]
        latency = f"{FAR_LATENCY * 1000:.0f} ms STS"
        yield Comparison(
            Side(f"aws mfa-switch role1 ... role{MOST_ROLES} (one code), "
                 f"{latency}", self.switch_argv(*names), env),
            Side(f"aws mfa-switch --profile role1, {latency}",
                 self.switch_argv("--profile", "role1"), env),
            goal=1.4)
        single = self.env(AWS_ENDPOINT_URL=far.url)
        yield Comparison(
            Side(f"aws mfa-switch --profile dev --token-code ... --force, "
                 f"{latency}", self.switch_argv("--profile", "dev"), single),
            Side(f"aws sts assume-role (same parameters), {latency}",
                 self.assume_role_argv(), single),
            goal=1.05)
        # A renewal from a kept MFA session: role1's credentials count as
        # too short (--min-remaining beyond a chained role's hour), the
        # session made by the twenty-role switch serves it without a code.
        timed(self.switch_argv(*names)(), env)
        renew = [awsenv.AWS, "mfa-switch", "--profile", "role1",
                 "--min-remaining", str(2 * 3600)]
        yield Comparison(
            Side(f"aws mfa-switch --profile role1 from the kept MFA session "
                 f"(no code), {latency}", renew, env),
            Side(f"aws sts assume-role (same parameters), {latency}",
                 self.assume_role_argv(), single),
            note="reference: one AssumeRole either way")

    def exec_mode(self):
        """9. ``--exec -- true`` vs a switch of the same profile; the endpoint's answer."""
        if "exec" not in self.features:
            yield Skip("--exec (issue 23) is not in this build yet")
            return
        env = self.env()
        timed(self.switch_argv("--profile", "dev")(), env)  # kept from now on
        yield Comparison(
            Side("aws mfa-switch --profile dev --exec -- true (kept)",
                 [awsenv.AWS, "mfa-switch", "--profile", "dev", "--exec",
                  "--", "true"], env),
            Side("aws mfa-switch --profile dev (kept)",
                 [awsenv.AWS, "mfa-switch", "--profile", "dev"], env),
            goal=1.15)
        samples = endpoint_answers(env, ENDPOINT_REQUESTS)
        yield Measurement(
            f"the --exec endpoint's answer ({ENDPOINT_REQUESTS} GETs from "
            "the child, a new connection each)", samples, goal=0.005)

    BENCHMARKS = {
        "1": plugin_overhead,
        "2": switch_vs_assume_role,
        "3": credential_process,
        "4": many_roles,
        "5": big_credentials_file,
        "6": credential_process_floor,
        "7": most_roles,
        "8": far_sts,
        "9": exec_mode,
    }


#: Requests the child makes to the endpoint in benchmark 9.
ENDPOINT_REQUESTS = 400

#: The child of benchmark 9: times each GET of the credentials, as an SDK
#: makes it (the URL and token from its environment), and prints them.
ENDPOINT_CLIENT = """\
import http.client, json, os, sys, time, urllib.parse
url = urllib.parse.urlsplit(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
times = []
for _ in range(int(sys.argv[1])):
    start = time.perf_counter()
    connection = http.client.HTTPConnection(url.hostname, url.port)
    connection.request("GET", url.path, headers={"Authorization": token})
    answer = connection.getresponse()
    body = answer.read()
    connection.close()
    times.append(time.perf_counter() - start)
    assert answer.status == 200 and b"AccessKeyId" in body
print(json.dumps(times))
"""


def endpoint_answers(env, count):
    """Seconds per endpoint answer, measured by a real child of ``--exec``."""
    result = subprocess.run(
        [awsenv.AWS, "mfa-switch", "--profile", "dev", "--exec", "--",
         sys.executable, "-c", ENDPOINT_CLIENT, str(count)],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=300, start_new_session=True)
    if result.returncode != 0:
        raise CommandFailed(f"--exec endpoint client: {result.stderr[-500:]}")
    return json.loads(result.stdout)[10:]  # the first few warm up


class Measurement:
    """Samples measured inside a run (seconds); ``goal``: the median's limit."""

    def __init__(self, label, samples, goal=None):
        self.label, self.samples, self.goal = label, samples, goal
        self.note = None


#: Runs of a few dozen milliseconds move by several milliseconds each on a
#: shared machine; comparisons of such commands (``short=True``) run this
#: many times as often, which costs seconds and steadies their medians.
SHORT_RUNS_FACTOR = 5


class Comparison:
    """Side ``a`` against side ``b``; ``goal`` is the ratio a/b to stay under."""

    def __init__(self, a, b, goal=None, note=None, short=False):
        self.a, self.b, self.goal, self.note = a, b, goal, note
        self.short = short

    def runs(self, runs):
        """How many runs per side, given ``--runs``."""
        return runs * SHORT_RUNS_FACTOR if self.short else runs


#: The reason of the :class:`Skip` that stands for a comparison whose command failed.
FAILED = "a command failed"


class Skip:
    """A comparison this build cannot make, and why."""

    def __init__(self, reason):
        self.reason = reason


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


#: Seconds the stand-in for a far STS waits before each answer.
FAR_LATENCY = 0.150


class FarSts(fakests.FakeSts):
    """A stand-in STS that answers every call after ``latency`` seconds.

    Requests are served in threads, so calls made at once wait at once, as
    they would for a far region; every answer is a success of the real
    shape: GetSessionToken, AssumeRole (for whichever role is named) and
    GetCallerIdentity.
    """

    def __init__(self, latency):
        super().__init__()
        # socketserver listens with a backlog of 5: twenty connections
        # opened at once would find it full, and the kernel's retry of a
        # dropped connection (a second) would be measured as STS's time.
        self._server.socket.listen(128)
        self.latency = latency
        self._count = 0

    def _next(self, form, signer=None):
        time.sleep(self.latency)
        with self._lock:
            self.requests.append(form)
            self.signers.append(signer)
            self._count += 1
            number = self._count
        action = form.get("Action")
        key = f"ASIAFARSTS{number:010d}"
        if action == "AssumeRole":
            role = form.get("RoleArn", "").rsplit("/", 1)[-1]
            return fakests.assume_role_response(
                f"arn:aws:sts::123456789012:assumed-role/{role}/bench",
                access_key_id=key)
        if action == "GetSessionToken":
            return fakests.session_token_response(access_key_id=key,
                                                  lifetime=43200)
        return fakests.caller_identity_response()


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
    parser.add_argument("--runs", type=int, default=12,
                        help="measured runs of each side, an even number "
                             "(default 12)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="unmeasured runs of each side first (default 1)")
    parser.add_argument("--only", default="1,2,3,4,5,6,7,8,9",
                        help="comma-separated benchmark numbers (default all)")
    parser.add_argument("--json", metavar="FILE",
                        help="also write every measured run to FILE")
    parser.add_argument("--instructions", action="store_true",
                        help="instead: count the instructions one run of "
                             "each side executes, with valgrind (slow, "
                             "but independent of the machine's load)")
    parser.add_argument("--phases", action="store_true",
                        help="instead: where the time of one switch and of "
                             "one bare assume-role goes (bench/phases.py)")
    args = parser.parse_args(argv)
    args.only = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in args.only if n not in Bench.BENCHMARKS]
    if unknown or args.runs < 2 or args.runs % 2 or args.warmup < 0:
        parser.error("--only takes numbers 1-9; --runs is an even number "
                     ">= 2; --warmup >= 0")
    return args


def compile_package():
    """Write the package's bytecode, as ``pip install`` does.

    The editable install of this virtualenv has none, and with
    PYTHONDONTWRITEBYTECODE set every run would compile our modules anew.
    """
    import compileall

    compileall.compile_dir(str(REPO / "awscli_mfa_plugin"), quiet=1)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    compile_package()
    print(f"Machine: {machine()}")
    print(f"CLI:     {versions()}")
    print(f"Runs:    {args.runs} per side, alternating, after {args.warmup} "
          "warm-up run(s); times are medians in seconds\n")
    server = awsenv.start_moto()
    rows = []
    try:
        endpoint = awsenv.endpoint_of(server)
        account = awsenv.seed_account(endpoint)
        create_extra_roles(endpoint, MOST_ROLES)
        with tempfile.TemporaryDirectory(prefix="mfa-switch-bench-") as root:
            bench = Bench(root, endpoint, account, args)
            if args.phases:
                print_phases(bench, args.runs)
                return 0
            try:
                run_benchmarks(bench, args, rows)
            finally:
                for far in bench.servers:
                    far.stop()
    finally:
        server.stop()
    if not args.instructions:
        print_summary(rows)
    if args.json:
        write_samples(args.json, rows)
    return 1 if any(isinstance(item, Skip) and item.reason == FAILED
                    for _, item in rows) else 0


def run_benchmarks(bench, args, rows):
    """Run the comparisons asked for, appending ``(number, item)`` to ``rows``.

    A comparison whose command fails is reported and left out (a ``Skip``
    saying so); the others still run.
    """
    for number in args.only:
        method = Bench.BENCHMARKS[number]
        print(method.__doc__.split("\n")[0], flush=True)
        try:
            for item in method(bench):
                rows.append((number, item))
                if isinstance(item, Skip):
                    print(f"   skipped: {item.reason}")
                    continue
                if isinstance(item, Measurement):
                    print(f"   {1000 * med(item.samples):7.2f} ms median  "
                          f"{item.label}")
                    continue
                if args.instructions:
                    count_instructions(item)
                    continue
                compare(item.a, item.b, item.runs(args.runs), args.warmup)
                print_pair(item)
        except CommandFailed as error:
            print(f"   failed: {error}")
            rows.append((number, Skip(FAILED)))
        print()


def write_samples(path, rows):
    """Every run's wall and CPU seconds, by benchmark and side."""
    data = [
        {"benchmark": number, "goal": item.goal, "note": item.note,
         "sides": [{"label": side.label, "wall": side.walls, "cpu": side.cpus}
                   for side in (item.a, item.b)]}
        for number, item in rows if isinstance(item, Comparison)
    ]
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"machine": machine(), "comparisons": data}, handle, indent=1)


def print_phases(bench, runs):
    """Medians of bench/phases.py for a switch and for the bare call."""
    script = str(REPO / "bench" / "phases.py")
    commands = {
        "aws mfa-switch --force": lambda: bench.switch_argv(
            "--profile", "dev")()[1:],
        "aws sts assume-role": lambda: bench.assume_role_argv()()[1:],
    }
    samples = {label: [] for label in commands}
    for i in range(runs + 1):  # the first round warms up
        for label, argv in commands.items():
            result = subprocess.run(
                [sys.executable, script, *argv()], env=bench.env(),
                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                timeout=300, start_new_session=True)
            report = json.loads(result.stderr.strip().splitlines()[-1])
            if report["status"] != 0:
                raise CommandFailed(result.stderr[-500:])
            if i:
                samples[label].append(report["phases"])
    names = []
    for runs_of_one in samples.values():
        for phase in runs_of_one[0]:
            if phase not in names:
                names.append(phase)
    labels = list(commands)
    print("| phase (ms, median wall / CPU) | " + " | ".join(labels) + " |")
    print("|---|" + "---|" * len(labels))
    for phase in names:
        cells = []
        for label in labels:
            values = [run[phase] for run in samples[label] if phase in run]
            cells.append("%.0f / %.0f" % (1000 * med([v[0] for v in values]),
                                          1000 * med([v[1] for v in values]))
                         if values else "")
        print(f"| {phase} | " + " | ".join(cells) + " |")


def instructions(side):
    """Instructions one run of ``side`` executes, counted by valgrind.

    Hash randomization is pinned so that two runs count the same to a few
    parts per million.
    """
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
         *side.argv()],
        env={**side.env, "PYTHONHASHSEED": "0"}, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=1800, start_new_session=True)
    if result.returncode != 0:
        raise CommandFailed(f"valgrind {' '.join(side.argv())}: "
                            f"{result.stderr.strip()[-500:]}")
    counts = [line.rsplit(":", 1)[1] for line in result.stderr.splitlines()
              if "Collected :" in line]
    return int(counts[-1])


def count_instructions(item):
    if shutil.which("valgrind") is None:
        raise CommandFailed("--instructions needs valgrind (apt-get install valgrind)")
    timed(item.a.argv(), item.a.env)  # what a first run creates is not counted
    counts = [instructions(side) for side in (item.a, item.b)]
    for side, count in zip((item.a, item.b), counts):
        print(f"   {count:>15,} instructions  {side.label}")
    goal = f"goal <= {item.goal:g}x" if item.goal else item.note or ""
    print(f"   A/B {counts[0] / counts[1]:.4f}x   {goal}")


def paired_ratio(a, b):
    """The median over blocks of two rounds (A B, B A) of sum(a) / sum(b).

    Round i ran a[i] and b[i] back to back, in alternating order; a block
    holds one round of each order.  A last round without a partner is left
    out.
    """
    blocks = range(0, len(a) - 1, 2)
    return med([(a[i] + a[i + 1]) / (b[i] + b[i + 1]) for i in blocks])


def med(values):
    return statistics.median(values)


def print_pair(item):
    for side in (item.a, item.b):
        print(f"   {med(side.walls):7.3f} s wall  {med(side.cpus):7.3f} s CPU  "
              f"{side.label}")
    if item.note:
        print(f"   ({item.note})")
    if item.short:
        print(f"   ({len(item.a.walls)} runs per side: short commands)")


def print_summary(rows):
    print("| # | A: wall / CPU (s) | B: wall / CPU (s) | A/B wall | A/B CPU "
          "| goal | met |")
    print("|---|---|---|---|---|---|---|")
    for number, item in rows:
        if isinstance(item, Skip):
            print(f"| {number} | | | | | | skipped: {item.reason} |")
            continue
        if isinstance(item, Measurement):
            median = med(item.samples)
            print(f"| {number} | {1000 * median:.2f} ms median | | | "
                  f"| <= {1000 * item.goal:g} ms | "
                  f"{'yes' if median <= item.goal else 'no'} |")
            continue
        a, b = item.a, item.b
        wall = paired_ratio(a.walls, b.walls)
        cpu = paired_ratio(a.cpus, b.cpus)
        if item.goal is None:
            goal, met = "reference", ""
        else:
            goal, met = f"<= {item.goal:g}x", "yes" if wall <= item.goal else "no"
        print(f"| {number} | {med(a.walls):.3f} / {med(a.cpus):.3f} "
              f"| {med(b.walls):.3f} / {med(b.cpus):.3f} "
              f"| {wall:.3f}x | {cpu:.3f}x | {goal} | {met} |")


if __name__ == "__main__":
    sys.exit(main())
