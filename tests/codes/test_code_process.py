"""The ``mfa_process`` code source: a command whose stdout is the code."""
import io
import shlex
import sys
from pathlib import Path

import pytest

from awscli_mfa_plugin.environment import Environment
from awscli_mfa_plugin.errors import CodeProcessError, UsageError
from awscli_mfa_plugin.codes.providers import obtain_code, run_code_process
from tests.codes.test_providers import FakePrompter, Tty

REPO = Path(__file__).resolve().parent.parent.parent
PY = shlex.quote(sys.executable)


def env(stdin=None):
    return Environment(stdin=stdin or io.StringIO(), stdout=io.StringIO(),
                       stderr=io.StringIO(), environ={"LANG": "C"})


def script(tmp_path, body, name="code.py"):
    path = tmp_path / name
    path.write_text(body)
    return f"{PY} {shlex.quote(str(path))}"


def totp_script(tmp_path, seed):
    """A stand-in for ``ykman oath accounts code``: prints the device's code."""
    return script(tmp_path, (
        "import sys\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "from tests.awsenv import totp\n"
        f"print(totp(bytes.fromhex({seed.hex()!r})))\n"), "totp.py")


class TestOrder:
    def test_flag_wins_over_the_process(self, tmp_path):
        command = script(tmp_path, "print('222222')")
        assert obtain_code("111111", env(), FakePrompter(), "d", command) == "111111"

    def test_process_wins_over_a_pipe_and_a_prompt(self, tmp_path):
        command = script(tmp_path, "print('222 222')")
        prompter = FakePrompter()
        assert obtain_code(None, env(io.StringIO("333333\n")), prompter, "d",
                           command) == "222222"
        assert obtain_code(None, env(Tty()), prompter, "d", command) == "222222"
        assert prompter.asked == []


class TestFailures:
    def test_non_zero_exit(self, tmp_path):
        command = script(tmp_path, "import sys; print('123456'); sys.exit(3)")
        with pytest.raises(CodeProcessError, match="exit status 3"):
            run_code_process(command, env())

    def test_not_found(self):
        with pytest.raises(CodeProcessError, match="'no-such-ykman' was not found"):
            run_code_process("no-such-ykman oath accounts code", env())

    def test_not_executable(self, tmp_path):
        target = tmp_path / "plain.txt"
        target.write_text("print(1)")
        with pytest.raises(CodeProcessError, match="cannot be run"):
            run_code_process(str(target), env())

    def test_timeout(self, tmp_path):
        command = script(tmp_path, "import time; time.sleep(30)")
        with pytest.raises(CodeProcessError, match="within 1 seconds"):
            run_code_process(command, env(), timeout=1)

    @pytest.mark.parametrize("output", ["12345", "1234567", "code: 123456",
                                        "", "123456\n654321"])
    def test_malformed_output(self, tmp_path, output):
        command = script(tmp_path, f"print({output!r})")
        with pytest.raises(UsageError, match="mfa_process"):
            run_code_process(command, env())

    def test_unbalanced_quotes(self):
        with pytest.raises(CodeProcessError, match="quotes"):
            run_code_process("ykman 'oath", env())

    def test_no_shell_is_involved(self, tmp_path):
        """Shell syntax reaches the program as plain arguments."""
        command = script(tmp_path, "import sys; print(sys.argv[1:])") + " ; echo 123456"
        with pytest.raises(UsageError):
            run_code_process(command, env())


class TestThroughTheCli:
    def test_code_from_the_profiles_process(self, aws, tmp_path):
        with open(aws.config, "a") as config:
            config.write(f"mfa_process = {totp_script(tmp_path, aws.account.mfa_seed)}\n")
        result = aws.run("mfa-switch", "--profile", "session", input="")
        assert result.returncode == 0, result.stderr
        assert "[session]" in aws.credentials.read_text()

    def test_process_on_the_source_profile(self, aws, tmp_path):
        aws.config.write_text(aws.config.read_text().replace(
            "[default]\n",
            f"[default]\nmfa_process = {totp_script(tmp_path, aws.account.mfa_seed)}\n"))
        result = aws.run("mfa-switch", "--profile", "dev", input="")
        assert result.returncode == 0, result.stderr
        assert "assumed-role/AccessToTestDev/alice" in result.stderr

    def test_failing_process_is_one_sentence_and_nothing_changes(self, aws, tmp_path):
        command = script(tmp_path, "import sys; sys.exit(2)", "fail.py")
        with open(aws.config, "a") as config:
            config.write(f"mfa_process = {command}\n")
        before = aws.credentials.read_bytes()
        result = aws.run("mfa-switch", "--profile", "session",
                         input=aws.code() + "\n")
        assert result.returncode == 253
        assert result.stderr.count("\n") == 1
        assert "exit status 2" in result.stderr
        assert aws.credentials.read_bytes() == before


class TestBackgroundChildren:
    """A command may leave a child running that holds its standard output."""

    @pytest.fixture
    def pidfile(self, tmp_path):
        path = tmp_path / "background.pid"
        yield path
        if path.exists():  # the background child must not outlive the test
            import os
            import signal

            try:
                os.kill(int(path.read_text()), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass

    def lingering(self, code, pidfile):
        """``sh -c`` that prints the code and leaves ``sleep`` holding stdout."""
        return ("sh -c " + shlex.quote(
            f"echo {code}; sleep 300 2>/dev/null & echo $! > {pidfile}"))

    def test_the_code_is_taken_without_waiting_for_the_child(self, tmp_path, pidfile):
        import time

        started = time.monotonic()
        assert run_code_process(self.lingering("123456", pidfile), env()) == "123456"
        assert time.monotonic() - started < 10
        assert pidfile.exists()

    def test_through_the_cli(self, offline_aws, fake_sts, pidfile):
        import time

        from tests import fakests

        aws = offline_aws
        fake_sts.answer(fakests.session_token_response(),
                        fakests.caller_identity_response())
        with open(aws.config, "a") as config:  # into [profile session]
            config.write(f"mfa_process = {self.lingering('918273', pidfile)}\n")
        started = time.monotonic()
        # The old way waited for the end of the output: 60 s, then "no code".
        result = aws.run("mfa-switch", "--profile", "session", input="",
                         timeout=40)
        assert result.returncode == 0, result.stderr
        assert time.monotonic() - started < 20
        assert "now uses" in result.stderr
        assert fake_sts.requests[0]["TokenCode"] == "918273"


def test_a_code_that_never_reached_sts_is_not_spent(aws):
    """Connection refused: the code went nowhere, so the same code may be
    sent again once the network is back (it is not 'already used')."""
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    code = aws.code()
    for _ in range(2):
        # One attempt: botocore's retries of a refused connection only wait.
        result = aws.run("mfa-switch", "--profile", "dev", "--token-code", code,
                         "--endpoint-url", closed,
                         env=aws.env(AWS_MAX_ATTEMPTS="1"))
        assert result.returncode == 255, result.stderr
        assert "Could not reach STS" in result.stderr
    # And against the real endpoint the same code still works.
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", code)
    assert result.returncode == 0, result.stderr
