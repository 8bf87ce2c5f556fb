"""What ``aws mfa-switch`` accepts: its help text and its argument table.

Declarative, as the AWS CLI's ``BasicCommand`` wants it; the command hands
these to the CLI, which builds the parser and the man page from them.
"""
from awscli_mfa_plugin.request.parse import PROMPTS

#: Shells ``--export`` can write for; the first is the default.
SHELLS = ("bash", "zsh", "sh", "fish", "powershell", "pwsh")
DEFAULT_SHELL = SHELLS[0]

#: The help page's NAME line: ``mfa-switch - <this>``.
SUMMARY = "turn an MFA code into temporary credentials for a profile"

DESCRIPTION = """\
Turns a one-time code from your MFA device into temporary credentials and
stores them in the shared credentials file under the selected profile
(``--profile``, ``AWS_PROFILE``, else ``default``), so that every tool that
reads that profile uses them until they expire.

The profile's recipe lives in the AWS config file, under the standard
assume-role keys with an ``mfa_`` prefix (botocore and the other SDKs ignore
them)::

    [profile dev]
    mfa_role_arn = arn:aws:iam::222222222222:role/AccessToTestDev
    mfa_source_profile = default
    mfa_serial = arn:aws:iam::111111111111:mfa/alice
    mfa_duration_seconds = 43200
    mfa_role_session_name = alice
    mfa_external_id = example-id

Without ``mfa_role_arn`` the command gets a session token
(GetSessionToken) for the source profile's user instead of assuming a role.
``mfa_serial`` may also sit on the source profile; without it anywhere, the
device is looked up in IAM (ListMFADevices) and can be saved. Each key has a
flag that overrides it for one run.

Two other layouts work unchanged: aws-mfa's (``[dev-long-term]`` in the
credentials file with ``aws_mfa_device`` and ``assume_role``), and the AWS
CLI's own role profiles (``role_arn``, ``source_profile``, ``mfa_serial``),
whose credentials go into the CLI's cache (``~/.aws/cli/cache``) so that
``aws --profile`` stops asking for a code.

The code comes from ``--token-code``, else from the command named by
``mfa_process`` (its standard output), else from standard input when that
is not a terminal, else from a prompt that names the device and shows how
long the current code stays valid. Ctrl-C or Ctrl-D at the prompt cancels
(exit status 130) without changing any file. Without a terminal, a desktop
dialog asks (zenity or kdialog, osascript on macOS, PowerShell on Windows);
``--prompt`` or the profile key ``mfa_prompt`` choose. ``--prompt ykman``
reads the code from a YubiKey with Yubico's ``ykman``.

Runs that need a code of the same MFA device at the same time (Terraform's
credential processes, parallel scripts) take turns: one asks, the others
wait and use what it stored. No code is sent to STS twice.

Every switch gets one MFA session per device (GetSessionToken, kept in
``[<source>-mfa-session]`` for ``mfa_session_duration`` seconds, 12 hours
by default) and assumes the roles from it, so later switches, credential
processes and ``--exec`` renew them without a code while it lasts. Several
profiles (``--all``, or their names) share it. Roles assumed that way last
at most one hour (STS role chaining); a profile alone that asks for more
is assumed directly with the code, and keeps no session.

``--exec -- COMMAND [ARGUMENT...]`` runs a command with the profile's
credentials, served on 127.0.0.1 and renewed while it runs; the command
never sees a long-term key, and its exit status is returned.

Credentials stored earlier by this command are kept, without asking for a
code, while more than five minutes are left (``--min-remaining`` or the
profile's ``mfa_min_remaining`` key change that; ``--force`` renews anyway).

A summary of the identity now in use and its expiry goes to standard error.
Standard output stays empty unless asked for: ``--export`` prints the lines
that make a shell use the credentials, ``--credential-process`` the JSON a
``credential_process`` setting expects, ``--list`` a table of the profiles
that can be switched.
"""

