"""``aws-mfa-switch``: the standalone command and its credential_process fast path."""
import configparser
import json
import re
import subprocess
import sys

import pytest

from tests.awsenv import BIN
from tests.test_plugin import plain

STANDALONE = str(BIN / "aws-mfa-switch")
HEAVY = ("botocore", "awscli", "prompt_toolkit")


def run_standalone(aws, *args, env=None, input=""):
    """Run ``aws-mfa-switch``, without a controlling terminal to prompt on."""
    return subprocess.run([STANDALONE, *args], input=input, capture_output=True,
                          text=True, env=env or aws.env(), timeout=120,
                          start_new_session=True)


def switch(aws, profile="dev"):
    result = aws.run("mfa-switch", "--profile", profile, "--token-code", aws.code())
    assert result.returncode == 0, result.stderr


def stored_section(aws, name="dev"):
    parser = configparser.RawConfigParser()
    parser.read(aws.credentials)
    return dict(parser.items(name))


def same_but_the_minute(ours, theirs):
    """Equal but for the minutes left, which two runs may round apart."""
    def without(text):
        return re.sub(r"\b\d+h\d\dm from now", "_ from now", text)
    return without(ours) == without(theirs)


def modules_after_main(aws, *args, env=None):
    """Run ``standalone.main(args)`` in a fresh interpreter.

    Returns (exit status, stdout, the heavy top-level packages it imported).
    """
    code = (
        "import json, sys\n"
        "from awscli_mfa_plugin import standalone\n"
        f"status = standalone.main({list(args)!r})\n"
        f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})\n"
        "print(json.dumps({'status': status, 'heavy': heavy}), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True,
                            text=True, env=env or aws.env(), timeout=120,
                            start_new_session=True)
    report = json.loads(result.stderr.strip().splitlines()[-1])
    return report["status"], result.stdout, report["heavy"]


class TestFastPath:
    def test_a_real_aws_call_uses_it_as_credential_process(self, aws):
        switch(aws)
        with aws.config.open("a") as config:
            config.write(
                "\n[profile via-process]\n"
                f"credential_process = {STANDALONE} --profile dev "
                "--credential-process\n"
                "region = eu-west-1\n")
        result = aws.run("sts", "get-caller-identity", "--profile", "via-process")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["Arn"].endswith(
            ":assumed-role/AccessToTestDev/alice")

    def test_prints_version_1_json_of_the_stored_credentials(self, aws):
        switch(aws)
        section = stored_section(aws)
        result = run_standalone(aws, "--profile", "dev", "--credential-process")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == {
            "Version": 1,
            "AccessKeyId": section["aws_access_key_id"],
            "SecretAccessKey": section["aws_secret_access_key"],
            "SessionToken": section["aws_session_token"],
            "Expiration": section["expiration"],
        }

    @pytest.mark.parametrize("args", [
        ("--profile", "dev", "--credential-process"),
        ("dev", "--credential-process"),
    ])
    def test_says_and_prints_what_aws_mfa_switch_does(self, aws, args):
        switch(aws)
        ours = run_standalone(aws, *args)
        theirs = aws.run("mfa-switch", *args)
        assert ours.returncode == theirs.returncode == 0
        assert ours.stdout == theirs.stdout
        # Silent on success: Terraform shows a credential process's stderr.
        assert ours.stderr == theirs.stderr == ""

    @pytest.mark.parametrize("args", [
        ("--profile", "dev", "--credential-process"),
        ("dev", "--credential-process"),
    ])
    def test_imports_no_botocore_awscli_or_prompt_toolkit(self, aws, args):
        switch(aws)
        status, out, heavy = modules_after_main(aws, *args)
        assert (status, heavy) == (0, [])
        assert json.loads(out)["Version"] == 1

    def test_the_answer_loads_no_module_it_does_not_need(self, aws):
        """What used to make the answer cost four times ``python -c pass``:
        dataclasses (with inspect, ast, dis), json, typing, shlex, and
        strptime's locale machinery.  Measured in bench/ (comparison 6)."""
        switch(aws)
        unneeded = ("dataclasses", "inspect", "ast", "dis", "json", "typing",
                    "shlex", "_strptime", "locale", "calendar")
        code = (
            "import sys\n"
            "from awscli_mfa_plugin import standalone\n"
            "status = standalone.main(['--profile', 'dev', '--credential-process'])\n"
            f"loaded = sorted(m for m in {unneeded!r} if m in sys.modules)\n"
            "sys.stderr.write(repr((status, loaded)) + '\\n')\n"
        )
        result = subprocess.run([sys.executable, "-c", code],
                                capture_output=True, text=True, env=aws.env(),
                                timeout=120, start_new_session=True)
        assert result.stderr.strip().splitlines()[-1] == "(0, [])"
        assert json.loads(result.stdout)["Version"] == 1

    def test_profile_from_the_environment_and_target_profile(self, aws):
        result = aws.run("mfa-switch", "--profile", "dev", "--token-code",
                         aws.code(), "--target-profile", "dev-session")
        assert result.returncode == 0, result.stderr
        env = aws.env(AWS_PROFILE="dev")
        status, out, heavy = modules_after_main(
            aws, "--target-profile", "dev-session", "--credential-process",
            env=env)
        assert (status, heavy) == (0, [])
        assert json.loads(out)["AccessKeyId"] == \
            stored_section(aws, "dev-session")["aws_access_key_id"]

    def test_credentials_file_variable_is_honoured(self, aws, tmp_path):
        creds = tmp_path / "elsewhere"
        aws.credentials.rename(creds)
        env = aws.env(AWS_SHARED_CREDENTIALS_FILE=str(creds))
        result = aws.run("mfa-switch", "--profile", "dev", "--token-code",
                         aws.code(), env=env)
        assert result.returncode == 0, result.stderr
        status, out, heavy = modules_after_main(
            aws, "--profile", "dev", "--credential-process", env=env)
        assert (status, heavy) == (0, [])


