"""Tests for awscli_mfa_plugin.files.inifile: the credentials file is never damaged.

Every test works in its own temporary folder; none touches the real ~/.aws.
"""

import configparser
import contextlib
import io
import os
import re
import shutil
import stat
import tempfile
import time
from pathlib import Path

import pytest
from botocore.configloader import raw_config_parse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from awscli_mfa_plugin import errors
from awscli_mfa_plugin.files import inidoc, inifile
from awscli_mfa_plugin.stored import holds_long_term_keys, is_managed
from tests.files import new_credentials

FIXTURES = Path(__file__).parent.parent / "fixtures"
CREDENTIAL_FIXTURES = sorted((FIXTURES / "credentials").glob("*.ini"))
UNPARSABLE_FIXTURES = sorted((FIXTURES / "unparsable").glob("*.ini"))
REPO_ROOT = Path(__file__).resolve().parent.parent.parent

OWNED_SECRET_KEYS = inifile.CREDENTIAL_KEYS + ("aws_security_token",)



# --------------------------------------------------------------------------
# Helpers: split a file at its header lines and compare spans byte for byte
# --------------------------------------------------------------------------

_LINE_RE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def lines_of(data):
    """The lines of ``data`` (bytes), each with its own line ending."""
    return _LINE_RE.findall(data)


def header_name(line):
    """The section name if ``line`` is a header line, else None.

    Like configparser: the text between the first ``[`` and the last ``]``
    of the stripped line.  (The fixtures hold no continuation line that
    looks like a header, so indentation can be ignored here.)
    """
    stripped = line.strip()
    end = stripped.rfind(b"]")
    if stripped.startswith(b"[") and end >= 2:
        return stripped[1:end].decode("utf-8")
    return None


def split_sections(data):
    """``[(section name or None for the prelude, bytes of its span)]``."""
    spans = [[None, b""]]
    for line in lines_of(data):
        name = header_name(line)
        if name is not None:
            spans.append([name, b""])
        spans[-1][1] += line
    return [tuple(span) for span in spans]


def assert_only_targets_changed(before, after, targets):
    """Every byte outside the target sections is as before.

    Sections keep their order, appended targets come last, and the only
    change allowed outside the targets is line ends (a missing final newline
    and one blank separator) after the old last line when a section was
    appended.
    """
    old = split_sections(before)
    new = split_sections(after)
    old_names = [name for name, _ in old]
    appended = [t for t in targets if t not in old_names]
    assert [name for name, _ in new] == old_names + appended
    for position, ((name, old_span), (_, new_span)) in enumerate(zip(old, new)):
        if name in targets or old_span == new_span:
            continue
        assert appended and position == len(old) - 1, "span of [%s] changed" % name
        assert new_span.startswith(old_span)
        extra = new_span[len(old_span):]
        assert extra.strip(b"\r\n") == b"" and extra.count(b"\n") + extra.count(b"\r") <= 4


def target_span(data, target):
    for name, span in split_sections(data):
        if name == target:
            return span
    return None


def kept_lines(span, our_keys):
    """Comment lines, and lines of keys that are not ours with their
    continuation lines, in order: what must survive in a target section."""
    kept = []
    skipping_deeper_than = None  # indentation of one of our key lines
    for line in lines_of(span)[1:]:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith((b"#", b";")):
            kept.append(stripped)
            continue
        indent = len(line) - len(line.lstrip())
        if skipping_deeper_than is not None and indent > skipping_deeper_than:
            continue  # continuation of one of our keys: replaced with it
        skipping_deeper_than = None
        match = re.match(rb"\s*([^=:\s]+)\s*[=:]", line)
        if match and match.group(1).decode().lower() in our_keys:
            skipping_deeper_than = indent
        else:
            kept.append(stripped)
    return kept


def dominant_eol(data):
    crlf = data.count(b"\r\n")
    lf = data.count(b"\n") - crlf
    cr = data.count(b"\r") - crlf
    if crlf > lf and crlf >= cr:
        return b"\r\n"
    if cr > lf and cr > crlf:
        return b"\r"
    return b"\n"


def line_ends(data):
    """The set of line endings used in ``data`` (a last line without one aside)."""
    return {re.search(rb"\r\n|\r|\n", line).group() for line in lines_of(data) if line.endswith((b"\r", b"\n"))}


def botocore_reads(path):
    """The file as botocore's credential provider reads it."""
    return raw_config_parse(str(path))


def check_store(path, before, targets):
    """Run the invariants of a successful store_credentials of ``targets``."""
    after = path.read_bytes()
    assert_only_targets_changed(before, after, list(targets))
    ours = {key.lower() for values in targets.values() for key in values}
    ours |= {inifile.MANAGED_KEY, "aws_security_token"}
    old_view = {}
    if before.strip():
        scratch = path.with_name("before-copy")
        scratch.write_bytes(before)
        old_view = botocore_reads(scratch)
        scratch.unlink()
    new_view = botocore_reads(path)
    assert list(new_view) == list(old_view) + [t for t in targets if t not in old_view]
    for name, keys in old_view.items():
        if name not in targets:
            assert new_view[name] == keys
    eol = dominant_eol(before) if before else b"\n"
    for name, values in targets.items():
        section = new_view[name]
        assert section[inifile.MANAGED_KEY] == inifile.MANAGED_VALUE
        for key, value in values.items():
            assert section[key] == value
        assert "aws_security_token" not in section
        for key, value in old_view.get(name, {}).items():
            if key not in ours:
                assert section[key] == value  # e.g. region survives
        new_span = target_span(after, name)
        old_span = target_span(before, name)
        if old_span is not None:
            # The header line as written (it may gain a line end at the end of the file).
            assert lines_of(new_span)[0].rstrip(b"\r\n") == lines_of(old_span)[0].rstrip(b"\r\n")
            assert kept_lines(new_span, ours) == kept_lines(old_span, ours)
        else:
            assert new_span.startswith(b"[" + name.encode() + b"]" + eol)
        if old_span is None or line_ends(old_span) <= {eol}:
            # Lines we write use the file's dominant line ending.
            assert line_ends(new_span) == {eol}


def copy_fixture(fixture, folder):
    path = Path(folder) / "credentials"
    shutil.copyfile(fixture, path)
    return path


def fixture_cases():
    """(fixture, target) for every section of every fixture, plus an absent one."""
    cases = []
    for fixture in CREDENTIAL_FIXTURES:
        for name in list(botocore_reads(fixture)) + ["brand-new"]:
            cases.append(pytest.param(fixture, name, id="%s-[%s]" % (fixture.stem, name)))
    return cases


def holds_unmanaged_credentials(fixture, target):
    own = _own_keys(fixture.read_text(encoding="utf-8"), target)
    # A marker over long-term keys does not make them mfa-switch's.
    return not is_managed(own) and any(key in own for key in OWNED_SECRET_KEYS)


def _own_keys(text, target):
    # [DEFAULT] is treated as an ordinary section so that inherited keys do
    # not count as the target's own.
    parser = configparser.RawConfigParser(default_section="\n")
    parser.read_string(text.replace("\r\n", "\n").replace("\r", "\n"))
    return dict(parser[target]) if parser.has_section(target) else {}