EXAMPLES = """\
**To switch a profile, typing the code at the prompt**::

    aws mfa-switch --profile dev

**To pass the code on the command line**::

    aws mfa-switch --profile dev --token-code 123456

**To assume a role other than the configured one, for one run**::

    aws mfa-switch --profile dev --role-arn arn:aws:iam::222222222222:role/ReadOnly

**To write the credentials under another profile name**::

    aws mfa-switch --profile dev --target-profile dev-session

**To use the credentials in the current shell (bash, zsh; fish, PowerShell)**::

    eval "$(aws mfa-switch --profile dev --export)"
    aws mfa-switch --profile dev --export fish | source
    aws mfa-switch --profile dev --export powershell | Invoke-Expression

**To let another profile get its credentials from this command** (in the
AWS config file; a code is asked for on the terminal when needed)::

    [profile dev-tools]
    credential_process = aws mfa-switch --profile dev --credential-process

**To see which profiles can be switched and how long each has left**::

    aws mfa-switch --list

**To open the AWS console signed in as the profile's role**::

    aws mfa-switch --profile dev --console

**To open the S3 console in Frankfurt, in a Firefox profile of its own**::

    aws mfa-switch --profile dev --console --console-service s3 --console-region eu-central-1 --browser "firefox -P work"

**To remove what mfa-switch stored for a profile**::

    aws mfa-switch --profile dev --clear

**To forget the credentials in the current shell again**::

    eval "$(aws mfa-switch --export --unset)"

**To switch every role profile with one code**::

    aws mfa-switch --all

**To switch two profiles with one code**::

    aws mfa-switch dev prod

**To run a command with the profile's credentials, renewed while it runs**::

    aws mfa-switch --profile dev --exec -- terraform apply

**To check what a switch of a profile needs, and how to fix what is missing**::

    aws mfa-switch --profile dev --doctor

**To keep the long-term keys of profile default in the OS keyring**::

    aws mfa-switch --profile default --move-keys-to-keyring
"""


def _string_arg(name, help_text):
    return {"name": name, "help_text": help_text, "cli_type_name": "string"}


