"""Where the console opens (``--console-service``, ``--console-destination``,
``--console-region``) and in which browser (``--browser``, ``mfa_browser``).

The browser is a stand-in script that reports, through a FIFO the test
reads, the arguments it was started with (what ``/proc/<pid>/cmdline``
shows other users), the mode of the file it was given and that file.
"""
import html
import os
import shlex
import threading

import pytest

from tests.deliver.test_console import TOKEN, federation, query_of, run  # noqa: F401


def destination_of(result):
    assert result.returncode == 0, result.stderr
    [url] = result.stdout.splitlines()
    return query_of(url)["Destination"]


def test_a_service_in_another_region(aws, federation):
    result = run(aws, federation, "--console-url", "--token-code", aws.code(),
                 "--console-service", "s3", "--console-region", "eu-central-1")
    assert destination_of(result) == (
        "https://eu-central-1.console.aws.amazon.com/s3/home"
        "?region=eu-central-1")


def test_a_console_path_in_the_profiles_region(aws, federation):
    result = run(aws, federation, "--console-url", "--token-code", aws.code(),
                 "--console-destination", "/cloudwatch/home#logsV2:log-groups")
    assert destination_of(result) == (
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home"
        "?region=eu-west-1#logsV2:log-groups")


@pytest.mark.parametrize("args, sentence", [
    (("--console-service", "s3"),
     "--console-service says where the console opens; it goes with "
     "--console or --console-url."),
    (("--console-url", "--browser", "firefox"),
     "--browser says which browser opens the console; it goes with "
     "--console (--console-url prints the link instead)."),
    (("--console", "--console-service", "s3", "--console-destination", "/s3"),
     "--console-service and --console-destination both say where the console "
     "opens; pick one."),
    (("--console", "--console-service", "S3 x"),
     "The console service 'S3 x' is not a service name like s3 or ec2 "
     "(a-z, 0-9 and -)."),
    (("--console", "--console-destination", "//evil.example/x"),
     "The console destination '//evil.example/x' is not a console path; give "
     "one that starts with a single / such as /s3/buckets."),
    (("--console", "--console-region", "Frankfurt"),
     "The console region 'Frankfurt' is not a region name like eu-west-1."),
    (("--console", "--browser", "firefox -P 'work"),
     "The browser command of --browser cannot be read as a command line "
     "(No closing quotation); quote it as a shell would."),
    (("--console", "--browser", ""),
     "The browser command of --browser is empty; name a browser, such as "
     "firefox."),
])
def test_console_options_are_refused_before_any_code(aws, federation, args,
                                                     sentence):
    before = aws.credentials.read_bytes()
    result = run(aws, federation, *args)
    assert (result.returncode, result.stderr) == (252, sentence + "\n")
    assert aws.credentials.read_bytes() == before
    assert federation.sessions == []


def stand_in_browser(tmp_path):
    """A browser script reporting its argv, its file's mode and its file."""
    fifo = tmp_path / "report"
    os.mkfifo(fifo)
    script = tmp_path / "browser"
    script.write_text(
        "#!/bin/sh\n"
        f"exec > {shlex.quote(str(fifo))}\n"
        "printf 'ARGV'; printf ' [%s]' \"$@\"; printf '\\n'\n"
        "for arg; do last=$arg; done\n"
        "path=${last#file://}\n"
        "stat -c 'MODE %a' \"$path\"\n"
        "cat \"$path\"\n")
    script.chmod(0o755)
    report = {}

    def read():
        with open(fifo) as stream:
            report["text"] = stream.read()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return script, reader, report


@pytest.mark.parametrize("how", ["flag", "profile key"])
def test_the_chosen_browser_never_sees_the_url_on_its_command_line(
        aws, federation, tmp_path, how):
    script, reader, report = stand_in_browser(tmp_path)
    command = f"{shlex.quote(str(script))} -P 'work one'"
    args = ["--console", "--token-code", aws.code()]
    if how == "flag":
        args += ["--browser", command]
    else:
        aws.config.write_text(aws.config.read_text().replace(
            "[profile dev]\n", f"[profile dev]\nmfa_browser = {command}\n"))

    result = run(aws, federation, *args)

    assert result.returncode == 0, result.stderr
    reader.join(60)
    argv, mode, page = report["text"].split("\n", 2)
    assert argv.startswith("ARGV [-P] [work one] [file://")
    assert TOKEN not in argv and "federation" not in argv
    assert mode == "MODE 600"
    url_in_page = html.unescape(page.split('content="0;url=')[1].split('"')[0])
    query = query_of(url_in_page)
    assert url_in_page.startswith(federation.url + "?")
    assert query["SigninToken"] == TOKEN and query["Action"] == "login"
    launch = argv.split("[file://")[1].rstrip("]")
    assert os.path.dirname(launch) == str(
        aws.home / ".aws" / "cli" / "mfa-switch" / "console")
    assert os.stat(os.path.dirname(launch)).st_mode & 0o777 == 0o700
    assert "Opened the AWS console as " + aws.account.role_arn in result.stderr


def test_a_browser_that_cannot_be_started_is_a_sentence(aws, federation):
    result = run(aws, federation, "--console", "--token-code", aws.code(),
                 "--browser", "/nonexistent/browser --new-window")
    assert result.returncode == 253
    assert result.stderr.endswith(
        "The browser '/nonexistent/browser' cannot be started (No such file "
        "or directory); check --browser or mfa_browser.\n")
    assert not list((aws.home / ".aws" / "cli" / "mfa-switch" / "console").iterdir())
