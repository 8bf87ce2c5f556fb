"""A stand-in for Yubico's ``ykman`` that answers as the real one does.

Only what mfa-switch runs: ``ykman oath accounts list`` and ``ykman oath
accounts code --single QUERY``, with yubikey-manager's output formats,
``Error:`` sentences and exit statuses (ykman/_cli/oath.py,
__main__.py, util.py): one account name a line, sorted; the code alone on
stdout; ``Touch your YubiKey...`` on stderr before a touch; exit status 1
after ``Error: <sentence>``.  An exact account name matches only itself,
any other query every account containing it (case-insensitive).

The key it pretends to be is a JSON file named by ``YKMAN_STANDIN``::

    {"keys": 1,                      # YubiKeys plugged in (0, 1, 2...)
     "accounts": {"Amazon Web Services:alice@123456789012":
                  {"seed": "<hex>", "touch": false}},
     "touch": "given",               # "given", "never" (the key times out), "hang"
     "password": false,              # OATH password set and not remembered
     "broken": false,                # the reader fails
     "at": null}                     # the time codes are made for (null: now)

Every run appends its arguments (one JSON list a line) to ``<file>.log``.
"""
import hashlib
import hmac
import json
import os
import struct
import sys
import time


def totp(seed, at):
    counter = int(at // 30)
    digest = hmac.new(seed, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1000000:06d}"


def fail(sentence, status=1):
    sys.stderr.write(f"Error: {sentence}\n")
    sys.exit(status)


def search(accounts, query):
    if query in accounts:
        return [query]
    return [name for name in accounts if query.lower() in name.lower()]


def main(argv):
    state_path = os.environ["YKMAN_STANDIN"]
    with open(state_path) as handle:
        state = json.load(handle)
    with open(state_path + ".log", "a") as log:
        log.write(json.dumps(argv) + "\n")
    if argv[:3] not in (["oath", "accounts", "list"], ["oath", "accounts", "code"]):
        fail(f"the stand-in does not do {' '.join(argv)}", 2)
    keys = state.get("keys", 1)
    if keys == 0:
        fail("No YubiKey detected!")
    if keys > 1:
        fail("Multiple YubiKeys detected. Use --device SERIAL to specify "
             "which one to use.")
    if state.get("broken"):
        # A fault of the card reader, as ykman reports what it did not expect.
        fail("Failed to connect to YubiKey.")
    if state.get("password"):
        # click.prompt reading end of file: "Aborted!" and status 1.
        sys.stderr.write("Enter the password: \nAborted!\n")
        sys.exit(1)
    accounts = state.get("accounts", {})
    if argv[2] == "list":
        for name in sorted(accounts):
            print(name)
        return
    rest = argv[3:]
    single = "--single" in rest or "-s" in rest
    query = next((word for word in rest if not word.startswith("-")), "")
    hits = search(accounts, query)
    if single and len(hits) > 1:
        sys.stderr.write("Error: Multiple matches, make the query more specific.\n\n")
        for name in sorted(hits):
            sys.stderr.write(name + "\n")
        sys.exit(1)
    if single and not hits:
        fail("No matching account found.")
    at = state.get("at") or time.time()
    for name in sorted(hits):
        account = accounts[name]
        if account.get("touch"):
            sys.stderr.write("Touch your YubiKey...\n")
            sys.stderr.flush()
            if state.get("touch") == "never":
                fail("Touch account timed out!")
            if state.get("touch") == "hang":
                while True:
                    time.sleep(60)
        code = totp(bytes.fromhex(account["seed"]), at)
        code = code.rjust(account.get("digits", 6), "0")
        print(code if single else f"{name}  {code}")


if __name__ == "__main__":
    main(sys.argv[1:])
