"""`make demo`: the main job, against an embedded STS on loopback.

Starts moto's server on a free port of 127.0.0.1, creates an IAM user with
a virtual MFA device and a role there, builds a throw-away AWS home (never
the real ~/.aws) with the plugin enabled, runs `aws mfa-switch --profile
dev`, shows `aws sts get-caller-identity --profile dev`, and stops the
server.  At a terminal it asks you for the code (the demo prints what the
virtual device shows); without one it pipes the code in.
"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import awsenv  # noqa: E402  (shared with the tests on purpose)


def show(title):
    print(f"\n== {title}", flush=True)


def main():
    server = awsenv.start_moto()
    home = tempfile.mkdtemp(prefix="mfa-switch-demo-")
    try:
        endpoint = awsenv.endpoint_of(server)
        account = awsenv.seed_account(endpoint)
        aws = awsenv.AwsHome(home, endpoint, account)
        env = aws.env()
        show(f"A throw-away AWS home in {home}, STS on {endpoint}")
        print(aws.config.read_text().rstrip())
        interactive = sys.stdin.isatty()
        code = aws.code()
        show("aws mfa-switch --profile dev")
        if interactive:
            print(f"(The virtual MFA device in the local STS shows {code}; "
                  "type it at the prompt. Ctrl-C cancels.)", flush=True)
            result = subprocess.run([awsenv.AWS, "mfa-switch", "--profile", "dev"],
                                    env=env)
        else:
            print(f"(No terminal: piping the code {code} on standard input.)",
                  flush=True)
            result = subprocess.run([awsenv.AWS, "mfa-switch", "--profile", "dev"],
                                    env=env, input=code + "\n", text=True)
        if result.returncode != 0:
            return result.returncode
        show("aws sts get-caller-identity --profile dev")
        result = subprocess.run(
            [awsenv.AWS, "sts", "get-caller-identity", "--profile", "dev"],
            env=env)
        show("Keys now in [dev] of the credentials file (values hidden)")
        section = aws.credentials.read_text().split("[dev]", 1)[1]
        for line in section.strip().splitlines():
            key = line.split("=", 1)[0].strip()
            print(f"  {key}" + (" = " + line.split("=", 1)[1].strip()
                               if key in ("expiration", "managed_by") else ""))
        return result.returncode
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
