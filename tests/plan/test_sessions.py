"""The keep-or-renew decision, the minimum remaining time, and the listing table."""
import datetime
import io
import subprocess
import sys

import pytest

from awscli_mfa_plugin.codes.source import process_code_source
from awscli_mfa_plugin.plan import keep as sessions
from awscli_mfa_plugin.environment import Environment
from awscli_mfa_plugin.errors import UsageError
from awscli_mfa_plugin.pipeline.listing import Row, render_table

UTC = datetime.timezone.utc
EXPIRES = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
SECTION = ("[dev]\naws_access_key_id = ASIAEXAMPLE\naws_secret_access_key = sek\n"
           "aws_session_token = tok\nexpiration = 2030-01-02T03:04:05Z\n"
           "managed_by = mfa-switch\n")


@pytest.fixture
def credentials(tmp_path):
    path = tmp_path / "credentials"
    path.write_text(SECTION)
    return path


def keep(credentials, at, minimum, names=("dev",), **request):
    from awscli_mfa_plugin.files import inifile
    from awscli_mfa_plugin.plan import planner
    from awscli_mfa_plugin.plan.recipe import Recipe
    from awscli_mfa_plugin.request.parse import Request

    found = [planner.Target(Recipe(n, n, "default", None)) for n in names]
    kept, _ = planner.keep(
        found, Request(names=names, selected_profile="dev",
                       min_remaining=str(minimum), **request),
        {}, inifile.read_sections(credentials), None, at)
    return [item.credentials for item in kept]


def test_kept_only_with_more_than_the_minimum_left(credentials):
    at = EXPIRES - datetime.timedelta(seconds=300)
    assert keep(credentials, at, 300) == []
    assert keep(credentials, at, 299)[0].access_key_id == "ASIAEXAMPLE"
    assert keep(credentials, at, 0, names=("prod",)) == []
    assert keep(credentials, at, 0, force=True) == []


def test_flag_beats_profile_key_beats_default():
    assert sessions.min_remaining("10", {"mfa_min_remaining": "20"}) == 10
    assert sessions.min_remaining(None, {"mfa_min_remaining": "20"}) == 20
    assert sessions.min_remaining(None, {"mfa_min_remaining": " "}) == 300
    assert sessions.min_remaining(None, None, for_process=True) == 900
    with pytest.raises(UsageError, match="mfa_min_remaining"):
        sessions.min_remaining(None, {"mfa_min_remaining": "5m"})


def env_with_terminal(opened):
    return Environment(io.StringIO(), io.StringIO(), io.StringIO(), {},
                       open_terminal=lambda: opened.append(1))


def test_process_mode_without_a_terminal_refuses_with_what_to_do():
    opened = []
    with pytest.raises(UsageError) as error:
        with process_code_source(env_with_terminal(opened), object,
                                          None, "dev"):
            pass
    assert opened == [1]
    assert "run 'aws mfa-switch --profile dev' in a terminal" in str(error.value)


def test_process_mode_with_a_given_code_opens_no_terminal():
    opened = []
    env = env_with_terminal(opened)
    with process_code_source(env, object, "123456", "dev") as (got, _):
        assert got is env
    assert opened == []


def test_the_controlling_terminal_is_none_in_a_session_without_one():
    code = ("from awscli_mfa_plugin.environment import open_controlling_terminal\n"
            "print(open_controlling_terminal())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True, start_new_session=True).stdout
    assert out.strip() == "None"


def test_table_columns_line_up():
    text = render_table([
        Row("dev", "arn:aws:iam::2:role/R", "default", "1h00m"),
        Row("session-long-name", "session token", "base", "never switched"),
    ])
    lines = text.splitlines()
    assert lines == [
        "PROFILE            ROLE                   SOURCE   LEFT",
        "dev                arn:aws:iam::2:role/R  default  1h00m",
        "session-long-name  session token          base     never switched",
    ]


def test_the_modules_a_standalone_fast_path_shares_load_only_the_stdlib():
    code = (
        "import sys\n"
        "import awscli_mfa_plugin.plan.keep, awscli_mfa_plugin.deliver.shells\n"
        "heavy = ('botocore', 'awscli', 'prompt_toolkit', 'dateutil')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "[]"
