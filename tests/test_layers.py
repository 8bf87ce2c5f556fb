"""The package's shape: stages import only earlier stages and the shared base.

request -> plan -> codes -> sts -> deliver -> report, with ``pipeline``
(the handler of each mode), ``command`` and the entry points on top, and the
base (``files/`` and a few flat modules) below.  An import that points the
other way (the plan reaching into delivery, say) is how a one-way flow turns
back into a hub; this test names it.  Delivery is the pipeline's business
alone: nothing else imports ``deliver/``.
"""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "awscli_mfa_plugin"
STAGES = ["request", "plan", "codes", "sts", "deliver", "report"]
#: Shared by every stage: one exception hierarchy, the outside world, the
#: format of a stored section, the guard that keeps secrets off screen, the
#: immutable records the fast path shares without dataclasses, and files/:
#: the INI reader and editor, the locked atomic write, the output checks
#: and the OS keyring.
BASE = {"errors", "environment", "stored", "redaction", "values", "files"}
#: The flow and the entry points: they may import anything.
TOP = {"pipeline", "command", "standalone", "fastpath", "install",
       "completion", "__main__", "__init__"}


def imports_of(path):
    """The package's modules ``path`` imports, as dotted names under the package."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and \
                node.module.startswith("awscli_mfa_plugin"):
            base = tuple(node.module.split(".")[1:])
            if not base:
                found.update((alias.name,) for alias in node.names)
            else:
                found.add(base)
        elif isinstance(node, ast.Import):
            found.update(tuple(alias.name.split(".")[1:]) for alias in node.names
                         if alias.name.startswith("awscli_mfa_plugin."))
    return [name for name in found if name]


def place(parts):
    """The stage (index) of a module, or ``None`` for the base."""
    head = parts[0]
    if head in STAGES:
        return STAGES.index(head)
    if head in BASE or head == "__version__" or head == "COMMAND_NAME":
        return None
    return len(STAGES)  # the top


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES,
                         ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_imports_point_down(path):
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    own = place(parts)
    wrong = []
    for imported in imports_of(path):
        where = place(imported)
        if own is None:  # the base imports only the base
            if where is not None:
                wrong.append(".".join(imported))
        elif where is not None and where > own:
            wrong.append(".".join(imported))
    assert not wrong, f"{'/'.join(parts)} imports later stages: {wrong}"


#: The one exception: the standalone's fast path prints ``--export``'s lines
#: for kept credentials with the shell quoting the stdout sink uses.
FAST_EXPORT = (("fastpath",), ("deliver", "shells"))


def test_only_the_pipeline_delivers():
    """deliver/ holds the sinks; only the modes' handlers hand them anything."""
    wrong = []
    for path in MODULES:
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[0] in ("pipeline", "deliver"):
            continue
        if any(imported[0] == "deliver" and (parts, imported[:2]) != FAST_EXPORT
               for imported in imports_of(path)):
            wrong.append("/".join(parts))
    assert not wrong, f"import deliver/ outside the pipeline: {wrong}"


def test_every_stage_has_its_folder_and_the_top_stays_small():
    for stage in STAGES:
        assert (PACKAGE / stage / "__init__.py").is_file(), stage
    flat = {p.stem for p in PACKAGE.glob("*.py")}
    assert flat <= TOP | BASE, sorted(flat - TOP - BASE)
    command = (PACKAGE / "command.py").read_text(encoding="utf-8")
    assert len(command.splitlines()) < 150