class TestFullPath:
    """What the fast path cannot answer runs ``aws mfa-switch`` itself."""

    # ----------------------------------------------------------------
    # A plain switch and --export, when the stored credentials will do
    # ----------------------------------------------------------------

    KEPT_ARGS = [
        ("--profile", "dev"),
        ("dev",),
        ("--profile", "dev", "--export"),
        ("--export", "fish", "--profile", "dev"),
        ("--profile", "dev", "--export=powershell", "--region", "us-west-2"),
        ("dev", "--export", "zsh", "--min-remaining", "600"),
    ]

    @pytest.mark.parametrize("args", KEPT_ARGS)
    def test_a_kept_switch_answers_as_the_full_command_does(self, aws, args):
        switch(aws)
        env = aws.env(AWS_DEFAULT_REGION="eu-central-1") if "zsh" in args else aws.env()
        ours = run_standalone(aws, *args, env=env)
        theirs = aws.run("mfa-switch", *args, env=env)
        assert ours.returncode == theirs.returncode == 0, ours.stderr + theirs.stderr
        assert ours.stdout == theirs.stdout
        assert same_but_the_minute(ours.stderr, theirs.stderr)
        assert "keeps its credentials for" in ours.stderr
        assert ("export" in " ".join(args)) == bool(ours.stdout)

    @pytest.mark.parametrize("args", KEPT_ARGS)
    def test_a_kept_switch_imports_no_botocore_awscli_or_prompt_toolkit(self, aws, args):
        switch(aws)
        status, out, heavy = modules_after_main(aws, *args)
        assert (status, heavy) == (0, [])

    @pytest.mark.parametrize("args", [
        ("--profile", "dev", "--force", "--token-code"),
        ("--profile", "dev", "--min-remaining", "7200", "--token-code"),
        ("--profile", "dev", "--target-profile", "elsewhere", "--token-code"),
    ])
    def test_what_the_fast_path_cannot_decide_loads_the_cli(self, aws, args):
        switch(aws)
        _, _, heavy = modules_after_main(aws, *args, aws.code())
        assert "awscli" in heavy

    def test_nothing_stored_loads_the_cli(self, aws):
        # With a code at hand (no terminal here to ask for one).
        _, out, heavy = modules_after_main(
            aws, "--profile", "dev", "--credential-process",
            "--token-code", aws.code())
        assert "awscli" in heavy

    def test_nothing_stored_switches_and_prints_the_json(self, aws):
        result = run_standalone(aws, "--profile", "dev", "--credential-process",
                                "--token-code", aws.code())
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["AccessKeyId"] == \
            stored_section(aws)["aws_access_key_id"]
        assert result.stderr == ""

    def test_too_little_time_left_loads_the_cli(self, aws):
        switch(aws)
        _, _, heavy = modules_after_main(
            aws, "--profile", "dev", "--credential-process",
            "--min-remaining", "7200", "--token-code", aws.code())
        assert "awscli" in heavy

    def test_an_option_it_does_not_know_loads_the_cli(self, aws):
        switch(aws)
        _, _, heavy = modules_after_main(
            aws, "--profile", "dev", "--credential-process", "--debug")
        assert "awscli" in heavy

    def test_switches_without_the_plugin_enabled(self, aws):
        aws.config.write_text(aws.config.read_text().replace(
            "[plugins]\nmfa_switch = awscli_mfa_plugin\n", ""))
        assert "plugins" not in aws.config.read_text()
        result = run_standalone(aws, "--profile", "dev",
                                "--token-code", aws.code())
        assert result.returncode == 0, result.stderr
        assert "assumed-role/AccessToTestDev/alice" in result.stderr
        assert result.stdout == ""
        who = aws.run("sts", "get-caller-identity", "--profile", "dev")
        assert json.loads(who.stdout)["Arn"].endswith(
            ":assumed-role/AccessToTestDev/alice")

    def test_works_with_the_plugin_enabled_too(self, aws):
        result = run_standalone(aws, "--profile", "dev",
                                "--token-code", aws.code())
        assert result.returncode == 0, result.stderr
        assert stored_section(aws)["managed_by"] == "mfa-switch"

    def test_errors_are_those_of_aws_mfa_switch(self, aws):
        args = ("--profile", "nosuch", "--token-code", "123456")
        ours = run_standalone(aws, *args)
        theirs = aws.run("mfa-switch", *args)
        assert ours.returncode == theirs.returncode != 0
        assert ours.stderr == theirs.stderr
        assert "nosuch" in ours.stderr and "Traceback" not in ours.stderr

    def test_help_is_the_cli_man_page(self, aws):
        result = run_standalone(aws, "help",
                                env=aws.env(PAGER="cat", MANPAGER="cat"))
        assert result.returncode == 0, result.stderr
        text = plain(result.stdout)
        for option in ("--role-arn", "--token-code", "--target-profile"):
            assert option in text

    def test_an_unparsable_config_is_one_sentence(self, aws):
        aws.config.write_text("[default]\nregion = eu-west-1\ngarbage line\n")
        result = run_standalone(aws, "--profile", "dev",
                                "--token-code", "123456")
        assert result.returncode != 0
        assert "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1
        assert "garbage" not in result.stderr


