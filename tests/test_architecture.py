"""The architecture's rules, checked on the code itself (docs/architecture.md explains them).

- every route goes through the pipeline (``@requires``, ``@signed_in``, ``@public``);
- no ``commit()`` or ``rollback()`` outside the boundary;
- services and permissions know no Flask or HTTP;
- no import cycle among the application's modules, function-level imports included;
- every extension point (signal) has its receivers once the app is built;
- every API operation documents the refusals its declaration implies.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from bio_register import signals
from bio_register.pipeline import MARK, Guard

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bio_register", "reports", "controls")

#: endpoints that are not the application's own views: static files and flask-smorest's OpenAPI JSON
NOT_PIPELINED = {"static": "Flask's static files", "api-docs.openapi_json": "flask-smorest's OpenAPI document"}

#: the boundaries: the only modules that may commit or roll back a unit of work
BOUNDARIES = {"bio_register/unit_of_work.py"}

#: the wiring modules, which may import every area (and are left out of the cycle check)
WIRING = {"bio_register", "bio_register.web", "bio_register.cli", "bio_register.wiring", "bio_register.scheduler",
          "bio_register.imports.cli"}

#: Flask and HTTP, which services must not know
FLASK_MODULES = ("flask", "flask_login", "flask_wtf", "flask_smorest", "werkzeug", "bio_register.pipeline",
                 "bio_register.web", "bio_register.loaders")
FLASK_NAMES = {"current_app", "g", "request", "session", "url_for"}


def python_files() -> Iterator[Path]:
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def service_modules() -> list[Path]:
    """The rules: every area's services.py, permissions.py and the rule modules beside them."""
    paths = [p for p in python_files() if p.name == "services.py"]
    paths += [ROOT / "bio_register/permissions.py", ROOT / "bio_register/unit_of_work.py",
              ROOT / "bio_register/signals.py", ROOT / "bio_register/breaches/enisa.py",
              ROOT / "bio_register/breaches/affected.py", ROOT / "bio_register/breaches/recurring.py",
              ROOT / "bio_register/notifications/delivery.py"]
    return paths


# --- the pipeline ---------------------------------------------------------------------------------------

def test_every_route_goes_through_the_pipeline(app: Flask) -> None:
    missing = sorted(rule.endpoint for rule in app.url_map.iter_rules()
                     if rule.endpoint not in NOT_PIPELINED
                     and not isinstance(getattr(app.view_functions[rule.endpoint], MARK, None), Guard))
    assert not missing, f"declare these with @requires, @signed_in or @public: {missing}"


def test_api_operations_document_their_refusals(app: Flask) -> None:
    """An operation that requires a permission can answer 403, one that loads an object 404, one
    that writes 409 (the pipeline's answer to a unique key refusing a simultaneous save), one that
    takes a body 413 and 422: the OpenAPI document must say so (clients generate their error
    handling from it), and every error is documented as problem+json, as it is sent."""
    spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    shared = spec["components"]["responses"]
    undocumented = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint in NOT_PIPELINED:
            continue
        guard = getattr(app.view_functions[rule.endpoint], MARK, None)
        if guard is None:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = spec["paths"].get(path, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation["responses"]
            can_refuse = guard.permission is not None and (guard.loader is None
                                                           or guard.permission != guard.loader.read)
            if can_refuse and "403" not in responses:
                undocumented.append(f"{method} {path}: 403")
            if guard.loader is not None and "404" not in responses:
                undocumented.append(f"{method} {path}: 404")
            expected = {"409"} if method != "GET" else set()
            if "requestBody" in operation:
                expected |= {"413", "422"}
            undocumented += [f"{method} {path}: {status}" for status in sorted(expected - set(responses))]
            for status, declared in responses.items():
                response = shared[declared["$ref"].rsplit("/", 1)[-1]] if "$ref" in declared else declared
                if int(status) >= 400 and "application/problem+json" not in response.get("content", {}):
                    undocumented.append(f"{method} {path}: {status} as application/problem+json")
    assert not undocumented, f"document these responses (alt_response): {undocumented}"


# --- the unit of work -------------------------------------------------------------------------------------

def _calls(tree: ast.AST, names: set[str]) -> Iterator[ast.Call]:
    """Calls of ``<something>.name(…)``, except through the unit of work (``unit_of_work.commit(…)``)."""
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in names
                and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "unit_of_work")):
            yield node


def test_no_commit_or_rollback_outside_the_boundary() -> None:
    """Services flush; views return; the pipeline, the job wrapper and the CLI's boundary commit
    through bio_register.unit_of_work, which is the one module that calls commit() and rollback()."""
    found = []
    for path in python_files():
        if rel(path) in BOUNDARIES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [f"{rel(path)}:{call.lineno} {call.func.attr}()"  # type: ignore[attr-defined]
                  for call in _calls(tree, {"commit", "rollback"})]
    assert not found, "commit/rollback outside bio_register/unit_of_work.py:\n" + "\n".join(found)


# --- services know no Flask ---------------------------------------------------------------------------------

def _imports(tree: ast.AST, *, skip_type_checking: bool) -> Iterator[tuple[int, str, list[str]]]:
    """(line, module, imported names) for every import, function-level ones included."""
    skipped: set[int] = set()
    if skip_type_checking:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skipped |= {id(inner) for child in node.body for inner in ast.walk(child)}
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module, [alias.name for alias in node.names]


def _is_flask(module: str) -> bool:
    """One of FLASK_MODULES or a module inside one; the application's own by whole names
    (``bio_register.webhooks`` is not ``bio_register.web``), the packages by prefix (``flask_sqlalchemy``)."""
    return any(module == name or module.startswith(name + ".")
               or (not name.startswith("bio_register.") and module.startswith(name)) for name in FLASK_MODULES)


def test_services_know_no_flask() -> None:
    found = []
    for path in service_modules():
        for line, module, names in _imports(ast.parse(path.read_text(encoding="utf-8")), skip_type_checking=True):
            if _is_flask(module) and module != "flask_babel":
                found.append(f"{rel(path)}:{line} imports {module}")
            if _is_flask(module) and FLASK_NAMES & set(names):
                found.append(f"{rel(path)}:{line} uses {sorted(FLASK_NAMES & set(names))}")
    assert not found, "services must be callable without a request:\n" + "\n".join(found)


# --- no import cycles ---------------------------------------------------------------------------------------

def import_graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in python_files()}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for _line, module, names in _imports(ast.parse(path.read_text(encoding="utf-8")), skip_type_checking=True):
            targets = [f"{module}.{n}" for n in names if f"{module}.{n}" in modules] or [module]
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    graph = {name: targets - WIRING for name, targets in import_graph().items() if name not in WIRING}
    assert not cycles(graph), f"import cycles (function-level imports included): {cycles(graph)}"


def test_the_cycle_check_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


# --- extension points ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("signal", signals.ALL, ids=lambda s: s.name)
def test_every_extension_point_has_its_receivers(app: Flask, signal: signals.Signal) -> None:
    assert signal.receivers, f"nothing is connected to {signal.name}: see bio_register/wiring.py"