# --------------------------------------------------------------------------
# Lossless edits on a corpus of real, tricky files
# --------------------------------------------------------------------------


class TestFixtureCorpus:
    @pytest.mark.parametrize("fixture,target", fixture_cases())
    def test_store_touches_only_the_target(self, tmp_path, fixture, target):
        """Storing into any section (first, middle, last, absent) of any fixture
        leaves every other byte alone and botocore reads the new values - or,
        for a section with long-term keys, refuses and leaves the file as is."""
        path = copy_fixture(fixture, tmp_path)
        before = path.read_bytes()
        credentials = new_credentials(target.strip().replace(" ", "-"))
        if target != target.strip() or "[" in target or "]" in target:
            # botocore reads [ x ] as " x ", the other SDKs as "x": never a target.
            with pytest.raises(errors.UsageError, match="does not write credentials under"):
                inifile.store_credentials(path, {target: credentials})
            assert path.read_bytes() == before
            return
        if holds_unmanaged_credentials(fixture, target):
            with pytest.raises(errors.UnmanagedSectionError):
                inifile.store_credentials(path, {target: credentials})
            assert path.read_bytes() == before
            return
        inifile.store_credentials(path, {target: credentials})
        check_store(path, before, {target: credentials})

    @pytest.mark.parametrize("fixture", CREDENTIAL_FIXTURES, ids=lambda p: p.stem)
    def test_store_twice_is_stable(self, tmp_path, fixture):
        """Re-writing a managed section keeps its position and only changes values."""
        path = copy_fixture(fixture, tmp_path)
        inifile.store_credentials(path, {"brand-new": new_credentials("one")})
        first = path.read_bytes()
        inifile.store_credentials(path, {"brand-new": new_credentials("two")})
        second = path.read_bytes()
        assert second == first.replace(b"ONE", b"TWO").replace(b"-one", b"-two")

    def test_several_sections_in_one_write(self, tmp_path):
        """One call writes several sections (existing and new) and nothing else."""
        path = copy_fixture(FIXTURES / "credentials" / "comments-everywhere.ini", tmp_path)
        before = path.read_bytes()
        targets = {
            "dev": new_credentials("dev"),
            "staging": new_credentials("staging"),
            "brand-new": new_credentials("brand"),
        }
        inifile.store_credentials(path, targets)
        check_store(path, before, targets)

    def test_refusal_in_one_section_writes_none(self, tmp_path):
        """If one of several targets holds long-term keys, no section is written."""
        path = copy_fixture(FIXTURES / "credentials" / "crlf.ini", tmp_path)
        before = path.read_bytes()
        with pytest.raises(errors.UnmanagedSectionError):
            inifile.store_credentials(
                path, {"dev": new_credentials("dev"), "default": new_credentials("x")}
            )
        assert path.read_bytes() == before


