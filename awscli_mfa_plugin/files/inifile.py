"""The only code that writes AWS INI files: credentials, config and ``cli/alias``.

Every edit follows the same rules, because a damaged credentials file breaks
every AWS tool on the machine, not just this one:

* **Lossless.**  The file is parsed exactly as botocore parses it
  (``configparser.RawConfigParser`` with its default, strict settings), and
  only the lines of the target section(s) are touched; every other byte is
  copied through unchanged - comments, blank lines, odd spacing, CRLF, a
  missing final newline, non-ASCII text.  Before anything is written, the new
  text is parsed again and compared with the old one: every other section
  must read exactly as before, or nothing is written.  (configparser and the
  AWS CLI's ``ConfigFileWriter`` rewrite or normalise lines, so this module
  keeps its own line-level editor.)
* **The section botocore reads.**  A profile is edited by its name and the
  kind of file (:data:`CONFIG` or :data:`CREDENTIALS`), never by a header
  the caller spells: in the config file ``[profile "dev"]``,
  ``[profile  dev]`` or ``[profile default]`` is found exactly as botocore
  names profiles, so a new section can never shadow the one it reads.
* **Refusing.**  A file botocore cannot parse is never rewritten, and a
  section holding credentials that mfa-switch did not write is never
  overwritten.  The checks a command runs before it asks for a code
  (:func:`check_credentials_targets`) are the very ones the write runs
  under the lock.
* **Atomic and durable.**  New content goes to a temporary file next to the
  real (symlink-resolved) file, is fsynced, gets mode 0600 and is renamed
  over the old file; the folder is fsynced afterwards.  A crash at any moment
  leaves the old or the new file, never a mix.
* **Serialized.**  Writers hold an exclusive lock (``flock``; on Windows
  ``msvcrt.locking``) on a hidden lock file next to the real file for the
  whole read-modify-write, so concurrent runs writing different sections
  all land; the lock file is removed when the lock is released.

Reading profiles for any other purpose goes through the botocore session;
:func:`read_sections` exists for the writers' own checks and for tests.

This module is the editor's public API and its rules about what may be
written; :mod:`~awscli_mfa_plugin.files.inidoc` reads INI text as botocore
does and edits it line by line, and :mod:`~awscli_mfa_plugin.files.atomic`
locks, reads and atomically replaces the files.
"""

import enum
import os
import re
import shlex

from awscli_mfa_plugin import errors
from awscli_mfa_plugin.files import atomic
from awscli_mfa_plugin.files import inidoc
from awscli_mfa_plugin.files.atomic import LOCK_TIMEOUT, lock_path, make_private_dirs
from awscli_mfa_plugin.stored import MANAGED_KEY, MANAGED_VALUE, is_managed

# The editor's names, wherever they are defined; callers import this module.
__all__ = [
    "CONFIG", "CREDENTIALS", "CREDENTIAL_KEYS", "FileKind", "LOCK_TIMEOUT",
    "MANAGED_KEY", "MANAGED_VALUE", "check_credentials_targets",
    "clear_credentials", "lock_path",
    "make_private_dirs", "profile_section", "read_sections",
    "store_credentials", "update_profile", "update_section",
]


CREDENTIAL_KEYS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")


class FileKind(enum.Enum):
    """Which shared file a profile is edited in; each names profiles its own way."""

    #: ``~/.aws/config``: ``[default]`` and ``[profile NAME]`` (quoted or not).
    CONFIG = "config"
    #: ``~/.aws/credentials``: ``[NAME]``, the section name is the profile.
    CREDENTIALS = "credentials"


CONFIG = FileKind.CONFIG

CREDENTIALS = FileKind.CREDENTIALS

# botocore still reads the legacy ``aws_security_token`` and prefers it over
# ``aws_session_token``; a stale one left in a section we manage would shadow
# the token we write, and one in a section we do not manage is a credential
# that is not ours to overwrite.
_LEGACY_TOKEN_KEY = "aws_security_token"