class TestVersion:
    def test_names_this_command_and_the_aws_cli(self, aws):
        result = run_standalone(aws, "--version")
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        version = re.fullmatch(
            r"aws-mfa-switch (\S+) \(aws-cli/(1\.\S+) botocore/\S+ "
            r"Python/\S+\)\n", result.stdout)
        assert version, result.stdout
        import awscli_mfa_plugin
        assert version.group(1) == awscli_mfa_plugin.__version__
        cli = aws.run("--version")
        assert f"aws-cli/{version.group(2)} " in cli.stdout + cli.stderr

    def test_wherever_it_stands(self, aws):
        result = run_standalone(aws, "--profile", "dev", "--version")
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("aws-mfa-switch ")

    def test_does_not_start_the_cli(self, aws):
        code = (
            "import sys\n"
            "from awscli_mfa_plugin import standalone\n"
            "status = standalone.main(['--version'])\n"
            "print(status, sorted(m for m in ('awscli.clidriver', "
            "'botocore.session', 'prompt_toolkit') if m in sys.modules), "
            "file=sys.stderr)\n")
        result = subprocess.run([sys.executable, "-c", code], capture_output=True,
                                text=True, env=aws.env(), timeout=120)
        assert result.stderr.strip() == "0 []", result.stderr


class TestConfigOfOtherSetups:
    def test_works_with_the_aws_cli_v2_plugin_path_in_the_config(self, aws):
        """The installer writes cli_legacy_plugin_path for AWS CLI v2 users;
        AWS CLI v1 takes it for a plugin and fails on every command."""
        aws.config.write_text(aws.config.read_text().replace(
            "[plugins]\n",
            f"[plugins]\ncli_legacy_plugin_path = {BIN.parent}\n", 1))
        assert aws.run("sts", "get-caller-identity").returncode != 0
        result = run_standalone(aws, "--profile", "dev",
                                "--token-code", aws.code())
        assert result.returncode == 0, result.stderr
        assert stored_section(aws)["managed_by"] == "mfa-switch"

    def test_a_plugin_that_cannot_be_imported_is_one_sentence(self, aws):
        aws.config.write_text(aws.config.read_text().replace(
            "[plugins]\n", "[plugins]\nbroken = no_such_module_anywhere\n", 1))
        result = run_standalone(aws, "--profile", "dev",
                                "--token-code", aws.code())
        assert result.returncode == 253
        assert "no_such_module_anywhere" in result.stderr
        assert "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1
