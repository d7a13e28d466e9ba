"""The domains depend one way (docs/architecture.md, "Dependency order"), read from the code itself.

Every ``import`` and ``from … import`` under ``procure/`` — at module level and inside functions —
is read with ``ast``. A domain may import the kernel and the domains before it in
``procure.domains.ORDER``; the kernel imports no domain; nothing imports the composition root (the
top-level modules that wire the app). A later domain reaches an earlier one only through the ports
and hooks of ``procure.kernel.hooks``, which the last test checks are all wired.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import procure
from procure.domains import ORDER
from procure.kernel.hooks import Hook, Port

ROOT = Path(procure.__file__).resolve().parent
#: Top-level modules that assemble the app from the domains; they may import anything, and nothing
#: in a domain or the kernel may import them.
COMPOSITION = {"app", "asgi", "cli", "demo", "domains", "home", "models", "openapi", "worker", "i18n_catalog"}


@dataclass(frozen=True)
class Import:
    source: str      # file, relative to procure/
    line: int
    importer: str    # a domain, "kernel", or a composition module
    imported: str    # the same
    local: bool      # inside a function


def _unit(module: str) -> str | None:
    """The part of Procure a dotted module name belongs to (None: not Procure's)."""
    parts = module.split(".")
    if parts[0] != "procure" or len(parts) < 2:
        return None
    return parts[1]


def _sources() -> list[tuple[Path, str]]:
    """Every module under procure/ but the migrations (Alembic's, not the domains'), with its text."""
    return [(path.relative_to(ROOT), path.read_text(encoding="utf-8")) for path in sorted(ROOT.rglob("*.py"))
            if path.relative_to(ROOT).parts[0] != "migrations"]


def _imports() -> list[Import]:
    found = []
    for relative, text in _sources():
        importer = relative.parts[0] if len(relative.parts) > 1 else relative.stem
        tree = ast.parse(text)
        local = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                 for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] if node.module != "procure" else [f"procure.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                unit = _unit(name)
                if unit is None or unit == "PROJECT_ROOT" or unit == importer:
                    continue
                found.append(Import(str(relative), node.lineno, importer, unit, id(node) in local))
    return found


IMPORTS = _imports()


def _says_why(line: str, before: str) -> bool:
    """A comment on the import's line or the line before that is more than a linter's switch."""
    words = line.split("#")[1:] + ([before.strip()[1:]] if before.strip().startswith("#") else [])
    reasons = [w.strip() for w in words if w.strip() and not w.strip().startswith(("noqa", "type: ignore"))]
    return bool(reasons)


def _function_local_imports() -> list[str]:
    """Every import inside a function, Procure's or a library's, that has no comment saying why."""
    silent = []
    for relative, text in _sources():
        lines = text.splitlines()
        for function in ast.walk(ast.parse(text)):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    before = lines[node.lineno - 2] if node.lineno > 1 else ""
                    if not _says_why(lines[node.lineno - 1], before):
                        silent.append(f"{relative}:{node.lineno} {lines[node.lineno - 1].strip()}")
    return sorted(set(silent))


def test_the_order_names_every_domain_once():
    folders = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()} - {"migrations"}
    assert sorted(ORDER) == sorted(folders)
    assert len(ORDER) == len(set(ORDER))
    assert ORDER[0] == "kernel"


def test_no_domain_imports_a_later_one():
    position = {name: i for i, name in enumerate(ORDER)}
    against = [f"{i.source}:{i.line} {i.importer} → {i.imported}" for i in IMPORTS
               if i.importer in position and i.imported in position and position[i.imported] > position[i.importer]]
    assert against == [], "imports against the dependency order:\n" + "\n".join(against)


def test_the_kernel_imports_no_domain():
    domains = [f"{i.source}:{i.line} → {i.imported}" for i in IMPORTS if i.importer == "kernel"]
    assert domains == []


def test_nothing_imports_the_composition_root():
    wrong = [f"{i.source}:{i.line} → procure.{i.imported}" for i in IMPORTS
             if i.imported in COMPOSITION and i.importer not in COMPOSITION]
    assert wrong == []


def test_the_domains_form_no_cycle():
    edges = defaultdict(set)
    for i in IMPORTS:
        if i.importer in ORDER and i.imported in ORDER:
            edges[i.importer].add(i.imported)
    # Kahn: what cannot be ordered is in a cycle.
    remaining = {d: set(edges[d]) for d in ORDER}
    while True:
        free = [d for d, deps in remaining.items() if not deps]
        if not free:
            break
        for d in free:
            del remaining[d]
        for deps in remaining.values():
            deps.difference_update(free)
    assert remaining == {}, f"in a cycle: {sorted(remaining)}"


def test_every_function_local_import_says_why():
    silent = _function_local_imports()
    assert silent == [], "function-local imports without a comment saying why:\n" + "\n".join(silent)


def test_every_port_is_provided_and_every_hook_heard():
    """After ``procure.domains`` is imported, no hand-off is missing (a Port asked unwired raises)."""
    ports, hooks = [], []
    for info in pkgutil.walk_packages(procure.__path__, "procure."):
        if ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, Port) and value.name.startswith(info.name.split(".")[1]):
                ports.append((info.name, name, value))
            if isinstance(value, Hook) and value.name.startswith(info.name.split(".")[1]):
                hooks.append((info.name, name, value))
    assert len(ports) >= 6 and len(hooks) >= 4
    assert [f"{m}.{n}" for m, n, p in ports if not p.provided] == []
    assert [f"{m}.{n}" for m, n, h in hooks if not h.handlers] == []
