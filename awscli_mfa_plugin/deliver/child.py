"""The child of ``--exec``: its environment, the config it reads, and its run.

The child must use the switched credentials and nothing else.  Clearing
``AWS_ACCESS_KEY_ID`` and friends is not enough: every SDK reads the shared
files *before* the container endpoint (botocore: environment, role
profiles, SSO, ``~/.aws/credentials``, ``credential_process``, keys in
``~/.aws/config``, boto2's files, then the container), so the long-term
keys of ``[default]`` would win.  The child therefore gets

* ``AWS_SHARED_CREDENTIALS_FILE`` = the null device: no credentials file;
* ``AWS_CONFIG_FILE`` = a copy of the user's config without any key that
  yields credentials (:data:`CREDENTIAL_KEYS`, ``[sso-session]`` sections),
  so regions, retry modes, S3 settings and the like still apply; it lives
  in a private temporary folder removed when the child ends;
* ``BOTO_CONFIG`` = the null device (boto2's ``~/.boto``, which botocore
  still reads), and no ``AWS_CREDENTIAL_FILE``;
* no ``AWS_PROFILE``, ``AWS_DEFAULT_PROFILE``, web identity or container
  variables of its own;
* the region of the profile (``AWS_REGION``, ``AWS_DEFAULT_REGION``) and
  ``MFA_SWITCH_PROFILE`` (for shell prompts and scripts);
* the credentials: the endpoint's URL and token (the SDKs renew from it),
  or, for tools that read only variables, the keys themselves with
  ``AWS_CREDENTIAL_EXPIRATION`` (fixed: they end with the role).

The child shares the terminal, standard streams and process group of the
command, so Ctrl-C at the terminal reaches it directly; signals sent to
the command alone are passed on (:func:`run`).
"""
import os
import re
import shutil
import signal
import subprocess
import tempfile

from awscli_mfa_plugin.errors import ChildCommandError

#: Variables that carry credentials or say where to find them.
CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "AWS_ACCOUNT_ID",
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_CREDENTIAL_FILE",
    "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "BOTO_CONFIG",
)

#: Config keys from which an SDK makes credentials (static keys, processes,
#: roles, web identity, SSO, ``aws login``).
CREDENTIAL_KEYS = frozenset({
    "aws_access_key_id", "aws_secret_access_key", "aws_session_token",
    "aws_security_token", "credential_process", "role_arn", "source_profile",
    "credential_source", "web_identity_token_file", "mfa_serial",
    "sso_session", "sso_start_url", "sso_account_id", "sso_role_name",
    "sso_region", "login_session",
})

#: The variable that names the profile in the child.
PROFILE_VARIABLE = "MFA_SWITCH_PROFILE"

_SECTION = re.compile(r"^\s*\[([^\]]*)\]")


def child_config(text):
    """``text`` (an AWS config file) without what yields credentials.

    >>> print(child_config("[default]\\nregion = x\\naws_access_key_id = AKIA\\n"
    ...                    "[sso-session s]\\nsso_region = y\\n"
    ...                    "[profile p]\\ncredential_process = c\\ns3 =\\n"
    ...                    "  max_concurrent_requests = 4\\n"), end="")
    [default]
    region = x
    [profile p]
    s3 =
      max_concurrent_requests = 4
    """
    out, skip_section, skip_block = [], False, False
    for line in text.splitlines(keepends=True):
        header = _SECTION.match(line)
        if header:
            words = header.group(1).split()
            skip_section = bool(words) and words[0] == "sso-session"
            skip_block = False
            if not skip_section:
                out.append(line)
            continue
        if skip_section:
            continue
        stripped = line.strip()
        if line[:1] in " \t" and stripped:
            if not skip_block:  # a nested setting or a continued value
                out.append(line)
            continue
        if stripped and stripped[0] not in "#;":
            key = re.split(r"[=:]", stripped, maxsplit=1)[0].strip().lower()
            skip_block = key in CREDENTIAL_KEYS
            if skip_block:
                continue
        else:
            skip_block = False
        out.append(line)
    return "".join(out)


