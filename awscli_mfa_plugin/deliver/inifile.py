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
* **Serialized.**  Writers hold an exclusive ``flock`` on a hidden lock
  file next to the real file for the whole read-modify-write, so
  concurrent runs writing different sections all land; the lock file is
  removed before the lock is released.

Reading profiles for any other purpose goes through the botocore session;
:func:`read_sections` exists for the writers' own checks and for tests.
"""

import configparser
import contextlib
import enum
import errno
import gc
import io
import os
import re
import shlex
import stat
import tempfile
import time

from awscli_mfa_plugin import errors
from awscli_mfa_plugin.deliver.stored import MANAGED_KEY, MANAGED_VALUE, is_managed

try:
    import fcntl
except ImportError:  # Windows has no flock; _locked says so in a sentence
    fcntl = None

CREDENTIAL_KEYS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")

#: Seconds to wait for another writer's lock before giving up with a sentence.
LOCK_TIMEOUT = 30.0


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

# How often the whole read-modify-write is retried when the file changes
# under us (a writer that does not take our lock, e.g. ``aws configure set``).
_MAX_ATTEMPTS = 5

# Use configparser's own patterns so that "what is a header / an option" is
# decided by the same code botocore relies on.
_SECTCRE = configparser.RawConfigParser.SECTCRE
_OPTCRE = configparser.RawConfigParser.OPTCRE
_NONSPACECRE = configparser.RawConfigParser.NONSPACECRE
_COMMENT_PREFIXES = ("#", ";")
# configparser folds a ``[DEFAULT]`` section into every other section.
_DEFAULT_SECTION = configparser.DEFAULTSECT

# Python opens text files with universal newlines, so for configparser (and
# hence botocore) "\r\n", a lone "\r" and "\n" all end a line.
_EOL_RE = re.compile(r"\r\n|\r|\n")

# Characters that would change how a key line is read back: delimiters,
# whitespace, and leading characters that make the line a comment or header.
_BAD_KEY_RE = re.compile(r"[=:\s\[\]]|^[#;]")

_TEMP_SUFFIX = ".tmp"
_LOCK_SUFFIX = ".lock"


def _temp_prefix(real_path):
    # Hidden, named after the file and this tool, so a stray one (left by a
    # SIGKILL) is recognisable and can be swept up by the next writer.
    return "." + os.path.basename(real_path) + ".mfa-switch-"


def lock_path(real_path):
    """The lock file that serializes writers of ``real_path`` (symlinks resolved).

    Hidden and named after this tool (``.credentials.mfa-switch.lock``): it
    exists only while a write is under way.  Earlier versions locked
    ``credentials.lock`` and left it behind; that name is not used any more,
    so one left root-owned by a run as root blocks nobody.

    >>> lock_path("/home/alice/.aws/credentials")
    '/home/alice/.aws/.credentials.mfa-switch.lock'
    """
    folder, name = os.path.split(real_path)
    return os.path.join(folder, "." + name + ".mfa-switch" + _LOCK_SUFFIX)


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


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
        document = _document(text)
        _refuse_targets(document, edits, adopt, real)
        return document.apply(edits, view, real)

    _edit(path, transform)


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
    real = _resolve(path)
    edits = _credentials_edits(dict.fromkeys(names, _PLACEHOLDER_VALUES), remove)
    data, _ = _read_file(real)
    _check_lock_file(real)
    if data is None:
        return
    text = _decode(data, real)
    _botocore_view(text, real)  # UnparsableFileError, as on writing
    _refuse_targets(_document(text), edits, adopt, real)


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
            check(_copy_view(sections))
        section = profile if kind is CREDENTIALS else _config_section(sections, profile)
        return _document(text).apply({section: edit}, view, real)

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
            check(_copy_view(view[0]))
        return _document(text).apply(edits, view, real, subsections)

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
    real = _resolve(path)
    data, _ = _read_file(real, skip_other=True)
    if data is None:
        return {}
    view, _ = _botocore_view(_decode(data, real), real, subsections)
    return _copy_view(view)


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


def make_private_dirs(folder):
    """Create ``folder`` and any missing parents, each 0700 whatever the umask.

    Run as root inside another user's folder (``sudo`` keeping ``HOME``, a
    container on a mounted ``~/.aws``), each new folder gets the owner of
    the folder it is made in, so that user can still use it.
    """
    missing = []
    while folder and not os.path.isdir(folder):
        missing.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            continue  # another run made it first
        except OSError as exc:
            raise _file_error("create the folder", directory, exc) from None
        os.chmod(directory, 0o700)  # whatever the umask says
        _give_to_owner(directory, os.path.dirname(directory))


# --------------------------------------------------------------------------
# Validation of what callers ask us to write
# --------------------------------------------------------------------------


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
    if name == _DEFAULT_SECTION:
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
    """``(wanted, removing)`` for one section, as ``_Document.apply`` takes it."""
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


# --------------------------------------------------------------------------
# Parsing: botocore's view, and the line structure we edit
# --------------------------------------------------------------------------


def _decode(data, real):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise errors.UnparsableFileError(
            "{} cannot be parsed: it is not valid UTF-8 (byte {}). mfa-switch "
            "never rewrites a file it cannot parse; re-save it as UTF-8 and "
            "try again.".format(real, exc.start)
        ) from None
    if text.startswith("\ufeff"):
        # botocore reads the mark as part of the first line and fails, so
        # the file is already unusable; say why in plain words.
        raise errors.UnparsableFileError(
            "{} cannot be parsed: it starts with a byte-order mark, which "
            "botocore cannot read. mfa-switch never rewrites a file it cannot "
            "parse; re-save it as UTF-8 without BOM and try again.".format(real)
        )
    return text


def _describe_parse_error(exc):
    # configparser's own messages quote the offending line, which may well
    # hold a secret; build a sentence from line numbers and names only.
    if isinstance(exc, configparser.MissingSectionHeaderError):
        return "line {} comes before any [section] header".format(exc.lineno)
    if isinstance(exc, configparser.DuplicateSectionError):
        return "the section [{}] appears twice (line {})".format(exc.section, exc.lineno)
    if isinstance(exc, configparser.DuplicateOptionError):
        return "a key appears twice in the section [{}] (line {})".format(
            exc.section, exc.lineno
        )
    if isinstance(exc, configparser.ParsingError):
        numbers = [str(lineno) for lineno, _ in exc.errors]
        if len(numbers) == 1:
            return "line {} is not a [section] header, a key = value line or a comment".format(
                numbers[0]
            )
        shown = ", ".join(numbers[:5]) + (" ..." if len(numbers) > 5 else "")
        return "lines {} are not [section] headers, key = value lines or comments".format(shown)
    return "it is not a valid INI file"


# The last text parsed, with what botocore reads in it and its line
# structure.  A switch parses the same text twice: to refuse an unmanaged
# section before asking for a code, and under the lock before writing; with
# thousands of profiles one parse takes longer than the STS call.  Only an
# identical text is answered from here, so a file changed in between is
# parsed afresh.
_last_view = None
_last_document = None


def _botocore_view(text, real, subsections=True):
    """``({section: {key: value}}, defaults)`` as botocore reads ``text``.

    Mirrors botocore.configloader.raw_config_parse: a default
    RawConfigParser reading through universal newlines, then (unless
    ``subsections`` is false) the check that indented sub-blocks are
    ``key = value`` lines.  The result is shared with the next caller
    that parses the same text: read it, or change a :func:`_copy_view`.
    """
    global _last_view
    if _last_view is None or _last_view[:2] != (subsections, text):
        _last_view = (subsections, text, _parse_view(text, real, subsections))
    return _last_view[2]


def _document(text):
    """The :class:`_Document` of ``text`` (which it never changes)."""
    global _last_document
    if _last_document is None or _last_document[0] != text:
        with _collector_paused():
            _last_document = (text, _Document(text))
    return _last_document[1]


@contextlib.contextmanager
def _collector_paused():
    """Parsing makes many small objects and no reference cycles, so Python's
    cyclic garbage collector would only walk them, again and again: on a
    5,000-profile file that is a good part of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse_view(text, real, subsections):
    """What :func:`_botocore_view` returns, parsed afresh."""
    with _collector_paused():
        return _parse_view_of(text, real, subsections)


