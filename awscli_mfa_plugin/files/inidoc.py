"""INI text as botocore reads it, and the lossless document the editor changes.

The parsing half of :mod:`~awscli_mfa_plugin.files.inifile`: botocore's
view of a text (configparser with botocore's settings, parsed once per
text and shared), the line structure of the sections being edited (found
without scanning the whole file), the edit itself, and the check that
botocore reads exactly the intended change.
"""

import configparser
import contextlib
import gc
import io
import re

from awscli_mfa_plugin import errors


# Use configparser's own patterns so that "what is a header / an option" is
# decided by the same code botocore relies on.
_SECTCRE = configparser.RawConfigParser.SECTCRE

_OPTCRE = configparser.RawConfigParser.OPTCRE

_NONSPACECRE = configparser.RawConfigParser.NONSPACECRE

_COMMENT_PREFIXES = ("#", ";")

# configparser folds a ``[DEFAULT]`` section into every other section.
DEFAULT_SECTION = configparser.DEFAULTSECT

# Python opens text files with universal newlines, so for configparser (and
# hence botocore) "\r\n", a lone "\r" and "\n" all end a line.
_EOL_RE = re.compile(r"\r\n|\r|\n")


def decode(data, real):
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


def botocore_view(text, real, subsections=True):
    """``({section: {key: value}}, defaults)`` as botocore reads ``text``.

    Mirrors botocore.configloader.raw_config_parse: a default
    RawConfigParser reading through universal newlines, then (unless
    ``subsections`` is false) the check that indented sub-blocks are
    ``key = value`` lines.  The result is shared with the next caller
    that parses the same text: read it, or change a :func:`copy_view`.
    """
    global _last_view
    if _last_view is None or _last_view[:2] != (subsections, text):
        _last_view = (subsections, text, _parse_view(text, real, subsections))
    return _last_view[2]


def document(text):
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
    """What :func:`botocore_view` returns, parsed afresh."""
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


def copy_view(view):
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

    def _drop(self, section):
        """The lines of ``section`` kept when it goes: its comments and blank lines."""
        keyed = {section.header}
        for option in section.options:
            keyed.add(option.start)
            keyed.update(option.continuations)
        return [self.lines[index] for index in range(section.header, section.end)
                if index not in keyed]

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

    def apply(self, edits, view, real, subsections=True, dropping=frozenset()):
        """Return the new text with ``edits`` applied, verified against botocore.

        ``edits`` maps section name -> (``{lowered: (key, value)}``, keys to
        remove).  Text outside the edited sections is copied verbatim.
        ``view`` is botocore's reading of the old text: the caller has
        parsed it whole, so the file is known to be one botocore reads.
        A section named in ``dropping`` (whose edit removes all its keys)
        loses its header too, and the blank line put before it when it was
        appended; its comments stay.
        """
        spans = []  # (start offset, end offset, new text)
        appended = []
        blocks = []  # what _verify reads again: (name, edit, old, new, next line)
        gone = []  # dropped sections: (lines left, next line)
        for name, (wanted, removing) in edits.items():
            found = self._locate(name)
            if found is None:
                if wanted:
                    appended.append((name, wanted, removing))
                continue
            start, lines, section = found
            offset = start + sum(map(len, lines.lines[:section.header]))
            old_lines = lines.lines[section.header:section.end]
            end = offset + sum(map(len, old_lines))
            if section.end < len(lines.lines):
                following = lines.lines[section.end]
            else:
                following = _line_at(self.text, end)
            # An indented header after it would become a continuation of
            # the section before: then the header stays, with no keys.
            if name in dropping and not (following and following[:1].isspace()):
                new_lines = lines._drop(section)
                if not any(line.strip() for line in new_lines):
                    new_lines = []
                gone.append([offset, end, new_lines, following])
                continue
            new_lines = lines._rewrite(section, wanted, removing)
            spans.append((offset, end, "".join(new_lines)))
            blocks.append((name, (wanted, removing), old_lines, new_lines, following))

        # Dropped sections that leave nothing and end the file (alone or one
        # after another) also take the blank line put before the first of
        # them when it was appended.
        tail = len(self.text)
        for item in sorted(gone, key=lambda item: item[0], reverse=True):
            offset, end, new_lines, _ = item
            if new_lines or end != tail:
                break
            tail = offset
            if offset:
                before = _last_line_start(self.text[:offset])
                if not self.text[before:offset].strip():
                    item[0] = before  # may overlap the span before: both are ""
        spans += [(offset, end, "".join(new_lines))
                  for offset, end, new_lines, _ in gone]

        pieces = []
        position = 0
        for start, end, new in sorted(spans):
            pieces += [self.text[position:start], new]
            position = max(position, end)
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
        for _, _, lines_left, following in gone:
            _verify_gone(lines_left, following, real)
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


def _verify_gone(lines_left, following, real):
    """Refuse unless what is left of a dropped section is read as nothing.

    Only comments and blank lines stay, and the header that followed must
    still be read as that header.
    """
    text = "".join(lines_left) + (following or "")
    parser = configparser.RawConfigParser()
    try:
        parser.read_file(io.StringIO(text, newline=None))
    except configparser.Error:
        raise _unverified(real) from None
    expected = []
    if following is not None:
        next_name = _SECTCRE.match(_strip_eol(following).strip()).group("header")
        if next_name != DEFAULT_SECTION:
            expected = [next_name]
    if parser.sections() != expected or parser.defaults():
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
        if next_name != DEFAULT_SECTION:
            names.append(next_name)
    if parser.sections() != names or parser.defaults():
        return None
    values = dict(parser.items(name))
    if subsections and any(value.startswith("\n") and not _nested_ok(value)
                           for value in values.values()):
        return None
    return values