class Workspace:
    """A private temporary folder with the child's config; removed on exit."""

    def __init__(self, config_path):
        self._config_path = config_path
        self.folder = None
        self.config = os.devnull

    def __enter__(self):
        try:
            with open(self._config_path, encoding="utf-8",
                      errors="surrogateescape") as stream:
                text = stream.read()
        except OSError:
            return self  # no config: the child reads none either
        self.folder = tempfile.mkdtemp(prefix="mfa-switch-exec-")  # 0700
        self.config = os.path.join(self.folder, "config")
        fd = os.open(self.config, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(fd, "w", encoding="utf-8", errors="surrogateescape") as out:
            out.write(child_config(text))
        return self

    def __exit__(self, *exc_info):
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def environment(environ, config_file, profile, region=None, endpoint=None,
                credentials=None):
    """The child's variables.

    ``endpoint`` is ``(url, token)`` of the credentials endpoint; without
    it, ``credentials`` (with an aware ``expiration``) go in as variables.
    """
    env = {k: v for k, v in environ.items() if k not in CREDENTIAL_VARIABLES}
    _drop_cli_data_path(env)
    env.update(AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               AWS_CONFIG_FILE=config_file, BOTO_CONFIG=os.devnull)
    env[PROFILE_VARIABLE] = profile
    if region:
        env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = region
    if endpoint is not None:
        env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = endpoint[0]
        env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = endpoint[1]
    else:
        from awscli_mfa_plugin.stored import format_expiration

        env.update(
            AWS_ACCESS_KEY_ID=credentials.access_key_id,
            AWS_SECRET_ACCESS_KEY=credentials.secret_access_key,
            AWS_SESSION_TOKEN=credentials.session_token,
            AWS_CREDENTIAL_EXPIRATION=format_expiration(
                credentials.expiration))
    return env


def _drop_cli_data_path(env):
    """Take out of ``AWS_DATA_PATH`` what the AWS CLI v1 running this put in.

    Importing ``awscli`` appends its own data folder to that variable in
    its process; inherited, it makes another AWS CLI (v2, another v1) load
    this one's command definitions and fail.  What the user set stays.
    """
    import sys

    awscli = sys.modules.get("awscli")
    if awscli is None or "AWS_DATA_PATH" not in env:
        return
    own = os.path.join(os.path.dirname(os.path.abspath(awscli.__file__)),
                       "data")
    kept = [p for p in env["AWS_DATA_PATH"].split(os.pathsep) if p != own]
    if kept:
        env["AWS_DATA_PATH"] = os.pathsep.join(kept)
    else:
        del env["AWS_DATA_PATH"]


def check_command(argv, path):
    """Refuse, before anything is switched, a command that cannot be started.

    ``path`` is the ``PATH`` the child gets.  Raises
    :class:`~awscli_mfa_plugin.errors.ChildCommandError`.
    """
    if not argv:
        raise ChildCommandError(
            "--exec needs the command to run after --: aws mfa-switch "
            "--profile NAME --exec -- COMMAND [ARGUMENT...] (the -- keeps "
            "the AWS CLI from taking the command's own options, such as "
            "--region).")
    name = argv[0]
    if os.sep in name or (os.altsep and os.altsep in name):
        if not os.path.isfile(name):
            raise ChildCommandError(
                f"The command {name!r} after --exec does not exist; check "
                "the path.", 127)
        if not os.access(name, os.X_OK):
            raise ChildCommandError(
                f"The command {name!r} after --exec is not executable; check "
                "its permissions.", 126)
        return
    if shutil.which(name, path=path) is None:
        raise ChildCommandError(
            f"The command {name!r} after --exec was not found on PATH; check "
            "its name, or give its path.", 127)


#: Signals a terminal sends to its whole foreground process group, child
#: included: passing them on as well would deliver them twice (Terraform
#: takes a second Ctrl-C as "stop at once").
TERMINAL_SIGNALS = ("SIGINT", "SIGQUIT", "SIGHUP")
#: Signals passed on whatever sent them.
FORWARDED_SIGNALS = ("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1",
                     "SIGUSR2")


def run(argv, env):
    """Run the child to its end; its exit status (128 + N when killed by signal N).

    The child inherits the standard streams and the terminal.  Signals sent
    to this process are passed on to it, except the terminal's own while
    this process group is in the terminal's foreground (the child got those
    already).
    """
    terminal = _terminal_fd()
    started, pending, previous = [], [], {}

    def forward(number, frame):
        if signal.Signals(number).name in TERMINAL_SIGNALS and \
                _in_foreground(terminal):
            return
        if not started:
            pending.append(number)  # passed on once the child exists
            return
        try:
            started[0].send_signal(number)
        except OSError:
            pass

    try:
        # The handlers come first: a signal sent as soon as the child runs
        # must not end this process and leave the child behind.
        for name in FORWARDED_SIGNALS:
            number = getattr(signal, name, None)
            if number is not None:
                previous[number] = signal.signal(number, forward)
        try:
            started.append(subprocess.Popen(argv, env=env))
        except OSError as error:
            raise ChildCommandError(
                f"The command {argv[0]!r} after --exec could not be started "
                f"({error.strerror}).", 127 if isinstance(
                    error, FileNotFoundError) else 126) from None
        for number in pending:
            started[0].send_signal(number)
        status = started[0].wait()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if terminal is not None:
            os.close(terminal)
    return 128 - status if status < 0 else status


def _terminal_fd():
    try:
        return os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return None


def _in_foreground(terminal):
    """True when this process group is the terminal's foreground group."""
    if terminal is None:
        return False
    try:
        return os.tcgetpgrp(terminal) == os.getpgrp()
    except OSError:
        return False