_UNMARKED_REFUSAL_KEYS = CREDENTIAL_KEYS + (_LEGACY_TOKEN_KEY,)

# What check_credentials_targets plans to write in place of the credentials
# it does not have yet: the same keys, so that it plans the same edit.
_PLACEHOLDER_VALUES = {key: "x" for key in CREDENTIAL_KEYS + ("expiration",)}

# Bytes a section of temporary credentials may take, and more.
_SECTION_ROOM = 4096

# How often the whole read-modify-write is retried when the file changes
# under us (a writer that does not take our lock, e.g. ``aws configure set``).
_MAX_ATTEMPTS = 5

# Characters that would change how a key line is read back: delimiters,
# whitespace, and leading characters that make the line a comment or header.
_BAD_KEY_RE = re.compile(r"[=:\s\[\]]|^[#;]")


def store_credentials(path, sections, adopt=None, remove=None):
    """Write temporary credentials into profiles of the shared credentials file.

    All sections are written in one locked, atomic write.  ``sections`` maps
    a profile name (in the credentials file the section name is the profile
    name: ``"dev"``, no ``profile`` prefix) to the keys to set;
    ``managed_by = mfa-switch`` is added to each.  Keys of those sections
    that are not being set (such as ``region``) and comments inside them are
    kept; keys being set are replaced where they stand; a section that does
    not exist yet is appended at the end of the file.  A stale legacy
    ``aws_security_token`` is removed from the sections written, because
    botocore would prefer it over the new ``aws_session_token``.

    Example::

        >>> store_credentials(credentials_path, {       # doctest: +SKIP
        ...     "dev": {
        ...         "aws_access_key_id": "ASIA...",
        ...         "aws_secret_access_key": "...",
        ...         "aws_session_token": "...",
        ...         "expiration": "2026-11-27T14:00:00Z",
        ...     },
        ... })

    turns a file holding only ``[default]`` long-term keys into one that ends
    with::

        [dev]
        managed_by = mfa-switch
        aws_access_key_id = ASIA...
        aws_secret_access_key = ...
        aws_session_token = ...
        expiration = 2026-11-27T14:00:00Z

    ``path`` may be missing (it is created 0600, its folder 0700) or a
    symlink (its target is updated).  ``~`` is not expanded: pass the path
    botocore would use.

    Raises :class:`errors.UnmanagedSectionError` if a target section holds
    credentials but not the marker, :class:`errors.UnparsableFileError` if
    botocore could not parse the file, :class:`errors.UsageError` for a
    value with a line break or a profile name other tools would read
    differently (see :func:`check_credentials_targets`), and
    :class:`errors.CredentialsFileError` if the file cannot be written (it
    is a FIFO, say) or the lock cannot be had.  On any error the file is
    left byte for byte as it was.

    ``adopt(name, values)``, if given, is asked under the lock about a target
    section that holds credentials without the marker: true takes it over
    instead of refusing (sections another tool provably wrote, such as
    aws-mfa's).  ``remove`` maps section names to further keys to delete
    in the same write.
    """
    edits = _credentials_edits(sections, remove)
    if not edits:
        return

    def transform(text, view, real, dry_run=False):
        document = inidoc.document(text)
        _refuse_targets(document, edits, adopt, real)
        return document.apply(edits, view, real)

    _edit(path, transform)