ARG_TABLE = [
    _string_arg(
        "role-arn",
        "<p>The role to assume (overrides <code>mfa_role_arn</code>). "
        "Without a role, a session token is requested instead.</p>",
    ),
    _string_arg(
        "serial-number",
        "<p>The MFA device's ARN (overrides <code>mfa_serial</code>).</p>",
    ),
    _string_arg(
        "source-profile",
        "<p>The profile whose long-term credentials sign the request "
        "(overrides <code>mfa_source_profile</code>; default "
        "<code>default</code>).</p>",
    ),
    _string_arg(
        "duration-seconds",
        "<p>How long the credentials last: 900-43200 seconds for a role "
        "(the role's own maximum may be lower), 900-129600 for a session "
        "token (overrides <code>mfa_duration_seconds</code>).</p>",
    ),
    _string_arg(
        "role-session-name",
        "<p>The session name recorded in CloudTrail (overrides "
        "<code>mfa_role_session_name</code>; default: the MFA device's "
        "name).</p>",
    ),
    _string_arg(
        "external-id",
        "<p>The external ID the role's trust policy asks for (overrides "
        "<code>mfa_external_id</code>).</p>",
    ),
    _string_arg(
        "token-code",
        "<p>The six-digit code shown by the MFA device, instead of "
        "being asked for it.</p>",
    ),
    _string_arg(
        "target-profile",
        "<p>The profile to write the credentials to (default: the "
        "selected profile).</p>",
    ),
    {"name": "prompt", "choices": list(PROMPTS),
     "cli_type_name": "string",
     "help_text": "<p>How a code is asked for (overrides "
                  "<code>mfa_prompt</code>): <code>auto</code> (the "
                  "default: the terminal, else a desktop dialog), "
                  "<code>terminal</code>, or the dialog of "
                  "<code>zenity</code>, <code>kdialog</code>, "
                  "<code>osascript</code> or <code>powershell</code>; "
                  "<code>ykman</code> reads it from a YubiKey (its OATH "
                  "account <code>mfa_ykman_account</code>, else the one "
                  "AWS named for the device).</p>"},
    {"name": "force", "action": "store_true",
     "help_text": "<p>Get new credentials even when the stored ones are "
                  "still valid.</p>"},
    _string_arg(
        "min-remaining",
        "<p>Keep stored credentials, without asking for a code, while "
        "more than this many seconds are left (overrides "
        "<code>mfa_min_remaining</code>; default 300, or 900 with "
        "<code>--credential-process</code>).</p>",
    ),
    {"name": "export", "nargs": "?", "const": DEFAULT_SHELL,
     "choices": list(SHELLS), "cli_type_name": "string",
     "help_text": "<p>Print to standard output the commands that make "
                  "the current shell use the credentials (secrets "
                  "included): for <code>bash</code> (the default), "
                  "<code>zsh</code>, <code>sh</code>, <code>fish</code> "
                  "or <code>powershell</code>.</p>"},
    {"name": "credential-process", "action": "store_true",
     "help_text": "<p>Print the credentials as the JSON a "
                  "<code>credential_process</code> setting must return "
                  "(secrets included); a code is asked for on the "
                  "controlling terminal.</p>"},
    {"name": "list", "action": "store_true",
     "help_text": "<p>List the profiles that can be switched, with their "
                  "role, source profile and time left.</p>"},
    {"name": "profiles", "positional_arg": True, "nargs": "*",
     "cli_type_name": "string", "synopsis": "[<profile> ...]",
     "help_text": "<p>Profiles to switch with one code per MFA device "
                  "(instead of <code>--profile</code>): one MFA session "
                  "is made, and each role is assumed from it.</p>"},
    {"name": "all", "action": "store_true",
     "help_text": "<p>Switch every profile whose recipe assumes a role, "
                  "with one code per MFA device.</p>"},
    {"name": "console", "action": "store_true",
     "help_text": "<p>Open the AWS console in the web browser, signed in as "
                  "the profile's role (switching first when its credentials "
                  "are not valid); the browser is the one Python's "
                  "<code>webbrowser</code> finds (<code>BROWSER</code> "
                  "overrides it).</p>"},
    {"name": "console-url", "action": "store_true",
     "help_text": "<p>Print the one-time console sign-in URL on standard "
                  "output instead of opening it (it is a credential: it "
                  "signs in whoever opens it within 15 minutes).</p>"},
    _string_arg(
        "console-service",
        "<p>With <code>--console</code> or <code>--console-url</code>: the "
        "service whose console page to land on, such as <code>s3</code> or "
        "<code>ec2</code> (as aws-vault's <code>--path</code> and Granted's "
        "<code>-s</code>).</p>",
    ),
    _string_arg(
        "console-destination",
        "<p>With <code>--console</code> or <code>--console-url</code>: the "
        "console path to land on, such as <code>/s3/buckets</code> or "
        "<code>/cloudwatch/home#logsV2:log-groups</code>.</p>",
    ),
    _string_arg(
        "console-region",
        "<p>With <code>--console</code> or <code>--console-url</code>: the "
        "region the console opens in (default: the profile's).</p>",
    ),
    _string_arg(
        "browser",
        "<p>With <code>--console</code>: the browser to open the console "
        "in, as a command line such as <code>firefox -P work</code> "
        "(overrides <code>mfa_browser</code>); it is given a private file "
        "that leads to the sign-in link, never the link itself.</p>",
    ),
    {"name": "clear", "action": "store_true",
     "help_text": "<p>Remove what mfa-switch stored for the profile (or the "
                  "profiles named, or <code>--all</code>): its credentials "
                  "in the credentials file, the AWS CLI's cache entry of a "
                  "native role profile, and a kept MFA session no remaining "
                  "profile uses. Nothing else is touched.</p>"},
    {"name": "unset", "action": "store_true",
     "help_text": "<p>With <code>--export</code>: print the lines that "
                  "remove the variables <code>--export</code> sets, instead "
                  "of switching.</p>"},
    {"name": "move-keys-to-keyring", "action": "store_true",
     "help_text": "<p>Move the profile's long-term access keys from the "
                  "credentials file into the OS keyring (Keychain, Credential "
                  "Manager, Secret Service); switches that use the profile "
                  "as their source then sign with them from there.</p>"},
    {"name": "move-keys-to-file", "action": "store_true",
     "help_text": "<p>Move the profile's keys from the OS keyring back into "
                  "the credentials file.</p>"},
    {"name": "add-keys", "action": "store_true",
     "help_text": "<p>Ask at the terminal (the secret hidden) for a new "
                  "access key pair and store it in the OS keyring for the "
                  "profile, replacing the one there.</p>"},
    {"name": "exec", "action": "store_true",
     "help_text": "<p>Run the command written after <code>--</code> with "
                  "the profile's credentials, renewed while it runs: "
                  "<code>aws mfa-switch --profile dev --exec -- terraform "
                  "apply</code>. The command gets them from a credentials "
                  "endpoint on 127.0.0.1 (<code>AWS_CONTAINER_CREDENTIALS_"
                  "FULL_URI</code>), never sees a long-term key, and is "
                  "given the profile's region; its exit status is "
                  "returned. Everything after <code>--</code> is the "
                  "command's, options such as <code>--region</code> "
                  "included.</p>"},
    {"name": "no-server", "action": "store_true",
     "help_text": "<p>With <code>--exec</code>: put the keys themselves in "
                  "the command's environment (<code>AWS_ACCESS_KEY_ID</code>"
                  ", <code>AWS_SECRET_ACCESS_KEY</code>, <code>AWS_SESSION_"
                  "TOKEN</code>, <code>AWS_CREDENTIAL_EXPIRATION</code>) "
                  "instead of the endpoint, for tools that read only "
                  "variables; they are not renewed.</p>"},
    _string_arg(
        "exec-port",
        "<p>With <code>--exec</code>: the port of the credentials endpoint "
        "on 127.0.0.1 (default: a free one).</p>",
    ),
    {"name": "doctor", "action": "store_true",
     "help_text": "<p>Check what a switch of the profile needs, one line "
                  "per check (ok, or the problem and its fix): the plugin, "
                  "the recipe, the source keys, the device, the clock "
                  "against STS's (one GetCallerIdentity call), the kept MFA "
                  "session, the region and who can be asked for a code. "
                  "Nothing is changed; the exit status is 0 when all is "
                  "well.</p>"},
    {"name": "save-serial", "action": "store_true",
     "help_text": "<p>When the MFA device was looked up in IAM, save it "
                  "in the profile without asking.</p>"},
]