def _parse_view_of(text, real, subsections):
    parser = configparser.RawConfigParser()
    try:
        parser.read_file(io.StringIO(text, newline=None), source=real)
    except configparser.Error as exc:
        raise errors.UnparsableFileError(
            "{} cannot be parsed: {}. mfa-switch never rewrites a file it "
            "cannot parse; fix it and try again.".format(real, _describe_parse_error(exc))
        ) from None
    view = {}
    for section in parser.sections():
        view[section] = {}
        # items() reads a section's values in one go, where get() builds a
        # lookup chain for every key: a good share of the parse on a file
        # of thousands of profiles.
        values = dict(parser.items(section))
        for option in parser.options(section):
            value = values[option]
            if subsections and value.startswith("\n") and not _nested_ok(value):
                raise errors.UnparsableFileError(
                    "{} cannot be parsed: the indented lines under a key in the "
                    "section [{}] are not all key = value lines. mfa-switch "
                    "never rewrites a file it cannot parse; fix it and try "
                    "again.".format(real, section)
                )
            view[section][option] = value
    return view, dict(parser.defaults())


def _nested_ok(value):
    # botocore.configloader._parse_nested: every non-blank line needs an "=".
    for line in value.splitlines():
        line = line.strip()
        if line and "=" not in line:
            return False
    return True


