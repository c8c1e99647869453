"""DESIGN.md's order of apps, proven on every import of the project, lazy ones too.

A lower app never imports a higher one, nor one beside it on its level: where it must hand
work upwards it sends a signal or calls a registry the higher app fills at start-up. And no
two modules import each other, directly or round a longer circle, even inside one app.
"""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# DESIGN.md: core ← accounts ← communities ← meetings, knowledge, discussions ← messages,
# conveners ← evaluation ← dashboard; cop_platform (wiring) above them, and devdata (demo and
# scale data, never installed in production) above everything: nothing imports it.
LEVELS = [
    ["core"],
    ["accounts"],
    ["communities"],
    ["meetings", "knowledge", "discussions"],
    ["messages", "conveners"],
    ["evaluation"],
    ["dashboard"],
    ["cop_platform"],
    ["devdata"],
]
LEVEL = {app: n for n, apps in enumerate(LEVELS) for app in apps}


def project_modules():
    """Every module of the project's apps (not the tests), by dotted name."""
    modules = {}
    for app in LEVEL:
        for path in sorted((ROOT / app).rglob("*.py")) if (ROOT / app).is_dir() else []:
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def imports_of(name, path, modules):
    """The project modules `name` imports, anywhere in the file (functions included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from app import services` names a module; `from app.services import x` does not.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph():
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def app_of(module):
    return module.split(".")[0]


def test_every_app_of_the_project_has_its_level():
    apps = {a.split(".")[0] for a in settings.INSTALLED_APPS if (ROOT / a.split(".")[0]).is_dir()}
    assert apps <= set(LEVEL), f"give these apps a level in DESIGN.md and here: {apps - set(LEVEL)}"


def test_no_app_imports_one_above_it_or_beside_it():
    wrong = sorted(
        f"{source} imports {target}"
        for source, targets in graph().items()
        for target in targets
        if app_of(source) != app_of(target) and LEVEL[app_of(target)] >= LEVEL[app_of(source)]
    )
    assert not wrong, "\n".join(wrong)


def circles(edges):
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def test_the_circle_finder_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_two_modules_import_each_other():
    assert circles(graph()) == []


# A function a reader can hold in mind: none longer, migrations aside (Django writes them).
LONGEST_FUNCTION = 80


def long_functions(source, path="<source>"):
    """[(name, first line, lines)] of the functions and methods of `source` longer than
    LONGEST_FUNCTION lines, decorators and docstring included."""
    found = []
    for node in ast.walk(ast.parse(source, path)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            lines = node.end_lineno - first + 1
            if lines > LONGEST_FUNCTION:
                found.append((node.name, first, lines))
    return found


def test_the_length_finder_counts_a_long_function():
    body = "".join(f"    x{n} = {n}\n" for n in range(LONGEST_FUNCTION - 1))
    assert long_functions(f"def short():\n{body}") == []
    assert long_functions(f"@decorated\ndef long():\n{body}") == [("long", 1, 81)]


def test_no_function_is_longer_than_a_reader_can_hold():
    folders = [*LEVEL, "tests", "scripts"]
    paths = [path for folder in folders for path in sorted((ROOT / folder).rglob("*.py"))]
    long = [
        f"{path.relative_to(ROOT)}:{first} {name} ({lines} lines)"
        for path in paths
        if "migrations" not in path.parts
        for name, first, lines in long_functions(path.read_text(), str(path))
    ]
    assert len(paths) > 500
    assert long == []