class TestLosslessDetails:
    def test_crlf_file_gets_crlf_lines(self, tmp_path):
        """A CRLF file stays CRLF throughout, including the lines we add."""
        path = copy_fixture(FIXTURES / "credentials" / "crlf.ini", tmp_path)
        inifile.store_credentials(path, {"prod": new_credentials("p"), "n": new_credentials("n")})
        data = path.read_bytes()
        assert data.count(b"\n") == data.count(b"\r\n") > 20

    def test_cr_only_file_stays_cr_only(self, tmp_path):
        """Old Mac line ends (a lone CR) are what botocore sees as lines too."""
        path = copy_fixture(FIXTURES / "credentials" / "cr-only.ini", tmp_path)
        inifile.store_credentials(path, {"dev": new_credentials("d"), "n": new_credentials("n")})
        data = path.read_bytes()
        assert b"\n" not in data
        assert botocore_reads(path)["n"]["aws_session_token"] == "token-n"

    def test_missing_final_newline_then_append(self, tmp_path):
        """Appending after a last line with no newline gives a well-formed file."""
        path = tmp_path / "credentials"
        path.write_bytes(b"[default]\nregion = eu-west-1")
        inifile.store_credentials(path, {"dev": {"aws_session_token": "t"}})
        assert path.read_bytes() == (
            b"[default]\nregion = eu-west-1\n\n[dev]\nmanaged_by = mfa-switch\n"
            b"aws_session_token = t\n"
        )

    def test_missing_final_newline_in_target_is_kept_when_only_replacing(self, tmp_path):
        """Replacing the last key of a file without final newline keeps that style."""
        path = tmp_path / "credentials"
        path.write_bytes(b"[dev]\nmanaged_by = mfa-switch\naws_session_token = old")
        inifile.store_credentials(path, {"dev": {"aws_session_token": "new"}})
        assert path.read_bytes() == b"[dev]\nmanaged_by = mfa-switch\naws_session_token = new"

    def test_blank_separator_only_when_needed(self, tmp_path):
        """A file already ending in a blank line gets no second one."""
        path = tmp_path / "credentials"
        path.write_bytes(b"[default]\nregion = x\n\n")
        inifile.store_credentials(path, {"dev": {"aws_session_token": "t"}})
        assert path.read_bytes().startswith(b"[default]\nregion = x\n\n[dev]\n")

    def test_empty_file(self, tmp_path):
        """An empty file becomes just the new section."""
        path = tmp_path / "credentials"
        path.write_bytes(b"")
        inifile.store_credentials(path, {"dev": {"aws_session_token": "t"}})
        assert path.read_bytes() == b"[dev]\nmanaged_by = mfa-switch\naws_session_token = t\n"

    def test_non_ascii_bytes_are_identical(self, tmp_path):
        """UTF-8 text elsewhere in the file survives byte for byte."""
        path = copy_fixture(FIXTURES / "credentials" / "non-ascii.ini", tmp_path)
        before = path.read_bytes()
        inifile.store_credentials(path, {"dev": new_credentials("d")})
        after = path.read_bytes()
        head = before.split(b"[dev]")[0]
        assert after.startswith(head) and "日本語".encode() in head

    def test_keys_replaced_in_place_and_others_kept(self, tmp_path):
        """Our keys change where they stand; region and comments stay put."""
        path = tmp_path / "credentials"
        path.write_bytes(
            b"[dev]\n# my dev profile\nmanaged_by = mfa-switch\naws_access_key_id = ASIAOLD\n"
            b"region = eu-west-1\naws_secret_access_key = old\n; note\naws_session_token = old\n"
            b"\n# about prod\n[prod]\nregion = us-east-1\n"
        )
        inifile.store_credentials(path, {"dev": new_credentials("n")})
        assert path.read_bytes() == (
            b"[dev]\n# my dev profile\nmanaged_by = mfa-switch\naws_access_key_id = ASIAN\n"
            b"region = eu-west-1\naws_secret_access_key = secret-n\n; note\naws_session_token = token-n\n"
            b"expiration = 2026-11-27T14:00:00Z\n\n# about prod\n[prod]\nregion = us-east-1\n"
        )

    def test_unmarked_section_without_credentials_gets_marker_and_keys(self, tmp_path):
        """A section holding only settings is ours to fill: marker first, after its keys."""
        path = tmp_path / "credentials"
        path.write_bytes(b"[dev]\nregion = eu-west-1\n\n[prod]\n")
        inifile.store_credentials(path, {"dev": {"aws_session_token": "t"}})
        assert path.read_bytes() == (
            b"[dev]\nregion = eu-west-1\nmanaged_by = mfa-switch\naws_session_token = t\n\n[prod]\n"
        )

    def test_uppercase_keys_are_replaced_not_duplicated(self, tmp_path):
        """configparser folds key case, so AWS_SESSION_TOKEN is our key: replace it."""
        path = copy_fixture(FIXTURES / "credentials" / "uppercase-keys.ini", tmp_path)
        inifile.store_credentials(path, {"dev": new_credentials("u")})
        text = path.read_text()
        assert text.lower().count("aws_session_token") == 1
        assert "Region = eu-west-1" in text
        assert botocore_reads(path)["dev"]["aws_session_token"] == "token-u"

    def test_continuation_value_of_our_key_becomes_one_line(self, tmp_path):
        """A managed key whose old value spanned lines is replaced with its continuation."""
        path = tmp_path / "credentials"
        path.write_bytes(
            b"[dev]\nmanaged_by = mfa-switch\naws_session_token = old\n  more old\n"
            b"  # a comment inside the value\n  even more\nregion = x\n"
        )
        inifile.store_credentials(path, {"dev": {"aws_session_token": "new"}})
        assert path.read_bytes() == (
            b"[dev]\nmanaged_by = mfa-switch\naws_session_token = new\n"
            b"  # a comment inside the value\nregion = x\n"
        )

    def test_continuation_values_elsewhere_untouched(self, tmp_path):
        """Multi-line values (and botocore's nested s3 blocks) in other sections stay."""
        path = copy_fixture(FIXTURES / "credentials" / "continuation-lines.ini", tmp_path)
        before = path.read_bytes()
        inifile.store_credentials(path, {"dev": new_credentials("c")})
        view = botocore_reads(path)
        assert view["tooling"]["description"].count("\n") == 4
        assert view["default"]["s3"] == {"max_concurrent_requests": "20", "addressing_style": "path"}
        assert_only_targets_changed(before, path.read_bytes(), ["dev"])

    def test_indented_keys_keep_their_indentation(self, tmp_path):
        """Lines we add match the section's key indentation so that an indented
        header after them is still read as a header, not a continuation."""
        path = tmp_path / "credentials"
        path.write_bytes(b"[dev]\n    region = x\n  [prod]\n  region = y\n")
        inifile.store_credentials(path, {"dev": {"aws_session_token": "t"}})
        assert path.read_bytes() == (
            b"[dev]\n    region = x\n    managed_by = mfa-switch\n    aws_session_token = t\n"
            b"  [prod]\n  region = y\n"
        )
        assert botocore_reads(path)["prod"] == {"region": "y"}

    def test_empty_section_before_an_indented_header(self, tmp_path):
        """With no keys to follow, new lines are indented like the next header."""
        path = tmp_path / "credentials"
        path.write_bytes(b"[dev]\n  [prod]\n  region = y\n")
        inifile.store_credentials(path, {"dev": {"aws_session_token": "t"}})
        view = botocore_reads(path)
        assert view["prod"] == {"region": "y"}
        assert view["dev"]["aws_session_token"] == "t"

    def test_header_comments_and_spacing(self, tmp_path):
        """`[dev] ; note` is section dev; `[ spaced name ]` is a different name than `spaced name`."""
        path = copy_fixture(FIXTURES / "credentials" / "header-spacing.ini", tmp_path)
        inifile.store_credentials(path, {"last": {"aws_session_token": "t"}})
        inifile.store_credentials(path, {"spaced name": {"aws_session_token": "u"}})
        view = botocore_reads(path)
        assert view["last"]["aws_session_token"] == "t"
        assert view["spaced name"]["aws_session_token"] == "u"
        assert view[" spaced name "] == {"region": "eu-west-1"}
        assert b"[last]   ;   trailing\n" in path.read_bytes()

    def test_legacy_token_removed_from_managed_section(self, tmp_path):
        """botocore prefers aws_security_token: a stale one in our section must go."""
        path = copy_fixture(FIXTURES / "credentials" / "legacy-token.ini", tmp_path)
        inifile.store_credentials(path, {"dev": new_credentials("l")})
        view = botocore_reads(path)
        assert "aws_security_token" not in view["dev"]
        assert view["aws-mfa-style"]["aws_security_token"] == "othertoken"

    def test_safety_net_refuses_an_edit_botocore_would_misread(self, tmp_path, monkeypatch):
        """If the line editing ever produced text that botocore reads differently
        from what was intended (here: new lines indented into a continuation of
        the previous value), nothing is written."""
        path = tmp_path / "credentials"
        path.write_bytes(b"[dev]\nregion = eu-west-1\n\n[prod]\nregion = us-east-1\n")
        monkeypatch.setattr(
            inidoc, "_key_line", lambda indent, key, value, eol: "    " + key + " = " + value + eol
        )
        with pytest.raises(errors.CredentialsFileError, match="without changing other entries"):
            inifile.store_credentials(path, {"dev": new_credentials()})
        assert path.read_bytes() == b"[dev]\nregion = eu-west-1\n\n[prod]\nregion = us-east-1\n"
        assert sorted(os.listdir(tmp_path)) == ["credentials"]

    def test_safety_net_refuses_an_edit_that_swallows_the_next_header(self, tmp_path, monkeypatch):
        """The check reads only the changed section, so it must also see the
        header after it still read as a header: here ``  [prod]`` is one only
        because ``[dev]`` has no keys, and unindented new lines would turn it
        into a continuation of their last value, losing [prod]."""
        before = b"[dev]\n  [prod]\nregion = us-east-1\n"
        path = tmp_path / "credentials"
        path.write_bytes(before)
        monkeypatch.setattr(
            inidoc, "_key_line", lambda indent, key, value, eol: key + " = " + value + eol
        )
        with pytest.raises(errors.CredentialsFileError, match="without changing other entries"):
            inifile.store_credentials(path, {"dev": new_credentials()})
        assert path.read_bytes() == before
        monkeypatch.undo()  # the editor's own indentation keeps [prod]
        inifile.store_credentials(path, {"dev": new_credentials()})
        assert botocore_reads(path)["prod"] == {"region": "us-east-1"}

    def test_the_check_after_an_edit_reads_only_the_changed_section(self, tmp_path, monkeypatch):
        """Proving the edit reads what can differ - the target section and the
        header after it - not the whole file again: with thousands of profiles
        a second parse of the file cost more than the STS call."""
        path = tmp_path / "credentials"
        profiles = "".join("[team-%04d]\nregion = eu-west-1\n\n" % i for i in range(2000))
        path.write_text(profiles + "[dev]\nregion = eu-west-1\n\n" + profiles.replace("team", "ops"))
        size = path.stat().st_size
        inifile.read_sections(path)  # the pipeline's read: the write shares it
        parsed = []
        original = configparser.RawConfigParser.read_file

        def counting(parser, handle, *args, **kwargs):
            text = handle.read()
            parsed.append(len(text))
            return original(parser, io.StringIO(text), *args, **kwargs)

        monkeypatch.setattr(configparser.RawConfigParser, "read_file", counting)
        inifile.store_credentials(path, {"dev": new_credentials()})
        monkeypatch.undo()
        assert parsed and max(parsed) < 1000 < size, (parsed, size)
        after = botocore_reads(path)
        assert after["dev"]["aws_session_token"] == "token-new"
        assert len(after) == 4001

    @pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
    def test_an_indented_header_is_found_only_where_configparser_reads_one(self, tmp_path, eol):
        """The edit scans only the stretch around a section; an indented
        ``[dev]`` is a header after a bare header line and a continuation
        after a key line, and the editor must tell them apart as configparser
        does (a lone ``\\r`` file is scanned whole)."""
        filler = "".join("[team-%03d]%sregion = x%s" % (i, eol, eol) for i in range(300))
        as_header = filler + "[a]" + eol + "  [dev]" + eol + "region = y" + eol + filler.replace("team", "ops")
        path = tmp_path / "credentials"
        path.write_bytes(as_header.encode())
        inifile.store_credentials(path, {"dev": new_credentials()})
        view = botocore_reads(path)
        assert view["dev"]["region"] == "y" and view["dev"]["aws_session_token"] == "token-new"
        assert view["a"] == {} and len(view) == 602
        as_value = filler + "[a]" + eol + "k = v" + eol + "  [dev]" + eol + filler.replace("team", "ops")
        path.write_bytes(as_value.encode())
        inifile.store_credentials(path, {"dev": new_credentials()})
        view = botocore_reads(path)
        assert view["a"]["k"] == "v\n[dev]"
        assert view["dev"]["aws_session_token"] == "token-new" and len(view) == 602
        assert path.read_bytes().startswith(as_value.encode())

    def test_caller_cannot_forge_the_marker_value(self, tmp_path):
        """The marker always reads mfa-switch, whatever the caller passes."""
        path = tmp_path / "credentials"
        inifile.store_credentials(path, {"dev": {"MANAGED_BY": "someone", "aws_session_token": "t"}})
        assert botocore_reads(path)["dev"]["managed_by"] == "mfa-switch"

    def test_five_thousand_profiles(self, tmp_path):
        """A 5,000-profile file: one section in the middle changes, quickly."""
        path = tmp_path / "credentials"
        parts = [
            "# profile %04d\n[profile-%04d]\nregion = eu-west-1\noutput = json\n\n" % (i, i)
            for i in range(5000)
        ]
        parts[2500] = (
            "[profile-2500]\nmanaged_by = mfa-switch\naws_access_key_id = ASIAOLD\n"
            "aws_secret_access_key = old\naws_session_token = old\n\n"
        )
        before = "".join(parts).encode()
        path.write_bytes(before)
        started = time.monotonic()
        inifile.store_credentials(path, {"profile-2500": new_credentials("big")})
        elapsed = time.monotonic() - started
        after = path.read_bytes()
        head = "".join(parts[:2500]).encode()
        tail = "".join(parts[2501:]).encode()
        assert after.startswith(head) and after.endswith(tail)
        assert botocore_reads(path)["profile-2500"]["aws_session_token"] == "token-big"
        assert len(botocore_reads(path)) == 5000
        assert elapsed < 20, elapsed  # generous: catches quadratic blow-ups, not jitter