def _copy_view(view):
    return {section: dict(keys) for section, keys in view.items()}


class _Option:
    """One ``key = value`` line and its continuation lines."""

    __slots__ = ("key", "start", "end", "continuations", "indent", "value_lines")

    def __init__(self, key, start, indent, value):
        self.key = key  # lower-cased, as configparser's optionxform does
        self.start = start  # index of the key line
        self.end = start + 1  # one past the last continuation line
        self.continuations = []
        self.indent = indent  # the key line's leading whitespace, verbatim
        self.value_lines = [value]

    @property
    def value(self):
        return "\n".join(self.value_lines).rstrip()


class _Section:
    __slots__ = ("name", "header", "end", "options")

    def __init__(self, name, header):
        self.name = name
        self.header = header  # index of the [header] line
        self.end = None  # index of the next header line, or len(lines)
        self.options = []

    def own_values(self):
        return {option.key: option.value for option in self.options}


class _Lines:
    """A stretch of the file as lines, with where each section and key line is.

    The classification below is configparser's ``_read`` step for step
    (comments, blank lines inside values, continuation by indentation,
    headers), so that the lines we edit are the ones configparser would
    read as that key.  It assumes the text already parsed without error,
    and that the stretch starts where configparser's state is fresh: at
    the start of the file or at a header line.
    """

    def __init__(self, text, eol):
        self.lines = []  # each line with its own line ending, verbatim
        position = 0
        for match in _EOL_RE.finditer(text):
            self.lines.append(text[position:match.end()])
            position = match.end()
        if position < len(text):
            self.lines.append(text[position:])
        self.eol = eol
        self.sections = []
        self._by_name = {}
        self._scan()

    def _scan(self):
        section = None
        option = None
        indent_level = 0
        for index, line in enumerate(self.lines):
            content = _strip_eol(line)
            stripped = content.strip()
            if not stripped or stripped.startswith(_COMMENT_PREFIXES):
                # Blank lines belong to a running value (trailing ones are
                # stripped at the end); comment lines are skipped.
                if not stripped and option is not None:
                    option.value_lines.append("")
                continue
            found = _NONSPACECRE.search(content)
            indent = found.start() if found else 0
            if option is not None and indent > indent_level:
                option.value_lines.append(stripped)
                option.continuations.append(index)
                option.end = index + 1
                continue
            indent_level = indent
            header = _SECTCRE.match(stripped)
            if header:
                if section is not None:
                    section.end = index
                section = _Section(header.group("header"), index)
                self.sections.append(section)
                # A repeated [DEFAULT] is legal; it is never a target.
                self._by_name.setdefault(section.name, section)
                option = None
                continue
            match = _OPTCRE.match(stripped)
            if section is None or not match:  # pragma: no cover - parsed before
                raise AssertionError("line {} does not parse".format(index + 1))
            option = _Option(
                match.group("option").rstrip().lower(),
                index,
                content[:indent],
                match.group("value").strip(),
            )
            section.options.append(option)
        if section is not None:
            section.end = len(self.lines)

    def section(self, name):
        return self._by_name.get(name)

    def _rewrite(self, section, wanted, removing):
        """The new lines of ``section``: header to just before the next header."""
        replaced = {}
        dropped = set()
        present = set()
        survivors = []
        for option in section.options:
            if option.key in wanted:
                present.add(option.key)
                survivors.append(option)
                key, value = wanted[option.key]
                if option.value != value:
                    # Keep the line's indentation: it decides, for the lines
                    # that follow, what counts as a continuation.
                    line = self.lines[option.start]
                    eol = line[len(_strip_eol(line)):]
                    replaced[option.start] = _key_line(option.indent, key, value, eol)
                    dropped.update(option.continuations)
            elif option.key in removing:
                dropped.add(option.start)
                dropped.update(option.continuations)
            else:
                survivors.append(option)

        missing = [pair for lowered, pair in wanted.items() if lowered not in present]
        insert_at = None
        if missing:
            if survivors:
                # After the last key's block.  Key lines in a section never
                # indent further than the one before (that would make them
                # continuations), and the next header is no deeper than the
                # last key, so the last key's indentation is safe both for
                # our lines and for what follows them.
                insert_at = survivors[-1].end
                indent = survivors[-1].indent
            else:
                # Right after the header and the comments hugging it.  Only
                # blank and comment lines follow up to the next header; our
                # lines must not be shallower than it, or it would be read as
                # a continuation of our last value.
                insert_at = section.header + 1
                while insert_at < section.end and self.lines[insert_at].strip().startswith(
                    _COMMENT_PREFIXES
                ):
                    insert_at += 1
                indent = ""
                if section.end < len(self.lines):
                    following = self.lines[section.end]
                    indent = following[: _NONSPACECRE.search(following).start()]
            block = [_key_line(indent, key, value, self.eol) for key, value in missing]

        out = []
        for index in range(section.header, section.end):
            if index == insert_at:
                _extend_lines(out, block, self.eol)
            if index in dropped:
                continue
            out.append(replaced.get(index, self.lines[index]))
        if insert_at == section.end:
            _extend_lines(out, block, self.eol)
        return out


