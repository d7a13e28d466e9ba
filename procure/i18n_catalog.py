"""Keep the zh_CN catalogue in step with the code: find every msgid, add the missing ones.

Run ``python -m procure.i18n_catalog`` after adding or changing user-visible text; it adds new
msgids to ``procure/locale/zh_CN/LC_MESSAGES/messages.po`` (existing translations are kept) and
lists the ones still waiting for a translation. ``--prune`` also drops msgids no longer used.

Where msgids come from (message ids are English; see ``procure.kernel.i18n``):

* templates (``templates/**/*.html``): ``_("...")`` calls, found with Jinja's Babel extractor.
  Dynamic ids ``_("role:" ~ x)`` expand to ``role:<value>`` for every value of ``Role``
  (see ``DYNAMIC_PREFIXES``); any other dynamic ``_()`` call is reported as a problem.
* Python (``procure/**/*.py``), with the ``ast`` module:
  - the first positional argument of ``ProcureError`` and its subclasses (``InvalidInput(...)``);
  - the value of the key ``"message"`` in dict literals (error lists);
  - the second argument of ``gettext(locale, ...)``;
  - in ``rules.py`` files: the second argument of ``<obj>.add(column, "...")``, what is appended
    to a list named ``problems`` (``problems.append("...")`` or ``(field, "...")``), and string
    constants returned by functions (``password_problem``).
  A local variable passed where a msgid is expected (``gettext(locale, message)``) is followed to
  its assignments in the same function; string constants found there count (``x if c else "..."``).
  f-strings in those places cannot be translated and are reported as problems.
"""

from __future__ import annotations

import ast
import io
import string
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from jinja2 import Environment, nodes
from jinja2.ext import InternationalizationExtension, babel_extract

LOCALE = "zh_CN"
PO_PATH = Path("procure") / "locale" / LOCALE / "LC_MESSAGES" / "messages.po"
TEMPLATE_KEYWORDS = ("_",)  # the gettext function the templates call
#: Error classes known without reading procure/kernel/errors.py (its subclasses are added from there).
ERROR_CLASSES = frozenset({
    "ProcureError", "InvalidInput", "NotFound", "Conflict", "Forbidden", "NotAuthenticated",
    "TooManyAttempts", "PayloadTooLarge",
    "SealError",  # bidding.sealing: its reason reaches people as an error message
})
#: ``_("<prefix>" ~ value)`` in templates: the prefix and the (file, StrEnum class) whose values follow it.
DYNAMIC_PREFIXES = {
    "role:": ("procure/accounts/rules.py", "Role"),
    "tender:": ("procure/tendering/rules.py", "TenderState"),
    "lot:": ("procure/tendering/rules.py", "LotState"),
    "method:": ("procure/tendering/rules.py", "Method"),
    "contractor:": ("procure/contractors/rules.py", "ContractorState"),
    "bid:": ("procure/bidding/rules.py", "BidState"),
    "bond_status:": ("procure/bidding/rules.py", "BondStatus"),
    "contract:": ("procure/contracts/rules.py", "ContractState"),
    "variation:": ("procure/contracts/rules.py", "VariationKind"),
    "award:": ("procure/awards/rules.py", "AwardState"),
    "flag:": ("procure/evaluation/rules.py", "Flag"),
    "abnormal:": ("procure/evaluation/rules.py", "AbnormalDecision"),
    "case:": ("procure/cases/rules.py", "CaseState"),
    "source:": ("procure/cases/rules.py", "CaseSource"),
    "timer:": ("procure/cases/rules.py", "TimerLabel"),
    "case_event:": ("procure/cases/rules.py", "CaseAction"),
    "statement:": ("procure/payments/services.py", "StatementState"),
    "statement_event:": ("procure/payments/services.py", "StatementAction"),
    "standing_rule:": ("procure/tendering/rules.py", "StandingRule"),
}
SKIP_PY = frozenset({"procure/i18n_catalog.py"})


@dataclass
class Extraction:
    msgids: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # "file:line: what" — texts that cannot be translated

    def add(self, msgid: str, where: str) -> None:
        if msgid:
            self.msgids.setdefault(msgid, []).append(where)


def extract(project_root: Path) -> Extraction:
    root = Path(project_root)
    out = Extraction()
    _extract_templates(root, out)
    _extract_python(root, out)
    return out


def extract_msgids(project_root: Path) -> dict[str, list[str]]:
    """Every msgid used by the app → its locations ``"file:line"`` (relative to the project root)."""
    return extract(project_root).msgids


# --- templates ------------------------------------------------------------------------------