def clear_credentials(path, names, keys):
    """Remove what mfa-switch stored under ``names`` of the credentials file.

    Only sections that carry mfa-switch's marker are touched.  In each, the
    ``keys`` mfa-switch writes are removed (and the marker); whatever else
    the user keeps there (a ``region``, a comment) stays, and a section
    left with nothing is removed with its header, together with the blank
    line that separated it.  One locked, atomic write, verified as every
    edit is.  Returns the names cleared, in order.

    Raises what :func:`store_credentials` raises for a file it must not
    rewrite; a missing file clears nothing.
    """
    lowered = frozenset(key.lower() for key in (*keys, MANAGED_KEY))
    cleared = []

    def transform(text, view, real, dry_run=False):
        document = inidoc.document(text)
        edits, dropping = {}, set()
        cleared[:] = []
        for name in dict.fromkeys(names):
            section = document.section(name)
            if section is None or not is_managed(section.own_values()):
                continue
            cleared.append(name)
            edits[name] = ({}, lowered)
            if set(section.own_values()) <= lowered:
                dropping.add(name)
        if not edits:
            return text
        return document.apply(edits, view, real, dropping=frozenset(dropping))

    if os.path.exists(atomic.resolve(path)):
        _edit(path, transform)
    return list(cleared)


def check_credentials_targets(path, names, adopt=None, remove=None):
    """Raise what :func:`store_credentials` would raise for ``names``, writing nothing.

    Lets the command refuse a profile it must not write (or a file it must
    not rewrite) before it asks anyone for a code.  It runs the write's own
    checks, with the same ``adopt`` and ``remove``: the profile names
    (``DEFAULT``, whose keys configparser copies into every profile; names
    with a line break, a bracket, or spaces at either end, which other SDKs
    read as another profile), the file (not a regular file, not UTF-8, not
    parsable by botocore) and each section (credentials mfa-switch did not
    write).  Only a failure of the write itself - the lock, the disk, the
    file changing meanwhile - can still stop the write after this passed.
    """
    real = atomic.resolve(path)
    edits = _credentials_edits(dict.fromkeys(names, _PLACEHOLDER_VALUES), remove)
    data, st = atomic.read_file(real)
    if st is not None:
        atomic.refuse_read_only(real, st)
    atomic.check_lock_file(real)
    # Room for the file with every section new: a few KiB each at most.
    atomic.check_room(real, len(data or b"") + _SECTION_ROOM * (len(names) + 1))
    if data is None:
        return
    text = inidoc.decode(data, real)
    inidoc.botocore_view(text, real)  # UnparsableFileError, as on writing
    _refuse_targets(inidoc.document(text), edits, adopt, real)


def check_writable(path):
    """Raise what a write of ``path`` would raise for its mode, writing nothing.

    A read-only file (no owner write bit) is refused, by the same rule as
    the write itself (:func:`atomic.refuse_read_only`); callers that change
    something else first (the OS keyring, the installer's record) check
    every file they will write before changing anything.
    """
    atomic.refuse_read_only(atomic.resolve(path))


def update_profile(path, kind, profile, values, remove=(), check=None):
    """Set and remove keys of one profile, in the section botocore reads for it.

    ``kind`` says which file ``path`` is, :data:`CONFIG` or
    :data:`CREDENTIALS`, because each names profiles its own way.  In the
    config file the section is found as botocore's ``build_profile_map``
    finds it: ``[profile dev]``, ``[profile "dev"]``, ``[profile 'dev']``
    and ``[profile  dev]`` are all the profile ``dev``, the last of several
    such sections wins, and ``default`` is ``[default]`` or ``[profile
    default]``, whichever comes last.  A profile with no section gets one
    at the end of the file, quoted when its name needs it
    (``[profile "my profile"]``).  In the credentials file the section is
    the one named exactly ``profile``.

    Otherwise as :func:`update_section`: returns ``True`` if the file was
    rewritten, ``False`` if it already said all that.

    Example: with a config holding ``[profile "dev"]``,
    ``update_profile(config, CONFIG, "dev", {"mfa_serial": serial})`` adds
    ``mfa_serial`` to that section rather than appending ``[profile dev]``.
    """
    if not isinstance(kind, FileKind):
        raise TypeError("kind must be inifile.CONFIG or inifile.CREDENTIALS")
    if kind is CREDENTIALS:
        _check_credentials_name(profile)
    else:
        _check_profile_name(profile)
    edit = _key_edits(values, remove)

    def transform(text, view, real, dry_run=False):
        sections = view[0]
        if check is not None and not dry_run:
            check(inidoc.copy_view(sections))
        section = profile if kind is CREDENTIALS else _config_section(sections, profile)
        return inidoc.document(text).apply({section: edit}, view, real)

    return _edit(path, transform)