class _Document:
    """The file's text, scanned only where a section is looked up.

    configparser's state at an unindented header line depends on that line
    alone: it is never a continuation (nothing is indented less than
    nothing), it starts its section and ends any value.  So the text between
    two such lines can be scanned on its own, exactly, and finding one
    section costs the lines around it, not the file: the lines that could
    be its header are found by a regular expression, and only the stretch
    holding each is scanned to tell a header from a continuation.  A file
    with lone ``\r`` line ends (which ``^`` does not see) is scanned whole.
    """

    def __init__(self, text):
        self.text = text
        self.eol = _dominant_eol(text)
        self._stretches = {}  # start offset -> (end offset, _Lines)
        self._found = {}  # section name -> (start offset, _Lines, _Section) or None
        self._whole = text.count("\r") != text.count("\r\n")

    def section(self, name):
        found = self._locate(name)
        return None if found is None else found[2]

    def _locate(self, name):
        if name not in self._found:
            self._found[name] = self._search(name)
        return self._found[name]

    def _search(self, name):
        if self._whole:
            starts = [0]
        else:
            pattern = re.compile(r"^[^\S\r\n]*\[" + re.escape(name) + r"\][^\]\r\n]*\r?$",
                                 re.MULTILINE)
            starts = [self._stretch_start(m.start()) for m in pattern.finditer(self.text)]
        for start in dict.fromkeys(starts):
            lines = self._stretch(start)
            section = lines.section(name)
            if section is not None:
                return start, lines, section
        return None

    def _is_top_header(self, position):
        """Whether an unindented header line starts at ``position``."""
        if self.text.startswith("[", position) and (
                position == 0 or self.text[position - 1] == "\n"):
            end = self.text.find("\n", position)
            line = self.text[position:None if end < 0 else end]
            return _SECTCRE.match(line.strip()) is not None
        return False

    def _stretch_start(self, position):
        """The unindented header line at or before ``position``, else 0."""
        line_start = self.text.rfind("\n", 0, position) + 1
        if self._is_top_header(line_start):
            return line_start
        while True:
            found = self.text.rfind("\n[", 0, line_start)
            if found < 0:
                return 0
            line_start = found + 1
            if self._is_top_header(line_start):
                return line_start
            line_start = found

    def _stretch_end(self, start):
        """The next unindented header line after the one at ``start``."""
        position = start
        while True:
            found = self.text.find("\n[", position)
            if found < 0:
                return len(self.text)
            if self._is_top_header(found + 1):
                return found + 1
            position = found + 1

    def _stretch(self, start):
        if start not in self._stretches:
            end = len(self.text) if self._whole else self._stretch_end(start)
            with _collector_paused():
                self._stretches[start] = (end, _Lines(self.text[start:end], self.eol))
        return self._stretches[start][1]

    def apply(self, edits, view, real, subsections=True):
        """Return the new text with ``edits`` applied, verified against botocore.

        ``edits`` maps section name -> (``{lowered: (key, value)}``, keys to
        remove).  Text outside the edited sections is copied verbatim.
        ``view`` is botocore's reading of the old text: the caller has
        parsed it whole, so the file is known to be one botocore reads.
        """
        spans = []  # (start offset, end offset, new text)
        appended = []
        blocks = []  # what _verify reads again: (name, edit, old, new, next line)
        for name, (wanted, removing) in edits.items():
            found = self._locate(name)
            if found is None:
                if wanted:
                    appended.append((name, wanted, removing))
                continue
            start, lines, section = found
            new_lines = lines._rewrite(section, wanted, removing)
            offset = start + sum(map(len, lines.lines[:section.header]))
            old_lines = lines.lines[section.header:section.end]
            end = offset + sum(map(len, old_lines))
            spans.append((offset, end, "".join(new_lines)))
            if section.end < len(lines.lines):
                following = lines.lines[section.end]
            else:
                following = _line_at(self.text, end)
            blocks.append((name, (wanted, removing), old_lines, new_lines, following))

        pieces = []
        position = 0
        for start, end, new in sorted(spans):
            pieces += [self.text[position:start], new]
            position = end
        pieces.append(self.text[position:])
        new_text = "".join(pieces)

        for name, wanted, removing in appended:
            if new_text and not _has_eol(new_text):
                new_text += self.eol  # the old last line gets its line end
            last_line = new_text[_last_line_start(new_text):]
            if last_line.strip():
                new_text += self.eol  # one blank line between sections
            block = ["[" + name + "]" + self.eol]
            block.extend(_key_line("", key, value, self.eol) for key, value in wanted.values())
            new_text += "".join(block)
            blocks.append((name, (wanted, removing), None, block, None))

        _verify(blocks, real, subsections)
        return new_text


