"""What README.md and docs/*.md cite exists, and what the switch writes is named.

Every relative link (and its ``#anchor``, as GitHub makes anchors from
headings) and every repository path cited in the text (``tests/...``,
``awscli_mfa_plugin/...``) must exist; files move, and a newcomer follows
what the pages say.  Every key a switch writes into the credentials file
is named in README, checked on the file a real switch leaves.
"""
import configparser
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: A path of this repository cited in running text.
REPO_PATH = re.compile(
    r"(?<![\w/.~-])((?:tests|awscli_mfa_plugin|docs|bench|demo|cli-alias|\.ci)"
    r"/[\w./-]*[\w/])")


def slug(heading):
    """The anchor GitHub gives a heading.

    >>> slug("What is written"), slug("aws-mfa's layout")
    ('what-is-written', 'aws-mfas-layout')
    """
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page):
    text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.S | re.M)
    found, seen = set(), {}
    for match in re.finditer(r"^#{1,6}\s+(.*?)\s*#*$", text, re.M):
        name = slug(match.group(1))
        count = seen.get(name, 0)
        seen[name] = count + 1
        found.add(name if count == 0 else f"{name}-{count}")
    return found


def links(page):
    # Code blocks hold other languages (a starship format string), not links.
    text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.S | re.M)
    for match in re.finditer(r"\]\(([^)\s]+)\)", text):
        target = match.group(1)
        if not re.match(r"[a-z]+:", target):  # not http:, mailto:
            yield target


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_link_and_anchor_exists(page):
    missing = []
    for target in links(page):
        path, _, anchor = target.partition("#")
        dest = page.parent / path if path else page
        if not dest.exists():
            missing.append(target)
        elif anchor and anchor not in anchors(dest):
            missing.append(target)
    assert missing == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_cited_path_exists(page):
    cited = set(REPO_PATH.findall(page.read_text()))
    assert sorted(path for path in cited if not (ROOT / path).exists()) == []


def test_the_checks_see_links_anchors_and_paths():
    readme = ROOT / "README.md"
    assert "docs/errors.md" in list(links(readme))
    assert "what-is-written" in anchors(readme)
    assert "tests/test_errors_e2e.py" in REPO_PATH.findall(
        (ROOT / "docs" / "errors.md").read_text())


def test_every_key_a_switch_writes_is_named_in_readme(aws):
    """A role and a session token through an MFA session: every kind of section."""
    result = aws.run("mfa-switch", "dev", "session", "--token-code", aws.code())
    assert result.returncode == 0, result.stderr
    parser = configparser.RawConfigParser()
    parser.read(aws.credentials)
    written = {key for name in parser.sections() if name != "default"
               for key in parser.options(name)}
    assert {"mfa_switch_serial", "mfa_session_serial", "expiration"} <= written
    readme = (ROOT / "README.md").read_text()
    assert sorted(key for key in written if f"`{key}" not in readme) == []
