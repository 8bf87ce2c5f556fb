"""Registration: lazy, harmless to other commands, and a real help page."""
import json
import re
import subprocess
import sys

from tests.awsenv import AWS

def plain(text):
    """Drop the man page's overstrike (bold/underline) sequences."""
    return re.sub(r".\x08", "", text)


HEAVY = ("prompt_toolkit", "awscli_mfa_plugin.command",
         "awscli_mfa_plugin.sts.calls", "awscli_mfa_plugin.codes.providers")


def test_loading_the_plugin_and_building_the_command_table_is_light():
    code = (
        "import sys\n"
        "from botocore.hooks import HierarchicalEmitter\n"
        "import awscli_mfa_plugin\n"
        "hooks = HierarchicalEmitter()\n"
        "awscli_mfa_plugin.awscli_initialize(hooks)\n"
        "table = {}\n"
        "hooks.emit('building-command-table.main', command_table=table,"
        " session=None, command_object=None)\n"
        "assert 'mfa-switch' in table\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "[]"


def test_help_page_is_generated_by_the_cli(aws):
    result = aws.run("mfa-switch", "help", env=aws.env(PAGER="cat", MANPAGER="cat"))
    assert result.returncode == 0, result.stderr
    text = plain(result.stdout)
    assert "MFA device" in text
    for option in ("--role-arn", "--serial-number", "--source-profile",
                   "--duration-seconds", "--role-session-name",
                   "--external-id", "--token-code", "--target-profile"):
        assert option in text


def test_other_commands_still_work_with_the_plugin_enabled(aws):
    result = aws.run("sts", "get-caller-identity")
    assert result.returncode == 0, result.stderr
    assert aws.account.user_arn in result.stdout


def test_command_is_listed_in_the_main_help(aws):
    result = aws.run("help", env=aws.env(PAGER="cat", MANPAGER="cat"))
    assert result.returncode == 0
    assert "o mfa-switch" in plain(result.stdout)


def test_without_the_plugin_there_is_no_command(aws):
    aws.config.write_text(aws.config.read_text().replace(
        "mfa_switch = awscli_mfa_plugin", ""))
    result = aws.run("mfa-switch", "--profile", "dev", "--token-code", "123456")
    assert result.returncode != 0
    assert "Invalid choice" in result.stderr or "invalid choice" in result.stderr


def test_an_unrelated_command_run_by_the_cli_loads_nothing_of_ours(aws):
    """A whole ``aws sts get-caller-identity`` with the plugin enabled: only
    the registration module of the package may be imported."""
    code = (
        "import json, sys\n"
        "import awscli.clidriver\n"
        "status = awscli.clidriver.create_clidriver().main("
        "['sts', 'get-caller-identity'])\n"
        "loaded = sorted(m for m in sys.modules\n"
        "    if m.split('.')[0] in ('awscli_mfa_plugin', 'prompt_toolkit'))\n"
        "print(json.dumps({'status': status, 'loaded': loaded}),"
        " file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True,
                            text=True, env=aws.env(), timeout=120)
    assert aws.account.user_arn in result.stdout, result.stderr
    report = json.loads(result.stderr.strip().splitlines()[-1])
    assert report == {"status": 0, "loaded": ["awscli_mfa_plugin"]}