# --------------------------------------------------------------------------
# Property-based: generated INI files
# --------------------------------------------------------------------------

_SECTION_NAMES = ["default", "dev", "prod", "qa", "équipe", "team a", "ci.build-1", "x_y"]
_PLAIN_KEYS = ["region", "output", "Region2", "cli_pager", "s3", "role_arn", "mfa_serial", "note"]
_VALUE_ALPHABET = st.characters(
    codec="utf-8",
    exclude_categories=("Cs", "Cc", "Zl", "Zp"),
    exclude_characters="\x85",
)
_values = st.text(alphabet=_VALUE_ALPHABET, max_size=10)
_separators = st.sampled_from(["=", " = ", "\t=\t", ":", " : ", "  =   ", "= ", " :"])
_comments = st.builds(
    lambda indent, prefix, text: indent + prefix + text,
    st.sampled_from(["", " ", "\t", "    "]),
    st.sampled_from(["#", ";"]),
    _values,
)
_blanks = st.sampled_from(["", " ", "\t", "  \t "])
CREDS_AND_EXTRA = list(inifile.CREDENTIAL_KEYS) + ["expiration", "aws_security_token"]

# Random lines from fragments that matter to the parser, ~1 in 6 parseable.
_ini_like_lines = st.builds(
    lambda parts, eol: "".join(parts) + eol,
    st.lists(
        st.sampled_from(
            ["[s]", "[a]", "[b]", " [s]", "\t[a]", "[ s]", "k", "a", "b", "B", "x", "=", ":",
             " = ", "#", ";", " ", "  ", "\t", "v", "\u00e9", "[", "]", "DEFAULT"]
        ),
        max_size=5,
    ),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
_ini_like_texts = st.builds(
    lambda prefix, lines, strip: (prefix + "".join(lines)).rstrip("\r\n" if strip else ""),
    st.sampled_from(["", "[s]\n"]),
    st.lists(_ini_like_lines, max_size=12),
    st.booleans(),
)


@st.composite
def ini_files(draw):
    """An INI file botocore can parse, as a model: the text of each section.

    Returns ``(prelude, [(name, kind, text)], eol_for_new_lines)``; ``kind`` is
    "plain", "managed" or "longterm".
    """
    mode = draw(st.sampled_from(["\n", "\r\n", "mixed"]))

    def eol():
        return draw(st.sampled_from(["\n", "\r\n"])) if mode == "mixed" else mode

    prelude = "".join(draw(st.one_of(_comments, _blanks)) + eol() for _ in range(draw(st.integers(0, 3))))
    names = draw(st.lists(st.sampled_from(_SECTION_NAMES), unique=True, max_size=5))
    sections = []
    previous_key_indent = None  # width limit for the next header's indent
    for name in names:
        kind = draw(st.sampled_from(["plain", "managed", "longterm"]))
        header_indents = ["", " ", "  ", "\t"]
        if previous_key_indent is not None:
            header_indents = [i for i in header_indents if len(i) <= previous_key_indent]
        header = draw(st.sampled_from(header_indents)) + "[" + name + "]"
        header += draw(st.sampled_from(["", " # note", " ; note", "\t", "  "]))
        keys = draw(st.lists(st.sampled_from(_PLAIN_KEYS), unique_by=str.lower, max_size=4))
        pairs = [(k, draw(_values)) for k in keys]
        if kind == "managed":
            pairs += [("managed_by", "mfa-switch")]
            creds = [(k, draw(_values)) for k in draw(st.lists(st.sampled_from(CREDS_AND_EXTRA), unique=True))]
            pairs += creds
            if holds_long_term_keys({k: v.strip() for k, v in creds}):
                kind = "longterm"  # a marker over long-term keys is not ours
        elif kind == "longterm":
            pairs += [("aws_access_key_id", "AKIA" + draw(_values)), ("aws_secret_access_key", "x")]
        pairs = draw(st.permutations(pairs))
        key_indent = draw(st.sampled_from(["", " ", "\t", "  "]))
        body = [header + eol()]
        for key, value in pairs:
            for _ in range(draw(st.integers(0, 2))):
                body.append(draw(st.one_of(_comments, _blanks)) + eol())
            body.append(key_indent + key + draw(_separators) + value + eol())
            if key != "managed_by" and value.strip() and draw(st.integers(0, 4)) == 0:
                # A continuation line: deeper than the key, and shaped like
                # botocore's nested "k = v" so either reading is valid.
                body.append(key_indent + "   sub = " + draw(_values) + eol())
        for _ in range(draw(st.integers(0, 2))):
            body.append(draw(st.one_of(_comments, _blanks)) + eol())
        previous_key_indent = len(key_indent) if pairs else None
        sections.append((name, kind, "".join(body)))
    if sections and draw(st.booleans()):
        name, kind, text = sections[-1]
        sections[-1] = (name, kind, text.rstrip("\r\n"))  # no final newline
    return prelude, sections

_hypothesis_settings = settings(
    # Modest by default to keep the suite fast; raise it for a deeper search,
    # e.g. INIFILE_EXAMPLES=5000.
    max_examples=int(os.environ.get("INIFILE_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class TestGeneratedFiles:
    @_hypothesis_settings
    @given(model=ini_files(), data=st.data())
    def test_store_is_lossless(self, model, data):
        """For generated files: store_credentials changes only the target span,
        keeps its position, and botocore reads the new values and the old rest."""
        prelude, sections = model
        choices = [name for name, kind, _ in sections if kind != "longterm"] + ["brand-new"]
        target = data.draw(st.sampled_from(choices + [n for n, k, _ in sections if k == "longterm"]))
        before = (prelude + "".join(text for _, _, text in sections)).encode()
        credentials = new_credentials("gen")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "credentials"
            path.write_bytes(before)
            if target not in choices:
                with pytest.raises(errors.UnmanagedSectionError):
                    inifile.store_credentials(path, {target: credentials})
                assert path.read_bytes() == before
                return
            inifile.store_credentials(path, {target: credentials})
            after = path.read_bytes()
            names = [name for name, _, _ in sections]
            if target in names:
                at = names.index(target)
                head = (prelude + "".join(t for _, _, t in sections[:at])).encode()
                tail = "".join(t for _, _, t in sections[at + 1:]).encode()
                assert after.startswith(head) and after.endswith(tail)
                middle = after[len(head):len(after) - len(tail)]
                assert middle.startswith(sections[at][2].encode().split(b"]")[0])
            else:
                # Appending only ever adds bytes: at most a line end for the
                # old last line and one blank line, then the new section.
                assert after.startswith(before)
                extra = after[len(before):]
                separator = extra[: len(extra) - len(extra.lstrip(b"\r\n"))]
                assert len(separator) <= 4
                assert extra[len(separator):].startswith(b"[brand-new]")
            check_store(path, before, {target: credentials})

    @_hypothesis_settings
    @given(
        text=_ini_like_texts,
        section=st.sampled_from(["s", "a", "b", " s", "new"]),
        subsections=st.booleans(),
    )
    def test_any_text_is_edited_exactly_or_refused(self, text, section, subsections):
        """For arbitrary INI-like text (indented headers, stray brackets, mixed
        line ends...): if botocore cannot parse it, the edit is refused and the
        file is byte-identical; if it can, the edit lands, other sections read
        as before, and the removed key is gone."""
        before = text.encode()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "config"
            path.write_bytes(before)
            try:
                old = raw_config_parse(str(path), parse_subsections=subsections)
            except Exception:
                event("botocore cannot parse it")
                with pytest.raises(errors.UnparsableFileError):
                    inifile.update_section(
                        path, section, {"k": "v"}, remove=("a",), subsections=subsections
                    )
                assert path.read_bytes() == before
                return
            event("botocore parses it")
            inifile.update_section(
                path, section, {"k": "v", "B": "w"}, remove=("a",), subsections=subsections
            )
            new = raw_config_parse(str(path), parse_subsections=subsections)
            for name, keys in old.items():
                if name != section:
                    assert new[name] == keys
            assert new[section]["k"] == "v" and new[section]["b"] == "w"
            defaults = configparser.RawConfigParser()
            defaults.read(str(path))
            assert new[section].get("a") == defaults.defaults().get("a")
            assert list(new) == list(old) + ([section] if section not in old else [])
            if section in old:
                head = before[: before.find(b"[" + section.encode() + b"]")]
                assert path.read_bytes().startswith(head)
            else:
                assert path.read_bytes().startswith(before)


# --------------------------------------------------------------------------
# Refusals: the file is left byte-identical
# --------------------------------------------------------------------------


class TestRefusals:
    def test_unmarked_credentials_are_never_overwritten(self, tmp_path):
        """Long-term keys without the marker: UnmanagedSectionError, file untouched,
        and the message names the section and the way out, with no secret."""
        path = copy_fixture(FIXTURES / "credentials" / "comments-everywhere.ini", tmp_path)
        before = path.read_bytes()
        with pytest.raises(errors.UnmanagedSectionError) as caught:
            inifile.store_credentials(path, {"default": new_credentials()})
        assert path.read_bytes() == before
        message = str(caught.value)
        assert "[default]" in message and "--target-profile" in message
        assert "longtermsecret1" not in message and "AKIAEXAMPLE" not in message

    def test_only_a_session_token_counts_as_credentials(self, tmp_path):
        """Any one credential key without the marker is enough to refuse."""
        path = tmp_path / "credentials"
        path.write_bytes(b"[dev]\naws_session_token = someone-elses\n")
        with pytest.raises(errors.UnmanagedSectionError):
            inifile.store_credentials(path, {"dev": new_credentials()})
        assert path.read_bytes() == b"[dev]\naws_session_token = someone-elses\n"

    def test_foreign_marker_is_not_ours(self, tmp_path):
        """A managed_by naming another tool does not make the section ours."""
        data = b"[dev]\nmanaged_by = other-tool\naws_access_key_id = AKIA\n"
        path = tmp_path / "credentials"
        path.write_bytes(data)
        with pytest.raises(errors.UnmanagedSectionError):
            inifile.store_credentials(path, {"dev": new_credentials()})
        assert path.read_bytes() == data

    @pytest.mark.parametrize("fixture", UNPARSABLE_FIXTURES, ids=lambda p: p.stem)
    def test_unparsable_file_is_never_rewritten(self, tmp_path, fixture):
        """What botocore cannot parse: UnparsableFileError, byte-identical, no secret shown."""
        with pytest.raises(Exception):
            raw_config_parse(str(fixture))  # the fixture really is unparsable
        path = copy_fixture(fixture, tmp_path)
        before = path.read_bytes()
        for attempt in (
            lambda: inifile.store_credentials(path, {"brand-new": new_credentials()}),
            lambda: inifile.update_section(path, "plugins", {"a": "b"}),
            lambda: inifile.read_sections(path),
        ):
            with pytest.raises(errors.UnparsableFileError) as caught:
                attempt()
            assert "SECRET" not in str(caught.value)
            assert str(path) in str(caught.value)
            assert path.read_bytes() == before
        assert sorted(os.listdir(tmp_path)) == ["credentials"]

    def test_bom_is_explained(self, tmp_path):
        """A byte-order mark gets its own sentence."""
        path = copy_fixture(FIXTURES / "unparsable" / "utf8-bom.ini", tmp_path)
        with pytest.raises(errors.UnparsableFileError, match="byte-order mark"):
            inifile.store_credentials(path, {"dev": new_credentials()})

    @pytest.mark.parametrize("bad", ["a\nb", "a\rb", "a\r\nb", "a\u2028b", "tok\x0bx"])
    def test_values_with_line_breaks_are_refused(self, tmp_path, bad):
        """A value with any line break: UsageError, file untouched, value not shown."""
        path = tmp_path / "credentials"
        path.write_bytes(b"[dev]\n")
        with pytest.raises(errors.UsageError) as caught:
            inifile.store_credentials(path, {"dev": {"aws_session_token": bad}})
        assert bad not in str(caught.value) and "aws_session_token" in str(caught.value)
        with pytest.raises(errors.UsageError):
            inifile.update_section(path, "dev", {"region": bad})
        assert path.read_bytes() == b"[dev]\n"

    @pytest.mark.parametrize("name", ["", "DEFAULT", "a\nb"])
    def test_bad_section_names(self, tmp_path, name):
        """Empty names, names with line breaks, and [DEFAULT] (whose keys apply to
        every profile) are refused before anything is touched."""
        path = tmp_path / "credentials"
        with pytest.raises(errors.UsageError):
            inifile.store_credentials(path, {name: new_credentials()})
        with pytest.raises(errors.UsageError):
            inifile.update_section(path, name, {"a": "b"})
        assert not path.exists()

    @pytest.mark.parametrize("name", [
        "", "DEFAULT", "a\nb", "a\u2028b", " dev", "dev\t", "a]b", "[dev", "x[y]"])
    def test_the_check_and_the_write_refuse_the_same_names(self, tmp_path, name):
        """check_credentials_targets, run before a code is asked for, refuses
        each name store_credentials refuses, with the same sentence."""
        path = tmp_path / "credentials"
        path.write_bytes(b"[default]\nregion = x\n")
        with pytest.raises(errors.UsageError) as checked:
            inifile.check_credentials_targets(path, ["fine", name])
        with pytest.raises(errors.UsageError) as written:
            inifile.store_credentials(path, {"fine": new_credentials(), name: new_credentials()})
        assert str(checked.value) == str(written.value)
        assert path.read_bytes() == b"[default]\nregion = x\n"

    @pytest.mark.parametrize("key", ["", "a=b", "a:b", "a b", "[x]", "#x", ";x"])
    def test_bad_keys(self, tmp_path, key):
        """Keys that would read back differently are refused."""
        with pytest.raises(errors.UsageError):
            inifile.update_section(tmp_path / "config", "plugins", {key: "v"})

    def test_set_and_remove_same_key(self, tmp_path):
        """A key cannot be both set and removed."""
        with pytest.raises(errors.UsageError):
            inifile.update_section(tmp_path / "config", "p", {"Region": "x"}, remove=("region",))


# --------------------------------------------------------------------------
# update_profile: the section botocore reads for a profile name
# --------------------------------------------------------------------------

SERIAL = "arn:aws:iam::111111111111:mfa/alice"


def botocore_profiles(path):
    """The config file's profiles as botocore loads them."""
    from botocore.configloader import load_config

    return load_config(str(path))["profiles"]


def one_line_added(before, after, line):
    """``after`` is ``before`` with ``line`` inserted whole, and nothing else."""
    assert len(after) == len(before) + len(line)
    for index in range(len(before) + 1):
        if after[:index] == before[:index] and after[index:index + len(line)] == line:
            return after[index + len(line):] == before[index:]
    return False


# Config files shaped like botocore's tests/unit/cfg fixtures and the AWS
# CLI's ConfigFileWriter tests: quoted names, spaces, bad headers that
# botocore ignores, nested blocks, commented-out headers.
ODD_CONFIG = (
    b"[default]\n"
    b"region = us-west-2\n"
    b"s3 =\n"
    b"    addressing_style = path\n"
    b"    signature_version = s3v4\n"
    b"\n"
    b"# two names after profile: botocore ignores the section\n"
    b'[profile "personal" "otherkey"]\n'
    b"region = eu-north-1\n"
    b"\n"
    b'[profile "my profile"]\n'
    b"region = eu-west-3\n"
    b"\n"
    b"# unbalanced quote: ignored too\n"
    b'[profile "missing end quote]\n'
    b"\n"
    b"[profile personal1]\n"
    b"output = json\n"
    b"\n"
    b"#[profile quoted]\n"
    b"[profile 'quoted']\n"
    b"role_arn = old[value]\n"
    b"\n"
    b"[profile  two]\n"
    b"region = ap-south-1\n"
    b"[profile\ttabbed]\n"
    b"region=ca-central-1\n"
    b"\n"
    b"[preview]\n"
    b"cloudfront = true\n"
    b"[sso-session corp]\n"
    b"sso_region = us-east-1\n"
)


class TestProfileSections:
    """Every profile edit lands in the section botocore reads for that name."""

    @pytest.mark.parametrize("profile", [
        "default", "my profile", "personal1", "quoted", "two", "tabbed",
        # absent: botocore ignores the sections that look like them
        "personal", "missing end quote", "corp", "preview", "brand new",
    ])
    def test_each_profile_of_an_odd_config(self, tmp_path, profile):
        path = tmp_path / "config"
        path.write_bytes(ODD_CONFIG)
        before = botocore_profiles(path)
        assert inifile.update_profile(path, inifile.CONFIG, profile, {"mfa_serial": SERIAL})
        after = botocore_profiles(path)
        expected = dict(before)
        expected[profile] = dict(before.get(profile, {}), mfa_serial=SERIAL)
        assert after == expected
        data = path.read_bytes()
        if profile in before:
            assert one_line_added(ODD_CONFIG, data, b"mfa_serial = " + SERIAL.encode() + b"\n")
        else:
            # A new section at the end, and it is the one botocore reads.
            assert data.startswith(ODD_CONFIG)
            sections = list(raw_config_parse(str(path)))
            assert sections[:-1] == list(raw_config_parse_text(ODD_CONFIG))
            assert inifile.profile_section(sections, inifile.CONFIG, profile) == sections[-1]

    @pytest.mark.parametrize("header", [
        'profile "dev"', "profile 'dev'", "profile  dev", "profile\tdev",
        'profile "de"v', "profiles dev",  # botocore only asks startswith("profile")
    ])
    def test_quoted_and_spaced_headers_are_the_profile(self, tmp_path, header):
        path = tmp_path / "config"
        text = "[default]\nregion = eu-west-1\n\n[{}]\nmfa_role_arn = arn:r\n".format(header)
        path.write_text(text)
        assert inifile.profile_section(["default", header], inifile.CONFIG, "dev") == header
        inifile.update_profile(path, inifile.CONFIG, "dev", {"mfa_serial": SERIAL})
        assert path.read_text() == text + "mfa_serial = " + SERIAL + "\n"
        assert botocore_profiles(path)["dev"] == {"mfa_role_arn": "arn:r", "mfa_serial": SERIAL}

    @pytest.mark.parametrize("text, edited", [
        # Both sections name "default": botocore reads the last one.
        ("[default]\nregion = a\n\n[profile default]\nregion = b\n", "profile default"),
        ("[profile default]\nregion = b\n\n[default]\nregion = a\n", "default"),
        ("[profile default]\nregion = b\n", "profile default"),
        # Two spellings of one profile: the last wins there too.
        ('[profile dev]\nregion = a\n\n[profile "dev"]\nregion = b\n', 'profile "dev"'),
    ])
    def test_of_two_sections_for_one_name_the_one_botocore_reads(self, tmp_path, text, edited):
        path = tmp_path / "config"
        path.write_text(text)
        name = "dev" if "dev" in text else "default"
        inifile.update_profile(path, inifile.CONFIG, name, {"mfa_serial": SERIAL})
        assert botocore_profiles(path)[name]["mfa_serial"] == SERIAL
        assert raw_config_parse(str(path))[edited]["mfa_serial"] == SERIAL
        assert sum("mfa_serial" in v for v in raw_config_parse(str(path)).values()) == 1

    @pytest.mark.parametrize("profile, header", [
        ("dev", "profile dev"),
        ("default", "default"),
        ("my profile", 'profile "my profile"'),
        ("two  spaces", 'profile "two  spaces"'),
        ('say "hi"', "profile 'say \"hi\"'"),
    ])
    def test_a_new_profile_gets_a_header_botocore_reads_back(self, tmp_path, profile, header):
        path = tmp_path / "config"
        path.write_bytes(b"[plugins]\nmfa_switch = awscli_mfa_plugin\n")
        inifile.update_profile(path, inifile.CONFIG, profile, {"mfa_serial": SERIAL})
        assert path.read_text().endswith("\n\n[{}]\nmfa_serial = {}\n".format(header, SERIAL))
        assert botocore_profiles(path)[profile] == {"mfa_serial": SERIAL}

    def test_a_new_config_file(self, tmp_path):
        path = tmp_path / "aws" / "config"
        inifile.update_profile(path, inifile.CONFIG, "dev", {"mfa_serial": SERIAL})
        assert path.read_text() == "[profile dev]\nmfa_serial = {}\n".format(SERIAL)

    def test_nested_block_stays_whole(self, tmp_path):
        path = tmp_path / "config"
        text = "[profile dev]\ns3 =\n    addressing_style = path\nregion = eu-west-1\n"
        path.write_text(text)
        inifile.update_profile(path, inifile.CONFIG, "dev", {"mfa_serial": SERIAL})
        dev = botocore_profiles(path)["dev"]
        assert dev["s3"] == {"addressing_style": "path"} and dev["mfa_serial"] == SERIAL

    def test_in_the_credentials_file_the_section_name_is_the_profile(self, tmp_path):
        """botocore reads [ dev ] as the profile " dev ": it is not "dev"."""
        path = tmp_path / "credentials"
        text = "[ dev ]\naws_mfa_device = other\n\n[profile dev]\nregion = x\n"
        path.write_text(text)
        assert inifile.profile_section([" dev ", "profile dev"], inifile.CREDENTIALS, "dev") is None
        inifile.update_profile(path, inifile.CREDENTIALS, "dev", {"aws_mfa_device": SERIAL})
        assert path.read_text() == text + "\n[dev]\naws_mfa_device = " + SERIAL + "\n"
        inifile.update_profile(path, inifile.CREDENTIALS, "profile dev", {"a": "b"})
        assert raw_config_parse(str(path))["profile dev"] == {"region": "x", "a": "b"}

    def test_the_file_kind_is_required(self, tmp_path):
        with pytest.raises(TypeError):
            inifile.update_profile(tmp_path / "config", "config", "dev", {"a": "b"})
        assert not (tmp_path / "config").exists()

    @pytest.mark.parametrize("header", ["default", "profile dev", 'profile "dev"', "profiles"])
    def test_update_section_refuses_a_profiles_section(self, tmp_path, header):
        with pytest.raises(ValueError, match="update_profile"):
            inifile.update_section(tmp_path / "config", header, {"a": "b"})
        assert not (tmp_path / "config").exists()


def raw_config_parse_text(data):
    parser = configparser.RawConfigParser()
    parser.read_string(data.decode())
    return parser.sections()


# --------------------------------------------------------------------------
# update_section and read_sections
# --------------------------------------------------------------------------


class TestUpdateSection:
    def test_idempotent_second_call_does_not_touch_the_file(self, tmp_path):
        """True when it changes the file, then False, with the file not rewritten."""
        path = tmp_path / "config"
        path.write_bytes(b"[default]\nregion = eu-west-1\n\n# plugins below\n[plugins]\n# ours\n")
        assert inifile.update_section(path, "plugins", {"mfa_switch": "awscli_mfa_plugin"})
        assert path.read_bytes() == (
            b"[default]\nregion = eu-west-1\n\n# plugins below\n[plugins]\n# ours\n"
            b"mfa_switch = awscli_mfa_plugin\n"
        )
        first = os.stat(path)
        time.sleep(0.01)
        assert not inifile.update_section(path, "plugins", {"mfa_switch": "awscli_mfa_plugin"})
        second = os.stat(path)
        assert (first.st_ino, first.st_mtime_ns) == (second.st_ino, second.st_mtime_ns)

    def test_equal_value_keeps_its_formatting(self, tmp_path):
        """A line already holding the value (in any spelling) is left as written."""
        data = b"[plugins]\nMFA_Switch\t:  awscli_mfa_plugin   \n"
        path = tmp_path / "config"
        path.write_bytes(data)
        assert not inifile.update_section(path, "plugins", {"mfa_switch": "awscli_mfa_plugin"})
        assert path.read_bytes() == data

    def test_set_replace_remove_in_profile_section(self, tmp_path):
        """Replace in place, append after the last key (before the comments that
        introduce the next section), and remove keys with their continuation lines."""
        path = tmp_path / "config"
        path.write_bytes(
            b"[profile dev]\nregion = eu-west-1\nmfa_serial = old\nold_key = x\n  y = 1\noutput = json\n"
            b"\n# next one\n[profile prod]\nregion = us-east-1\n"
        )
        assert inifile.update_profile(
            path, inifile.CONFIG, "dev", {"mfa_serial": "arn:new", "mfa_duration_seconds": "3600"},
            remove=("old_key", "not_there"),
        )
        assert path.read_bytes() == (
            b"[profile dev]\nregion = eu-west-1\nmfa_serial = arn:new\noutput = json\n"
            b"mfa_duration_seconds = 3600\n\n# next one\n[profile prod]\nregion = us-east-1\n"
        )

    def test_alias_file_keeps_user_aliases(self, tmp_path):
        """Merging an alias leaves the user's own (multi-line) aliases byte for byte."""
        path = tmp_path / "cli" / "alias"
        path.parent.mkdir()
        user = (
            b"[toplevel]\n\nwhoami = sts get-caller-identity\n\ncreate-assume-role =\n"
            b"  !f() {\n    aws iam create-role --role-name \"${1}\"\n  }; f\n\n"
        )
        path.write_bytes(user)
        alias = {"mfa": "mfa-switch"}
        assert inifile.update_section(path, "toplevel", alias, subsections=False)
        assert path.read_bytes() == user[:-1] + b"mfa = mfa-switch\n\n"
        assert not inifile.update_section(
            path, "toplevel", {"whoami": "sts get-caller-identity"}, subsections=False
        )
        aliases = raw_config_parse(str(path), parse_subsections=False)["toplevel"]
        assert aliases["create-assume-role"].startswith("\n!f() {")

    def test_alias_rules_are_not_botocores(self, tmp_path):
        """botocore would reject a multi-line alias as a bad sub-block, so the
        default (config/credentials rules) refuses the file; the alias rules accept it."""
        path = tmp_path / "alias"
        user = b"[toplevel]\nlong =\n  !f() { echo hi; }; f\n"
        path.write_bytes(user)
        with pytest.raises(errors.UnparsableFileError):
            inifile.update_section(path, "toplevel", {"mfa": "mfa-switch"})
        assert path.read_bytes() == user
        assert inifile.read_sections(path, subsections=False) == {
            "toplevel": {"long": "\n!f() { echo hi; }; f"}
        }
        assert inifile.update_section(path, "toplevel", {"mfa": "mfa-switch"}, subsections=False)

    def test_check_sees_current_sections_and_can_abort(self, tmp_path):
        """check gets the parsed file under the lock; raising aborts the write."""
        path = tmp_path / "config"
        path.write_bytes(b"[plugins]\nother = thing\n")
        seen = []

        class Refuse(Exception):
            pass

        def check(sections):
            seen.append(sections)
            raise Refuse()

        with pytest.raises(Refuse):
            inifile.update_section(path, "plugins", {"mfa_switch": "x"}, check=check)
        assert seen == [{"plugins": {"other": "thing"}}]
        assert path.read_bytes() == b"[plugins]\nother = thing\n"
        assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []

    def test_new_file_and_folders(self, tmp_path):
        """A missing alias file and its missing folders are created 0600 / 0700."""
        path = tmp_path / "home" / ".aws" / "cli" / "alias"
        with umask(0o022):
            assert inifile.update_section(path, "toplevel", {"mfa": "mfa-switch"})
        assert path.read_bytes() == b"[toplevel]\nmfa = mfa-switch\n"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        for folder in (path.parent, path.parent.parent, path.parent.parent.parent):
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700

    def test_nothing_to_do_creates_nothing(self, tmp_path):
        """Removing from a section that does not exist creates no file or folder."""
        path = tmp_path / "missing" / "config"
        assert not inifile.update_section(path, "plugins", {}, remove=("mfa_switch",))
        assert not path.parent.exists()
        path.parent.mkdir()
        assert not inifile.update_section(path, "plugins", {}, remove=("mfa_switch",))
        assert not path.exists()

    def test_change_by_a_writer_without_our_lock_is_not_lost(self, tmp_path):
        """If another program (e.g. `aws configure set`) rewrites the file between
        our read and our rename, we re-read and apply our change on top of its."""
        path = tmp_path / "config"
        path.write_bytes(b"[default]\nregion = eu-west-1\n")
        calls = []

        def meddle(sections):
            calls.append(sections)
            if len(calls) == 1:
                with open(path, "ab") as handle:
                    handle.write(b"\n[profile other]\nregion = us-east-2\n")

        assert inifile.update_section(path, "plugins", {"mfa_switch": "x"}, check=meddle)
        view = botocore_reads(path)
        assert view["profile other"] == {"region": "us-east-2"}
        assert view["plugins"] == {"mfa_switch": "x"}
        assert len(calls) == 2

    def test_file_that_keeps_changing_gives_up_cleanly(self, tmp_path):
        """A file changed under us on every attempt: a clear error, our edit not written."""
        path = tmp_path / "config"
        path.write_bytes(b"[default]\n")
        counter = []

        def meddle(sections):
            counter.append(1)
            with open(path, "ab") as handle:
                handle.write(b"# change %d\n" % len(counter))

        with pytest.raises(errors.CredentialsFileError, match="kept changing"):
            inifile.update_section(path, "plugins", {"mfa_switch": "x"}, check=meddle)
        assert b"mfa_switch" not in path.read_bytes()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["config"]


class TestReadSections:
    def test_missing_file(self, tmp_path):
        """A missing file reads as no sections."""
        assert inifile.read_sections(tmp_path / "nope" / "credentials") == {}

    @pytest.mark.parametrize("fixture", CREDENTIAL_FIXTURES, ids=lambda p: p.stem)
    def test_same_as_botocore(self, fixture):
        """Every fixture reads exactly as botocore reads it (sub-blocks as text)."""
        expected = raw_config_parse(str(fixture), parse_subsections=False)
        assert inifile.read_sections(fixture) == expected

    @pytest.mark.parametrize("kind", ["folder", "fifo"])
    def test_something_other_than_a_file_reads_as_none_and_is_never_written(
            self, tmp_path, kind):
        """botocore skips what is not a regular file, and so does reading here;
        a write says what is in the way, in one sentence, without waiting."""
        path = tmp_path / "credentials"
        if kind == "folder":
            path.mkdir()
        else:
            os.mkfifo(path)
        assert raw_config_parse_or_none(path) is None  # botocore: not there
        assert inifile.read_sections(path) == {}
        started = time.monotonic()
        expected = "a folder" if kind == "folder" else "a FIFO"
        with pytest.raises(errors.CredentialsFileError, match=expected):
            inifile.store_credentials(path, {"dev": new_credentials()})
        with pytest.raises(errors.CredentialsFileError, match=expected):
            inifile.check_credentials_targets(path, ["dev"])
        with pytest.raises(errors.CredentialsFileError, match=expected):
            inifile.update_profile(path, inifile.CREDENTIALS, "dev", {"x": "y"})
        assert time.monotonic() - started < 1
        assert sorted(os.listdir(tmp_path)) == ["credentials"]


@contextlib.contextmanager
def umask(mask):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def raw_config_parse_or_none(path):
    from botocore.exceptions import ConfigNotFound

    try:
        return raw_config_parse(str(path))
    except ConfigNotFound:
        return None


class TestTakeover:
    """store_credentials may take over a section another tool provably wrote."""

    TEXT = ("[dev]\naws_access_key_id = ASIAOLD\naws_security_token = old\n"
            "assumed_role = False\n")

    def test_adopted_section_is_written_and_cleaned_in_one_write(self, tmp_path):
        path = tmp_path / "credentials"
        path.write_text(self.TEXT)
        seen = []

        def adopt(name, values):
            seen.append((name, values.get("assumed_role")))
            return True

        inifile.store_credentials(path, {"dev": {"aws_access_key_id": "ASIANEW"}},
                                  adopt=adopt, remove={"dev": ["assumed_role"]})
        parsed = inifile.read_sections(path)["dev"]
        assert seen == [("dev", "False")]
        assert parsed["aws_access_key_id"] == "ASIANEW"
        assert parsed[inifile.MANAGED_KEY] == inifile.MANAGED_VALUE
        assert "assumed_role" not in parsed and "aws_security_token" not in parsed

    def test_declined_takeover_is_still_refused(self, tmp_path):
        path = tmp_path / "credentials"
        path.write_text(self.TEXT)
        with pytest.raises(errors.UnmanagedSectionError):
            inifile.store_credentials(path, {"dev": {"aws_access_key_id": "X"}},
                                      adopt=lambda name, values: False)
        assert path.read_text() == self.TEXT