def update_section(path, section_header, values, remove=(), check=None, *, subsections=True):
    """Set and remove keys in one section that is not a profile, losslessly.

    For ``[plugins]`` of the config file, ``[toplevel]`` of the alias file
    and the like; ``section_header`` is the literal text between the
    brackets.  A profile's section is edited with :func:`update_profile`,
    which finds it as botocore does: a header botocore reads as a profile
    (``default``, ``profile ...``) is refused here with ``ValueError``.

    Each key in ``values`` replaces the existing line for that key where it
    stands (keys compare case-insensitively, as configparser folds them) or
    is appended after the section's last key line; a line whose value is
    already the wanted one is left exactly as written.  Keys in ``remove``
    are deleted, with any continuation lines.  A missing section is appended
    at the end of the file (unless there is nothing to set).

    ``check``, if given, is called under the lock with the file's current
    sections (``{section: {key: value}}``, as :func:`read_sections` returns
    them) before anything is written, and may raise to abort.

    Returns ``True`` if the file was rewritten, ``False`` if it already said
    all that, in which case it is not touched at all.

    Example: with ``~/.aws/config`` holding ``[plugins]`` and a comment,
    ``update_section(config, "plugins", {"mfa_switch": "awscli_mfa_plugin"})``
    returns ``True`` and adds ``mfa_switch = awscli_mfa_plugin`` after the
    section's last key; a second identical call returns ``False``.

    ``subsections`` says how the file's readers parse it.  botocore reads
    the config and credentials files with indented sub-blocks (``s3 =``
    followed by ``key = value`` lines) and rejects other indented blocks; the
    AWS CLI reads ``~/.aws/cli/alias`` with ``parse_subsections=False``, so
    multi-line aliases (``name =`` then indented shell) are valid there.
    Pass ``subsections=False`` for the alias file.

    Same rules and errors as :func:`store_credentials` (atomic, locked,
    symlinks followed, new files 0600), except that no marker is involved.
    """
    _check_section_name(section_header)
    if section_header == "default" or section_header.startswith("profile"):
        raise ValueError(
            "[{}] is a profile's section; edit it with update_profile".format(section_header))
    edits = {section_header: _key_edits(values, remove)}

    def transform(text, view, real, dry_run=False):
        if check is not None and not dry_run:
            check(inidoc.copy_view(view[0]))
        return inidoc.document(text).apply(edits, view, real, subsections)

    return _edit(path, transform, subsections)


def read_sections(path, *, subsections=True):
    """Parse an INI file the way botocore does: ``{section: {key: value}}``.

    A missing file gives ``{}``, and so does anything that is not a regular
    file (a FIFO, a device, a folder), which botocore skips unread.  Keys
    are lower-cased and values stripped, as configparser does; a
    ``[DEFAULT]`` section's keys appear in every section and ``DEFAULT``
    itself is not listed, exactly as botocore sees it.  Indented sub-blocks
    (``s3 =`` followed by indented lines) are returned as their raw text,
    not as a nested dict.

    Example: a file holding ``[dev]\\nregion = eu-west-1\\n`` gives
    ``{"dev": {"region": "eu-west-1"}}``.

    Raises :class:`errors.UnparsableFileError` where botocore would raise
    ``ConfigParseError`` (with ``subsections=False``, where the AWS CLI's
    alias loader would), and :class:`errors.CredentialsFileError` if the
    file cannot be read.
    """
    real = atomic.resolve(path)
    data, _ = atomic.read_file(real, skip_other=True)
    if data is None:
        return {}
    view, _ = inidoc.botocore_view(inidoc.decode(data, real), real, subsections)
    return inidoc.copy_view(view)