def _line_at(text, position):
    """The line starting at ``position``, with its line end, or ``None`` at the end."""
    if position >= len(text):
        return None
    match = _EOL_RE.search(text, position)
    return text[position:match.end() if match else len(text)]


def _last_line_start(text):
    """Where the last line of ``text`` (which ends with a line end) starts."""
    body = text[:-2] if text.endswith("\r\n") else text[:-1]
    return max(body.rfind("\n"), body.rfind("\r")) + 1


def _strip_eol(line):
    return line.rstrip("\r\n")


def _has_eol(line):
    return line.endswith(("\n", "\r"))


def _extend_lines(out, block, eol):
    if out and not _has_eol(out[-1]):
        out[-1] += eol  # only the file's last line can lack one
    out.extend(block)


def _key_line(indent, key, value, eol):
    return indent + key + (" = " + value if value else " =") + eol


def _dominant_eol(text):
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    if crlf > lf and crlf >= cr:
        return "\r\n"
    if cr > lf and cr > crlf:
        return "\r"
    return "\n"


def _verify(blocks, real, subsections):
    """Refuse to write unless botocore reads exactly the intended change.

    This is the safety net under the line-level editing, and it reads only
    what can differ.  The new text is the old one with the lines of each
    target section (from its header to the next header) replaced, and new
    sections appended at the end; every other line is the old line,
    verbatim.  configparser's state at a header line depends on that line
    alone (it starts a section and ends any value), so:

    * a rewritten section, read on its own, must hold exactly the old
      section's keys with the edits applied - same keys, same values,
      nothing mis-read as a continuation or a duplicate;
    * the header that followed it must still be read as a header, not as a
      continuation of the section's last value; then everything after it
      reads as before, because the lines are the same and so is the state;
    * everything before a rewritten section is unchanged, and so is its own
      header line, which therefore still starts it;
    * an appended section starts with an unindented header, which is never
      a continuation, and holds exactly what was asked.

    ``[DEFAULT]`` is never a target, so the defaults every section inherits
    are unchanged too.  The cost grows with the sections changed, not with
    the file.  ``blocks`` are ``(name, (wanted, removing), old lines or
    None, new lines, the line after them or None)``.
    """
    for name, (wanted, removing), old_lines, new_lines, following in blocks:
        expected = {} if old_lines is None else _read_block(
            old_lines, name, None, subsections)
        if expected is None:  # pragma: no cover - the whole file parsed
            raise _unverified(real)
        for lowered in removing:
            expected.pop(lowered, None)
        for lowered, (_, value) in wanted.items():
            expected[lowered] = value
        if _read_block(new_lines, name, following, subsections) != expected:
            raise _unverified(real)