def _extract_templates(root: Path, out: Extraction) -> None:
    dynamic = {prefix: _enum_values(root / path, cls) for prefix, (path, cls) in DYNAMIC_PREFIXES.items()}
    for path in sorted((root / "templates").rglob("*.html")):
        rel = path.relative_to(root).as_posix()
        with path.open("rb") as handle:
            found = list(babel_extract(handle, TEMPLATE_KEYWORDS, [], {"silent": "false"}))
        for lineno, _func, message, _comments in found:
            first = message[0] if isinstance(message, tuple) else message
            if first is not None:
                out.add(first, f"{rel}:{lineno}")
        # babel_extract reports a non-constant argument as None; look at those calls ourselves.
        if any((m[0] if isinstance(m, tuple) else m) is None for _, _, m, _ in found):
            _expand_dynamic(path, rel, dynamic, out)


def _expand_dynamic(path: Path, rel: str, dynamic: dict[str, list[str]], out: Extraction) -> None:
    tree = Environment(extensions=[InternationalizationExtension]).parse(path.read_text(encoding="utf-8"))
    for call in tree.find_all(nodes.Call):
        if not (isinstance(call.node, nodes.Name) and call.node.name in TEMPLATE_KEYWORDS and call.args):
            continue
        arg = call.args[0]
        if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
            continue
        prefix = None
        if isinstance(arg, nodes.Concat) and isinstance(arg.nodes[0], nodes.Const):
            prefix = arg.nodes[0].value
        if prefix in dynamic:
            for value in dynamic[prefix]:
                out.add(prefix + value, f"{rel}:{call.lineno}")
        else:
            out.problems.append(f"{rel}:{call.lineno}: _() with a computed msgid the extractor cannot expand")


def _enum_values(path: Path, class_name: str) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            return [
                stmt.value.value for stmt in node.body
                if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
            ]
    raise LookupError(f"{path}: no class {class_name}")


# --- Python ---------------------------------------------------------------------------------


def _error_classes(root: Path) -> frozenset[str]:
    names = set(ERROR_CLASSES)
    errors_py = root / "procure" / "kernel" / "errors.py"
    if errors_py.exists():
        tree = ast.parse(errors_py.read_text(encoding="utf-8"))
        changed = True
        while changed:  # subclasses of subclasses
            changed = False
            for node in tree.body:
                if isinstance(node, ast.ClassDef) and node.name not in names and any(
                    isinstance(b, ast.Name) and b.id in names for b in node.bases
                ):
                    names.add(node.name)
                    changed = True
    return frozenset(names)


def _extract_python(root: Path, out: Extraction) -> None:
    classes = _error_classes(root)
    for path in sorted((root / "procure").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel in SKIP_PY:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        _PyExtractor(rel, classes, path.name == "rules.py", out).visit(tree)


def _call_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


class _PyExtractor(ast.NodeVisitor):
    def __init__(self, rel: str, error_classes: frozenset[str], is_rules: bool, out: Extraction) -> None:
        self.rel, self.error_classes, self.is_rules, self.out = rel, error_classes, is_rules, out
        self.scopes: list[ast.AST] = []

    # scopes: a Name argument is followed to its assignments in the innermost function (or module)
    def visit_Module(self, node: ast.Module) -> None:
        self.scopes.append(node)
        self.generic_visit(node)
        self.scopes.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scopes.append(node)
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node.func)
        if name in self.error_classes and node.args:
            self._take(node.args[0], "error message")
        elif name == "gettext" and len(node.args) >= 2:
            self._take(node.args[1], "gettext() msgid")
        elif name in ("N_", "Problem") and node.args:
            self._take(node.args[0], f"{name}() msgid", follow=False)
        elif (self.is_rules and name == "add" and isinstance(node.func, ast.Attribute)
              and len(node.args) == 2):
            self._take(node.args[1], "rule message", follow=False)
        elif (self.is_rules and name == "append" and isinstance(node.func, ast.Attribute)
              and isinstance(node.func.value, ast.Name) and "problem" in node.func.value.id and len(node.args) == 1):
            # problems.append("…") or problems.append((field, "…")): a rule's list of what is wrong
            message = node.args[0].elts[-1] if isinstance(node.args[0], ast.Tuple) else node.args[0]
            self._take(message, "rule problem", follow=False)
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values):
            if isinstance(key, ast.Constant) and key.value == "message":
                self._take(value, '"message" value', follow=False)
        self.generic_visit(node)

    def visit_Return(self, node: ast.Return) -> None:
        function = self.scopes[-1] if len(self.scopes) > 1 else None
        if self.is_rules and node.value is not None and "problem" in getattr(function, "name", ""):
            for text, lineno in _literal_strings(node.value):
                self.out.add(text, f"{self.rel}:{lineno}")
        self.generic_visit(node)

    def _take(self, expr: ast.expr, what: str, follow: bool = True) -> None:
        if isinstance(expr, ast.JoinedStr):
            self.out.problems.append(f"{self.rel}:{expr.lineno}: {what} is an f-string and cannot be translated")
            return
        for text, lineno in _literal_strings(expr):
            self.out.add(text, f"{self.rel}:{lineno}")
        if follow and isinstance(expr, ast.Name):
            for value in self._assignments(expr.id):
                if isinstance(value, ast.JoinedStr):
                    self.out.problems.append(f"{self.rel}:{value.lineno}: {what} is an f-string and cannot be translated")
                for text, lineno in _literal_strings(value):
                    self.out.add(text, f"{self.rel}:{lineno}")

    def _assignments(self, name: str) -> Iterator[ast.expr]:
        scope = self.scopes[-1]
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                yield node.value
            elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and isinstance(node.target, ast.Name) \
                    and node.target.id == name and node.value is not None:
                yield node.value