def profile_section(sections, kind, profile):
    """The section botocore reads for ``profile`` among ``sections``, or ``None``.

    ``sections`` are section names in file order.

    >>> profile_section(["default", 'profile "dev"'], CONFIG, "dev")
    'profile "dev"'
    >>> profile_section(["default", "profile default"], CONFIG, "default")
    'profile default'
    >>> profile_section(["dev"], CREDENTIALS, "dev")
    'dev'
    """
    names = list(sections)
    if kind is CREDENTIALS:
        return profile if profile in names else None
    # botocore's own mapping, asked which section each profile comes from:
    # quotes, inner whitespace, "profile default" against "default" and
    # which of two sections wins are all decided by its code, not a copy.
    from botocore.configloader import build_profile_map

    marked = build_profile_map({name: {"": name} for name in names})
    return marked["profiles"].get(profile, {}).get("")


def _has_line_break(text):
    # str.splitlines knows every character some reader might treat as a line
    # break (\v, \f, \x1c, \u2028...); none belongs in a one-line value.
    return len(("x" + text + "x").splitlines()) != 1


def _check_section_name(name):
    if not isinstance(name, str):
        raise TypeError("section names must be str, not {}".format(type(name).__name__))
    if not name or _has_line_break(name):
        raise errors.UsageError(
            "{!r} cannot be used as a section name.".format(name)
        )
    if name == inidoc.DEFAULT_SECTION:
        # configparser copies [DEFAULT]'s keys into every section: writing
        # there would change every profile at once.
        raise errors.UsageError(
            "mfa-switch does not write to the [{}] section, whose keys apply "
            "to every profile; choose another profile name.".format(name)
        )


def _check_profile_name(name):
    if not isinstance(name, str):
        raise TypeError("profile names must be str, not {}".format(type(name).__name__))
    if not name or _has_line_break(name):
        raise errors.UsageError("{!r} cannot be used as a profile name.".format(name))


def _check_credentials_name(name):
    """The rule for a profile name mfa-switch writes into the credentials file."""
    if not isinstance(name, str):
        raise TypeError("section names must be str, not {}".format(type(name).__name__))
    if (not name or _has_line_break(name) or name != name.strip()
            or "[" in name or "]" in name):
        # botocore would read [ dev] back as " dev", the other AWS SDKs as
        # "dev" (they trim, and several stop at the first "]"): credentials
        # written under such a name would reach another profile there.
        raise errors.UsageError(
            "mfa-switch does not write credentials under the profile name "
            "{!r}: a name with a line break, square brackets or spaces at "
            "either end is not read back the same by every AWS tool; choose "
            "another name (for example with --target-profile).".format(name)
        )
    _check_section_name(name)  # [DEFAULT]


def _check_key(key):
    if not isinstance(key, str):
        raise TypeError("keys must be str, not {}".format(type(key).__name__))
    if not key or _BAD_KEY_RE.search(key) or _has_line_break(key):
        raise errors.UsageError("{!r} cannot be used as a key.".format(key))


def _check_values(values):
    """Validate ``values`` -> ``{lowered key: (key, stripped value)}``."""
    checked = {}
    for key, value in values.items():
        _check_key(key)
        if not isinstance(value, str):
            # Never show the value: it may be a secret.
            raise TypeError("the value for {} must be str".format(key))
        if _has_line_break(value):
            raise errors.UsageError(
                "The value for {} contains a line break, which cannot be "
                "written on one line of an INI file.".format(key)
            )
        lowered = key.lower()
        if lowered in checked:
            raise errors.UsageError(
                "The key {} is given twice (keys ignore case).".format(key)
            )
        # configparser strips surrounding whitespace on reading anyway.
        checked[lowered] = (key, value.strip())
    return checked


