"""``aws mfa-switch --exec -- CMD``: real children that outlive their role, one code per session.

The stand-in STS (:class:`tests.fakests.LongJobSts`) issues roles of a few
seconds and MFA sessions a little longer, and refuses every call signed
with an expired key; the code comes from an ``mfa_process`` that counts
how often it was asked.  The children are real: boto3, the AWS CLI v1 of
this virtualenv, and Debian's AWS CLI v2 where it is installed.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time

import pytest

from tests import awsenv, fakests
from tests.conftest import OFFLINE_ACCOUNT

V2 = "/usr/bin/aws"
ROLE_LIFETIME, SESSION_LIFETIME, MARGIN = 4.0, 8.0, 2
JOB_SECONDS = 11

COUNTING_CODES = textwrap.dedent("""\
    import sys
    with open(sys.argv[1], "a") as log:
        log.write("asked\\n")
    with open(sys.argv[1]) as log:
        print(f"{100000 + len(log.readlines()):06d}")
    """)

BOTO3_JOB = textwrap.dedent("""\
    import json, sys, time
    import boto3
    sts = boto3.client("sts")
    ok = failed = 0
    methods = set()
    end = time.monotonic() + float(sys.argv[2])
    while time.monotonic() < end:
        try:
            sts.get_caller_identity()
            ok += 1
        except Exception as error:
            failed += 1
            print(repr(error), file=sys.stderr)
        methods.add(sts._request_signer._credentials.method)
    json.dump({"ok": ok, "failed": failed, "methods": sorted(methods)},
              open(sys.argv[1], "w"))
    """)

CLI_JOB = textwrap.dedent("""\
    import json, subprocess, sys, time
    ok = failed = 0
    end = time.monotonic() + float(sys.argv[3])
    while time.monotonic() < end:
        done = subprocess.run([sys.argv[2], "--endpoint-url", sys.argv[4],
                               "sts", "get-caller-identity"],
                              capture_output=True, text=True)
        if done.returncode == 0:
            ok += 1
        else:
            failed += 1
            print(done.stderr, file=sys.stderr)
    json.dump({"ok": ok, "failed": failed}, open(sys.argv[1], "w"))
    """)


@pytest.fixture
def long_sts():
    server = fakests.LongJobSts(OFFLINE_ACCOUNT.access_key_id,
                                session_lifetime=SESSION_LIFETIME,
                                role_lifetime=ROLE_LIFETIME)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def home(isolated_home, long_sts, tmp_path):
    aws = awsenv.AwsHome(isolated_home, long_sts.url, OFFLINE_ACCOUNT)
    script = tmp_path / "codes.py"
    script.write_text(COUNTING_CODES)
    aws.asked = tmp_path / "asked"
    aws.config.write_text(aws.config.read_text().replace(
        "[profile dev]\n",
        "[profile dev]\n"
        f"mfa_process = {sys.executable} {script} {aws.asked}\n"
        f"mfa_min_remaining = {MARGIN}\n"))
    return aws


def codes_asked(aws):
    return len(aws.asked.read_text().splitlines()) if aws.asked.exists() else 0


def test_children_outlive_their_roles_on_one_code_per_session(home, long_sts,
                                                              tmp_path):
    jobs = [("boto3", [sys.executable, "-c", BOTO3_JOB]),
            ("cli-v1", [sys.executable, "-c", CLI_JOB, "_", awsenv.AWS])]
    if os.path.exists(V2):
        jobs.append(("cli-v2", [sys.executable, "-c", CLI_JOB, "_", V2]))
    script = []
    for name, argv in jobs:
        out = tmp_path / f"{name}.json"
        if argv[-2] == "_":
            argv = argv[:-2] + [str(out), argv[-1], str(JOB_SECONDS),
                                long_sts.url]
        else:
            argv = argv + [str(out), str(JOB_SECONDS)]
        script.append(" ".join(f"'{a}'" for a in argv) + " &")
    # All at once, in one child of one --exec: one endpoint serves them.
    shell = "\n".join(script + ["wait"])
    started = time.monotonic()
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    result = home.run("mfa-switch", "--profile", "dev", "--exec", "--",
                      "sh", "-c", shell, timeout=120,
                      env=home.env(TMPDIR=str(temporary)))
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    for name, _ in jobs:
        outcome = json.loads((tmp_path / f"{name}.json").read_text())
        assert outcome["failed"] == 0, name
        assert outcome["ok"] > 0, name
        if name == "boto3":
            assert outcome["methods"] == ["container-role"]
    calls = long_sts.calls()
    assert calls and all(status == 200 for _, status in calls)
    # No call of a child was signed with anything but a role.
    assert {kind for kind, _ in calls} == {"role"}
    # Roles were renewed many times, codes only for sessions: one at the
    # start and one per session that ended while the job ran.
    sessions = long_sts.count("GetSessionToken")
    assert codes_asked(home) == sessions
    assert long_sts.count("AssumeRole", coded=True) == 0
    assert long_sts.count("AssumeRole") >= JOB_SECONDS // ROLE_LIFETIME
    assert 2 <= sessions <= 1 + int(elapsed // (SESSION_LIFETIME - MARGIN))
    assert list(temporary.iterdir()) == []  # the child's config is gone
    # The run left what any switch leaves: the role and the kept session.
    text = home.credentials.read_text()
    assert "[dev]" in text and "[default-mfa-session]" in text


def test_the_childs_own_options_reach_it(home, long_sts):
    env = home.env(AWS_ENDPOINT_URL=fakests.closed_port_url())
    result = home.run(
        "--endpoint-url", long_sts.url, "mfa-switch", "--profile", "dev",
        "--exec", "--", "aws", "--endpoint-url", long_sts.url, "--region",
        "ap-south-1", "--output", "text", "sts", "get-caller-identity",
        env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\t")[0] == "123456789012"
    (region,) = [region for region, (action, _, _) in zip(
        long_sts.regions, long_sts.log) if action == "GetCallerIdentity"]
    assert region == "ap-south-1"
    assert long_sts.calls() == [("role", 200)]


def test_the_region_is_the_profiles_and_no_key_is_in_the_environment(home):
    printed = ("import json, os; print(json.dumps({k: v for k, v in "
               "os.environ.items() if k.startswith(('AWS_', 'MFA_SWITCH'))}))")
    result = home.run("mfa-switch", "--profile", "dev", "--exec", "--",
                      sys.executable, "-c", printed,
                      env=home.env(AWS_ACCESS_KEY_ID="AKIASHELLKEY",
                                   AWS_PROFILE="dev"))
    assert result.returncode == 0, result.stderr
    env = json.loads(result.stdout)
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == awsenv.REGION
    assert env["MFA_SWITCH_PROFILE"] == "dev"
    assert env["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                 "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        assert name not in env
    assert env["AWS_CONTAINER_CREDENTIALS_FULL_URI"].startswith(
        "http://127.0.0.1:")
    assert OFFLINE_ACCOUNT.secret_access_key not in result.stdout


def test_no_server_puts_fixed_keys_in_the_environment(home, long_sts):
    printed = ("import os; print(os.environ['AWS_ACCESS_KEY_ID'], "
               "os.environ['AWS_CREDENTIAL_EXPIRATION'], "
               "'AWS_CONTAINER_CREDENTIALS_FULL_URI' in os.environ)")
    result = home.run("mfa-switch", "--profile", "dev", "--exec",
                      "--no-server", "--", sys.executable, "-c", printed)
    assert result.returncode == 0, result.stderr
    key, expiration, endpoint = result.stdout.split()
    assert key.startswith("ASIAROLE") and expiration.endswith("Z")
    assert endpoint == "False"


def test_the_exit_status_is_the_commands(home):
    result = home.run("mfa-switch", "--profile", "dev", "--exec", "--",
                      sys.executable, "-c", "import sys; sys.exit(42)")
    assert result.returncode == 42, result.stderr


def test_the_standalone_command_runs_it_too(home, long_sts):
    standalone = str(awsenv.BIN / "aws-mfa-switch")
    result = subprocess.run(
        [standalone, "--profile", "dev", "--exec", "--", "aws", "--output",
         "text", "sts", "get-caller-identity"],
        capture_output=True, text=True, env=home.env(), timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("123456789012\t")
    assert long_sts.calls() == [("role", 200)]


MISTAKES = [
    (("--exec",),
     "--exec needs the command to run after --: aws mfa-switch --profile "
     "NAME --exec -- COMMAND [ARGUMENT...] (the -- keeps the AWS CLI from "
     "taking the command's own options, such as --region).", 252),
    (("--exec", "--", "no-such-command-anywhere"),
     "The command 'no-such-command-anywhere' after --exec was not found on "
     "PATH; check its name, or give its path.", 127),
    (("--", "true"),
     "What follows -- is a command for --exec to run: aws mfa-switch "
     "--profile NAME --exec -- COMMAND [ARGUMENT...].", 252),
    (("--no-server",),
     "--no-server goes with --exec: aws mfa-switch --profile NAME --exec "
     "--no-server ... -- COMMAND [ARGUMENT...].", 252),
    (("--exec", "--exec-port", "99999", "--", "true"),
     "The port '99999' given with --exec-port is not a port number from 1 "
     "to 65535.", 252),
    (("--exec", "--export", "--", "true"),
     "--export and --exec cannot be used together; pick one.", 252),
]


@pytest.mark.parametrize("args, sentence, status", MISTAKES)
def test_mistakes_are_one_sentence_and_change_nothing(home, long_sts, args,
                                                      sentence, status):
    before = home.credentials.read_bytes()
    result = home.run("mfa-switch", "--profile", "dev", *args)
    assert (result.returncode, result.stderr) == (status, sentence + "\n")
    assert home.credentials.read_bytes() == before
    assert long_sts.requests == [] and codes_asked(home) == 0


def test_several_profiles_are_refused(home, long_sts):
    result = home.run("mfa-switch", "dev", "session", "--exec", "--", "true")
    assert (result.returncode, result.stderr) == (
        252, "--exec runs a command with one profile's credentials; name a "
        "single profile with --profile.\n")


def test_a_taken_port_is_refused_before_any_code(home, long_sts):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = home.run("mfa-switch", "--profile", "dev", "--exec",
                          "--exec-port", str(port), "--", "true")
    assert result.returncode == 255
    assert result.stderr == (
        f"The port {port} on 127.0.0.1 that --exec-port asks for its "
        "credentials endpoint cannot be used (Address already in use); "
        "choose another port, or leave --exec-port out to take a free one.\n")
    assert long_sts.requests == [] and codes_asked(home) == 0


def test_the_child_never_signs_with_the_long_term_key_even_when_asked(
        home, long_sts):
    # The profile default holds the long-term keys; the child is kept from
    # them even when it names that profile.
    result = home.run("mfa-switch", "--profile", "dev", "--exec", "--",
                      "aws", "--profile", "default", "sts",
                      "get-caller-identity")
    assert result.returncode == 0, result.stderr
    assert long_sts.calls() == [("role", 200)]


@pytest.mark.skipif(not os.path.exists(V2) or shutil.which("sh") is None,
                    reason="Debian's AWS CLI v2 (/usr/bin/aws) is not "
                           "installed here")
def test_a_v2_child_uses_the_endpoint(home, long_sts):
    result = home.run("mfa-switch", "--profile", "dev", "--exec", "--", V2,
                      "--endpoint-url", long_sts.url, "sts",
                      "get-caller-identity")
    assert result.returncode == 0, result.stderr
    assert long_sts.calls() == [("role", 200)]


def test_every_mistake_has_its_row_in_the_catalogue():
    from tests.test_errors_e2e import catalogue_rows

    rows = catalogue_rows()
    for _, sentence, status in MISTAKES:
        shown = sentence.replace("no-such-command-anywhere", "")
        assert any(shown.split("'")[0] in row and f"| {status} |" in row
                   for row in rows), sentence


FAILING_SECOND_CODE = textwrap.dedent("""\
    import sys
    with open(sys.argv[1], "a") as log:
        log.write("asked\\n")
    with open(sys.argv[1]) as log:
        if len(log.readlines()) > 1:
            sys.exit("the device is gone")
    print("100001")
    """)

UNTIL_FAILURE = textwrap.dedent("""\
    import sys, time
    import boto3
    sts = boto3.client("sts")
    end = time.monotonic() + 30
    while time.monotonic() < end:
        try:
            sts.get_caller_identity()
        except Exception:
            sys.exit(3)
    """)


def test_a_failed_renewal_is_said_and_the_command_decides(home, long_sts,
                                                          tmp_path):
    script = tmp_path / "failing.py"
    script.write_text(FAILING_SECOND_CODE)
    home.config.write_text(re.sub(
        r"mfa_process = .*\n",
        f"mfa_process = {sys.executable} {script} {home.asked}\n",
        home.config.read_text()))
    result = home.run("mfa-switch", "--profile", "dev", "--exec", "--",
                      sys.executable, "-c", UNTIL_FAILURE)
    assert result.returncode == 3
    # (The mfa_process's own message goes to the terminal, as always.)
    assert "\nCould not renew the credentials of 'dev' for the command: " \
        "The mfa_process command " in result.stderr
    assert codes_asked(home) >= 2
    assert all(kind == "role" for kind, _ in long_sts.calls())