def _unverified(real):
    return errors.CredentialsFileError(
        "mfa-switch could not edit {} without changing other entries, so "
        "it left the file untouched; please report this.".format(real)
    )


def _read_block(lines, name, following, subsections):
    """The keys of section ``name`` in ``lines`` read on their own, or ``None``.

    ``lines`` start with the section's header and hold nothing else; when
    ``following`` (the header line after them) is given, it must still be
    read as a header.  ``None`` when configparser reads anything else.
    """
    text = "".join(lines)
    if following is not None:
        if not _has_eol(text):  # pragma: no cover - only the last line lacks one
            return None
        text += following
    parser = configparser.RawConfigParser()
    try:
        parser.read_file(io.StringIO(text, newline=None))
    except configparser.Error:
        return None
    names = [name]
    if following is not None:
        next_name = _SECTCRE.match(_strip_eol(following).strip()).group("header")
        # Read as a continuation instead, it would also change the last
        # value above it; [DEFAULT] is not listed among the sections.
        if next_name != _DEFAULT_SECTION:
            names.append(next_name)
    if parser.sections() != names or parser.defaults():
        return None
    values = dict(parser.items(name))
    if subsections and any(value.startswith("\n") and not _nested_ok(value)
                           for value in values.values()):
        return None
    return values


# --------------------------------------------------------------------------
# Files: resolving, locking, reading, atomic replacement
# --------------------------------------------------------------------------


def _resolve(path):
    # Dotfiles setups symlink ~/.aws/credentials: edit the real file (and
    # keep the link) by working next to the link's final target.
    return os.path.realpath(os.fsdecode(os.fspath(path)))


def _file_error(action, path, exc):
    reason = exc.strerror or str(exc)
    return errors.CredentialsFileError("Cannot {} {}: {}.".format(action, path, reason))