def _literal_strings(expr: ast.expr) -> Iterator[tuple[str, int]]:
    """String constants an expression can evaluate to: ``"a"``, ``x if c else "a"``, ``x or "a"``."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        yield expr.value, expr.lineno
    elif isinstance(expr, ast.IfExp):
        yield from _literal_strings(expr.body)
        yield from _literal_strings(expr.orelse)
    elif isinstance(expr, ast.BoolOp):
        for value in expr.values:
            yield from _literal_strings(value)


# --- the catalogue --------------------------------------------------------------------------


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a str.format message uses."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def po_path(project_root: Path) -> Path:
    return Path(project_root) / PO_PATH


def load_catalog(project_root: Path) -> Catalog:
    path = po_path(project_root)
    if not path.exists():
        return Catalog(
            locale=LOCALE, project="Procure", version="0.1", fuzzy=False, language_team="zh_CN",
            last_translator="Procure team", header_comment=(
                "# Simplified Chinese (简体中文) UI text for Procure.\n"
                "# msgids are the English text. Maintain with: python -m procure.i18n_catalog\n"
            ),
        )
    with path.open("rb") as handle:
        return read_po(handle, locale=LOCALE)


def is_translated(catalog: Catalog, msgid: str) -> bool:
    message = catalog.get(msgid)
    return message is not None and bool(message.string) and not message.fuzzy


def catalog_msgids(catalog: Catalog) -> set[str]:
    return {m.id for m in catalog if m.id and isinstance(m.id, str)}


def update_catalog(project_root: Path, *, prune: bool = False) -> list[str]:
    """Add missing msgids to the zh_CN catalogue; return the msgids still without a translation.

    Existing translations are kept; locations are refreshed (file names only, so moving a line
    does not change the file). With ``prune``, msgids no longer used anywhere are removed.
    """
    root = Path(project_root)
    found = extract_msgids(root)
    catalog = load_catalog(root)
    for msgid, where in found.items():
        locations = sorted({(w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1])) for w in where})
        message = catalog.get(msgid)
        if message is None:
            catalog.add(msgid, "", locations=locations)
        else:
            message.locations = locations
    if prune:
        for msgid in sorted(catalog_msgids(catalog) - set(found)):
            catalog.delete(msgid)
    _write(root, catalog)
    return sorted(m for m in found if not is_translated(catalog, m))


def _write(root: Path, catalog: Catalog) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, omit_header=False, sort_output=True, include_lineno=False,
             include_previous=False)
    data = buffer.getvalue()
    path = po_path(root)
    if path.exists() and path.read_bytes() == data:
        return  # no churn
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(__file__).resolve().parent.parent
    untranslated = update_catalog(root, prune="--prune" in args)
    result = extract(root)
    catalog = load_catalog(root)
    obsolete = sorted(catalog_msgids(catalog) - set(result.msgids))
    print(f"{po_path(root).relative_to(root)}: {len(result.msgids)} msgids, {len(untranslated)} untranslated")
    for msgid in untranslated:
        print(f"  untranslated: {msgid!r}  ({', '.join(result.msgids[msgid][:3])})")
    for msgid in obsolete:
        print(f"  no longer used: {msgid!r}  (python -m procure.i18n_catalog --prune removes these)")
    for problem in result.problems:
        print(f"  cannot translate: {problem}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
