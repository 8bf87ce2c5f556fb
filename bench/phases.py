"""Run one ``aws`` command in this process and report where its time went.

    python bench/phases.py mfa-switch --profile dev --token-code 123456

Prints the phases as JSON on the last line of stderr: seconds of wall-clock
and of CPU time for importing the CLI, building its driver, and, inside the
run, the steps named below (each measured around the function that does it).
``bench/run.py --phases`` runs it for ``aws mfa-switch`` and for the bare
``aws sts assume-role`` and prints the medians side by side.
"""
import time

START = time.perf_counter(), time.process_time()

import functools  # noqa: E402  (after the clock starts)
import json  # noqa: E402
import sys  # noqa: E402

PHASES = {}


def add(name, wall, cpu):
    old_wall, old_cpu = PHASES.get(name, (0.0, 0.0))
    PHASES[name] = (old_wall + wall, old_cpu + cpu)


def clocks():
    return time.perf_counter(), time.process_time()


def since(start):
    now = clocks()
    return now[0] - start[0], now[1] - start[1]


def timed(owner, attribute, name):
    """Measure every call of ``owner.attribute`` under ``name``."""
    original = getattr(owner, attribute)

    @functools.wraps(original)
    def measured(*args, **kwargs):
        start = clocks()
        try:
            return original(*args, **kwargs)
        finally:
            add(name, *since(start))

    setattr(owner, attribute, measured)


def main(argv):
    start = clocks()
    import awscli.clidriver  # awscli first: it decides which botocore loads

    add("import the AWS CLI", *since(start))
    import botocore.endpoint
    import botocore.session

    timed(botocore.session.Session, "create_client",
          "create the STS client (model, endpoints, credentials)")
    timed(botocore.endpoint.Endpoint, "_send", "HTTP round trip to STS")
    if argv[0] == "mfa-switch":
        import awscli_mfa_plugin
        from awscli_mfa_plugin.files import inifile
        from awscli_mfa_plugin.sts import sourcesession

        timed(awscli_mfa_plugin._LazyCommand, "_load",
              "import mfa-switch's modules")
        timed(sourcesession, "for_profile", "session of the source profile")
        timed(inifile, "check_credentials_targets",
              "check the credentials file before asking for a code")
        timed(inifile, "store_credentials", "write the credentials file")
    start = clocks()
    driver = awscli.clidriver.create_clidriver()
    add("build the CLI driver (config, plugins)", *since(start))
    start = clocks()
    status = driver.main(argv)
    add("run the command (all of it)", *since(start))
    add("whole process after interpreter start", *since(START))
    print(json.dumps({"status": status, "phases": PHASES}), file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