def _owner_of(path):
    """``(uid, gid)`` of ``path``, or ``None`` where that cannot be told."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_uid, st.st_gid


def _give_to_owner(target, folder, owner=None):
    """As root, hand what we just created in ``folder`` to the folder's owner.

    ``target`` is a path or a file descriptor.  Run as root in a user's
    ``~/.aws`` (sudo keeping HOME, a container on a mounted folder), a new
    file or lock left root's would lock that user out of their own files.
    """
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return
    owner = owner or _owner_of(folder)
    if owner is None or owner[0] == 0:
        return
    with contextlib.suppress(OSError):
        if isinstance(target, int):
            os.fchown(target, *owner)
        else:
            os.chown(target, *owner, follow_symlinks=False)


@contextlib.contextmanager
def _locked(real):
    """Hold an exclusive ``flock`` on :func:`lock_path` for the duration.

    A separate file is locked because the data file's inode is replaced on
    every write.  It is opened with ``O_NOFOLLOW``, so a symlink planted
    there is refused, never followed (nor its target created).  It is
    unlinked while still held, so none stays in the user's folder; a waiter
    whose ``flock`` then succeeds on the unlinked file sees that the path
    no longer leads to it and locks the next one.  A run as root hands a
    new lock file to the owner of the file it guards, so that even one left
    by a crash stays usable by that user.  The kernel drops a ``flock``
    when its holder dies, so a leftover file never blocks anyone.

    Hand-written, not the ``filelock`` package, which was tried and
    measured (commit e2f4c6e, 2026-12-02, 2 shared cores): AWS CLI v2
    imports this plugin from a folder that does not hold its dependencies
    (the source tree of an editable install; see install.plugin_folder),
    where ``import filelock`` fails, so every switch under v2 ended in "No
    module named 'filelock'"; it also added 19 ms (median of 21) to every
    ``aws`` process that writes - ``aws mfa-switch`` against a bare
    ``aws sts assume-role`` went from 1.042x to 1.069x the instructions -
    and a locked edit that changes nothing took 1.17 ms against the old
    hand-written lock's 0.29 ms.  This lock, which also creates and removes
    its file each time, takes 0.39 ms against filelock's 0.95 ms in the
    same run (bench/lock.py --against e2f4c6e, medians of 3000 edits).
    What filelock would have added is the few lines below: ``O_NOFOLLOW``,
    the unlinked-file recheck, the timeout.
    """
    if fcntl is None:
        raise errors.CredentialsFileError(
            "mfa-switch cannot lock files on this system yet, so it does not "
            "write {}.".format(real)
        )
    path = lock_path(real)
    deadline = time.monotonic() + LOCK_TIMEOUT
    pause = 0.005
    while True:
        held = _try_lock(path, real)
        if held is not None:
            break
        if time.monotonic() >= deadline:
            raise errors.CredentialsFileError(
                "Another program has held the lock {} for {:g} seconds (another "
                "mfa-switch run?), so {} was not changed; try again when it has "
                "finished.".format(path, LOCK_TIMEOUT, real)
            )
        time.sleep(pause)
        pause = min(pause * 2, 0.1)
    fd, st = held
    try:
        yield
    finally:
        try:
            with contextlib.suppress(OSError):
                if os.path.samestat(os.lstat(path), st):
                    os.unlink(path)  # still held: nobody can lock it meanwhile
        finally:
            os.close(fd)  # releases the flock


def _try_lock(path, real):
    """``(fd, stat)`` holding the lock on the file at ``path``, or ``None`` if busy."""
    flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOFOLLOW
    while True:
        try:
            fd = os.open(path, flags, 0o600)
        except OSError as exc:
            raise _lock_error(path, real, exc) from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise errors.CredentialsFileError(
                    "Cannot lock {}: {} is not a regular file; remove it and try "
                    "again.".format(real, path))
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    os.close(fd)
                    return None
                raise _file_error("lock", real, exc) from None
            try:
                current = os.lstat(path)
            except FileNotFoundError:
                current = None
            if current is None or not os.path.samestat(current, st):
                os.close(fd)  # its holder unlinked it: lock the next one
                continue
            if st.st_uid == os.geteuid() and stat.S_IMODE(st.st_mode) != 0o600:
                with contextlib.suppress(OSError):
                    os.fchmod(fd, 0o600)  # whatever the umask left
            _give_to_owner(fd, os.path.dirname(real), _owner_of(real))
            return fd, st
        except BaseException:
            with contextlib.suppress(OSError):
                os.close(fd)
            raise


def _check_lock_file(real):
    """Refuse now a lock file the write could not use (taking it waits, or worse)."""
    path = lock_path(real)
    try:
        st = os.lstat(path)
    except OSError:
        return  # none there: the usual case, since writers remove theirs
    if stat.S_ISLNK(st.st_mode) or not os.access(path, os.R_OK | os.W_OK):
        raise _lock_error(path, real, PermissionError(13, "Permission denied"))


def _lock_error(path, real, exc):
    """The sentence for a lock file that cannot be opened."""
    try:
        st = os.lstat(path)
    except OSError:
        st = None
    if st is not None and stat.S_ISLNK(st.st_mode):
        return errors.CredentialsFileError(
            "Cannot lock {}: {} is a symbolic link, which mfa-switch never "
            "follows for a lock file; remove it and try again.".format(real, path)
        )
    if (st is not None and isinstance(exc, PermissionError)
            and hasattr(os, "geteuid") and st.st_uid != os.geteuid()):
        return errors.CredentialsFileError(
            "Cannot lock {}: the lock file {} belongs to another user (left by "
            "a run as root?) and cannot be opened; remove it and try "
            "again.".format(real, path)
        )
    return _file_error("lock", real, exc)


def _signature(st):
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _not_regular(real, mode):
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return errors.CredentialsFileError(
        "Cannot write {}: it is {}, not a regular file (botocore skips it "
        "unread); put a regular file in its place, or point the AWS CLI at "
        "another file.".format(real, kind)
    )


def _read_file(real, *, skip_other=False):
    """``(bytes, stat)`` of the file, or ``(None, None)`` if it does not exist.

    Something other than a regular file in its place (a FIFO, a device, a
    folder) is never opened for reading: it reads as missing with
    ``skip_other``, as botocore reads it, and is an error otherwise, since
    the caller means to replace it.
    """
    try:
        mode = os.stat(real).st_mode
        if stat.S_ISREG(mode):
            # O_NONBLOCK: a FIFO swapped in since the stat must not hang us.
            fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
            with open(fd, "rb") as handle:
                st = os.fstat(fd)
                if stat.S_ISREG(st.st_mode):
                    return handle.read(), st
                mode = st.st_mode
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        raise _file_error("read", real, exc) from None
    if skip_other:
        return None, None
    raise _not_regular(real, mode)


def _refuse_other(real):
    try:
        mode = os.stat(real).st_mode
    except OSError:
        return  # missing, or the locked read says why
    if not stat.S_ISREG(mode):
        raise _not_regular(real, mode)


def _current_signature(real):
    try:
        return _signature(os.stat(real))
    except FileNotFoundError:
        return None


def _sweep_stale_temps(folder, prefix):
    # Temp files are only ever created under the lock, which we now hold:
    # any left over belong to a writer that was killed mid-write.
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.startswith(prefix) and name.endswith(_TEMP_SUFFIX):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))


def _fsync_folder(folder):
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot fsync a folder; the rename stands
    finally:
        os.close(fd)


def _replace_atomically(real, data, old_stat):
    """Write ``data`` over ``real`` via a fsynced temp file and a rename.

    Returns False (writing nothing) if the file changed since it was read,
    so that the caller re-reads and does not lose that change.

    Kept by hand rather than taken from a library: it must keep the old
    file's owner and owner-only mode, sweep temp files a killed writer left,
    and refuse to rename over a file that changed since it was read, which
    the atomic-write packages do not do together.
    """
    folder = os.path.dirname(real)
    prefix = _temp_prefix(real)
    _sweep_stale_temps(folder, prefix)
    try:
        fd, temp = tempfile.mkstemp(prefix=prefix, suffix=_TEMP_SUFFIX, dir=folder)
    except OSError as exc:
        raise _file_error("write a temporary file in", folder, exc) from None
    try:
        try:
            with open(fd, "wb", closefd=True) as handle:
                handle.write(data)
                handle.flush()
                if old_stat is None:
                    mode = 0o600
                    _give_to_owner(handle.fileno(), folder)
                else:
                    # Keep the owner's bits; credentials are nobody else's.
                    mode = stat.S_IMODE(old_stat.st_mode) & 0o700
                    if (old_stat.st_uid, old_stat.st_gid) != (os.geteuid(), os.getegid()):
                        # e.g. root in a container writing a mounted ~/.aws:
                        # the file must stay its owner's.
                        with contextlib.suppress(OSError):
                            os.fchown(handle.fileno(), old_stat.st_uid, old_stat.st_gid)
                os.fchmod(handle.fileno(), mode)
                # Last, so that content, mode and owner are all on disk
                # before the rename makes them the real file.
                os.fsync(handle.fileno())
            old_signature = None if old_stat is None else _signature(old_stat)
            if _current_signature(real) != old_signature:
                return False
            os.replace(temp, real)
        except OSError as exc:
            raise _file_error("write", real, exc) from None
        temp = None
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
    _fsync_folder(folder)
    return True


def _edit(path, transform, subsections=True):
    """Run ``transform(text, view, real) -> new text`` under the lock and write.

    ``transform`` is also called once with ``dry_run=True`` on an empty text
    when the folder does not exist yet, outside the lock, to learn whether
    anything needs creating at all.

    Returns True if the file was rewritten, False if the new text is the
    same as the old one (the file is then not touched).
    """
    real = _resolve(path)
    folder = os.path.dirname(real)
    if not os.path.isdir(folder):
        # Learn whether there is anything to write (and let validation fail)
        # before creating folders.
        if transform("", ({}, {}), real, dry_run=True) == "":
            return False
        make_private_dirs(folder)
    else:
        _refuse_other(real)  # before taking a lock next to a FIFO, say
    with _locked(real):
        for _ in range(_MAX_ATTEMPTS):
            data, old_stat = _read_file(real)
            text = "" if data is None else _decode(data, real)
            view = _botocore_view(text, real, subsections)
            new_text = transform(text, view, real)
            if new_text == text:
                return False
            if _replace_atomically(real, new_text.encode("utf-8"), old_stat):
                return True
    raise errors.CredentialsFileError(
        "{} kept changing while mfa-switch was writing it (another program "
        "is editing it?), so it was left as it is; try again.".format(real)
    )
