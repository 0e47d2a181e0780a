"""The package's layers import downward only (docs/design.md): computed from the source with `ast`.

Fails on an import of a higher layer, on any import cycle between modules, and on an import of
the project's own modules inside a function (a hidden cycle), except in the command-line entry
point and the package's lazy public API.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dsplang"

# Bottom to top; a module may import its own layer and the layers before it.
LAYERS = ["version", "errors", "grammar", "analysis", "interpreter", "lm", "context", "stdlib", "driver",
          "report", "fmt", "highlight", "repl", "lsp", "api", "cli"]
# Where an import inside a function is allowed: the entry point picks a command's modules lazily
# so `dsp --help` stays fast, and `dsplang/__init__.py` loads the public API on first use.
LAZY_ALLOWED = {"dsplang.cli", "dsplang"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def imports(path: Path) -> list[tuple[str, int, bool, bool]]:
    """(imported dsplang module, line, inside a function, for type checking only) for each
    import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, int, bool, bool]] = []

    def visit(node, in_function: bool, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            only_types = typing_only or _is_type_checking_block(child)
            if isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, in_function, typing_only) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.extend((target, line, in_function, typing_only)
                             for target, line in _from_targets(child))
            visit(child, nested, only_types)
    visit(tree, False, False)
    return [f for f in found if f[0] == "dsplang" or f[0].startswith("dsplang.")]


def _is_type_checking_block(node) -> bool:
    """`if TYPE_CHECKING:` (or `typing.TYPE_CHECKING`): imports for annotations only."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _from_targets(node: ast.ImportFrom):
    # `from dsplang.stdlib import signature` imports the submodule when it is one.
    for alias in node.names:
        sub = f"{node.module}.{alias.name}"
        is_module = (PACKAGE.parent / Path(*sub.split("."))).with_suffix(".py").exists() \
            or (PACKAGE.parent / Path(*sub.split("."))).is_dir()
        yield (sub if is_module else node.module), node.lineno


def graph() -> dict[str, list[tuple[str, int, bool, bool]]]:
    return {module_name(p): imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_module_is_in_a_layer():
    unknown = sorted({layer_of(m) for m in graph()} - set(LAYERS) - {None})
    assert not unknown, f"modules outside the layer table: {unknown} (add them to LAYERS and docs/design.md)"


def test_imports_point_down():
    upward = []
    for module, targets in graph().items():
        here = layer_of(module)
        if here is None:
            continue
        for target, line, _, _ in targets:
            there = layer_of(target)
            if there is not None and LAYERS.index(there) > LAYERS.index(here):
                upward.append(f"{module}:{line} imports {target} ({here} -> {there})")
    assert not upward, "imports from a higher layer:\n" + "\n".join(upward)


def test_no_imports_inside_functions():
    hidden = [f"{module}:{line} imports {target}" for module, targets in graph().items()
              if module not in LAZY_ALLOWED for target, line, inside, _ in targets if inside]
    assert not hidden, "imports of dsplang inside functions (a cycle in disguise):\n" + "\n".join(hidden)


def test_no_import_cycles():
    # An import for annotations only (under TYPE_CHECKING) runs nothing, so it makes no cycle;
    # it still counts for the direction of the layers above.
    edges = {m: {t for t, _, _, typing_only in ts if t != m and not typing_only}
             for m, ts in graph().items()}
    modules = set(edges)
    for m in edges:
        edges[m] = {t if t in modules else _owner(t, modules) for t in edges[m]} - {None, m}
    cycle = _find_cycle(edges)
    assert cycle is None, "an import cycle: " + " -> ".join(cycle)


def _owner(target: str, modules: set[str]) -> str | None:
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target or None


def _find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None
