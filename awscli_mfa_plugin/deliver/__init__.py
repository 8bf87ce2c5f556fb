"""Stage 5, deliver: where credentials go (credentials file, the CLI's cache, stdout), one interface.

``stored`` (the format of what the credentials file holds, read back
with the standard library only) must stay importable without botocore.
"""