def _key_edits(values, remove):
    """``(wanted, removing)`` for one section, as the document's ``apply`` takes it."""
    wanted = _check_values(values)
    removing = set()
    for key in remove:
        _check_key(key)
        lowered = key.lower()
        if lowered in wanted:
            raise errors.UsageError(
                "The key {} cannot be both set and removed.".format(key)
            )
        removing.add(lowered)
    return wanted, frozenset(removing)


def _credentials_edits(sections, remove):
    """The edits of :func:`store_credentials`, every name and value checked."""
    remove = remove or {}
    edits = {}
    for name, values in sections.items():
        _check_credentials_name(name)
        wanted = _check_values({MANAGED_KEY: MANAGED_VALUE})
        for lowered, pair in _check_values(values).items():
            if lowered != MANAGED_KEY:  # the marker is ours to write
                wanted[lowered] = pair
        edits[name] = (wanted, frozenset(
            [_LEGACY_TOKEN_KEY, *(key.lower() for key in remove.get(name, ()))]))
    return edits


def _refuse_targets(document, names, adopt, real):
    """Refuse every target section holding credentials that are not ours."""
    for name in names:  # check every target before changing any
        section = document.section(name)
        if section is not None and not (adopt and adopt(name, section.own_values())):
            _refuse_unmanaged(section, real)


def _config_section(sections, profile):
    """The config section to edit for ``profile``: botocore's, else a new one."""
    found = profile_section(sections, CONFIG, profile)
    if found is not None:
        return found
    if profile == "default":
        candidates = ["default"]
    else:
        candidates = ["profile " + profile, 'profile "{}"'.format(profile),
                      "profile " + shlex.quote(profile)]
    for header in candidates:
        if header not in sections and profile_section(
                [*sections, header], CONFIG, profile) == header:
            return header
    raise errors.UsageError(
        "The profile name {!r} cannot be written as a section of the AWS "
        "config file that botocore reads back as that profile.".format(profile)
    )


def _refuse_unmanaged(section, real):
    own = section.own_values()
    if is_managed(own):
        return
    if any(key in own for key in _UNMARKED_REFUSAL_KEYS):
        raise errors.UnmanagedSectionError(
            "The section [{name}] in {path} holds credentials that mfa-switch "
            "did not write (long-term keys?), so it will not overwrite them: "
            "use --target-profile to write the temporary credentials under "
            "another name, or move those keys to another section (for example "
            "[{name}-long-term]) and set mfa_source_profile to that name.".format(
                name=section.name, path=real
            )
        )


def _edit(path, transform, subsections=True):
    """Run ``transform(text, view, real) -> new text`` under the lock and write.

    ``transform`` is also called once with ``dry_run=True`` on an empty text
    when the folder does not exist yet, outside the lock, to learn whether
    anything needs creating at all.

    Returns True if the file was rewritten, False if the new text is the
    same as the old one (the file is then not touched).
    """
    real = atomic.resolve(path)
    folder = os.path.dirname(real)
    if not os.path.isdir(folder):
        # Learn whether there is anything to write (and let validation fail)
        # before creating folders.
        if transform("", ({}, {}), real, dry_run=True) == "":
            return False
        make_private_dirs(folder)
    else:
        atomic.refuse_other(real)  # before taking a lock next to a FIFO, say
    with atomic.locked(real):
        for _ in range(_MAX_ATTEMPTS):
            data, old_stat = atomic.read_file(real)
            text = "" if data is None else inidoc.decode(data, real)
            view = inidoc.botocore_view(text, real, subsections)
            new_text = transform(text, view, real)
            if new_text == text:
                return False
            atomic.refuse_read_only(real, old_stat)
            if atomic.replace_atomically(real, new_text.encode("utf-8"), old_stat):
                return True
    raise errors.CredentialsFileError(
        "{} kept changing while mfa-switch was writing it (another program "
        "is editing it?), so it was left as it is; try again.".format(real)
    )
