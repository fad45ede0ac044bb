"""The product packages keep their shape: small modules, and no import loop between siblings.

A loop between two sibling packages (say `local_node.ingest` and `local_node.sync`) means
neither can be understood, tested or replaced without the other; it usually starts as one
convenient import of a type from the composition root. The line limit is the house's prompt
to split a module by concept before it mixes several.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest

PACKAGES = ("local_node", "cloud_plane", "sync_protocol")
MAX_LINES = 450
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    """One import graph of the three product packages (building it reads every module)."""
    return grimp.build_graph(*PACKAGES, include_external_packages=False)


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_is_longer_than_the_limit(package: str) -> None:
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / package).rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not too_long, f"modules over {MAX_LINES} lines (split them by concept): {too_long}"


@pytest.mark.parametrize("package", PACKAGES)
def test_sibling_packages_import_each_other_without_a_loop(
    graph: grimp.ImportGraph, package: str
) -> None:
    loops = [
        _describe(graph, loop, edges)
        for parent in _packages_in(graph, package)
        for loop, edges in _loops(graph, sorted(graph.find_children(parent)))
    ]
    assert not loops, "import loops between sibling modules:\n" + "\n".join(loops)


def _packages_in(graph: grimp.ImportGraph, package: str) -> Iterator[str]:
    """The package and every subpackage in it (the modules that have children)."""
    for module in sorted({package} | graph.find_descendants(package)):
        if graph.find_children(module):
            yield module


Edges = dict[str, list[str]]


def _loops(graph: grimp.ImportGraph, siblings: list[str]) -> Iterator[tuple[list[str], Edges]]:
    """Each group of siblings that import one another in a loop, as one loop's path.

    A sibling "imports" another when it or anything under it directly imports the other or
    anything under it. Every strongly connected group is reported (not only the first loop),
    with its own imports, so that one run shows everything there is to break.
    """
    edges = {
        a: [
            b
            for b in siblings
            if b != a and graph.direct_import_exists(importer=a, imported=b, as_packages=True)
        ]
        for a in siblings
    }
    for group in _strongly_connected(siblings, edges):
        if len(group) > 1:
            inside = {a: [b for b in edges[a] if b in group] for a in group}
            yield _cycle_from(group[0], inside), inside


def _strongly_connected(nodes: list[str], edges: Edges) -> list[list[str]]:
    """Tarjan's strongly connected components, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group: list[str] = []
            while not group or group[-1] != node:
                group.append(stack.pop())
            groups.append(sorted(group))

    for node in nodes:
        if node not in index:
            visit(node)
    return groups


def _cycle_from(start: str, edges: Edges) -> list[str]:
    """A shortest loop from `start` back to itself (breadth first; `edges` is one group)."""
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for nxt in edges[node]:
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if nxt not in came_from:
                    came_from[nxt] = node
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"{start} is in a loop group but reaches no loop")


def _describe(graph: grimp.ImportGraph, loop: list[str], edges: Edges) -> str:
    """The loop's path, then every import between members of its group, one example each."""
    steps = [
        f"    {a} -> {b}: {_example_import(graph, a, b)}"
        for a in sorted(edges)
        for b in sorted(edges[a])
    ]
    return "  " + " -> ".join(loop) + "\n" + "\n".join(steps)


def _example_import(graph: grimp.ImportGraph, importer: str, imported: str) -> str:
    """One import statement (module:line `code`) by which `importer` reaches `imported`."""
    targets = {imported} | graph.find_descendants(imported)
    for module in sorted({importer} | graph.find_descendants(importer)):
        for target in sorted(graph.find_modules_directly_imported_by(module) & targets):
            for detail in graph.get_import_details(importer=module, imported=target):
                return f"{module}:{detail['line_number']} `{detail['line_contents']}`"
    return "(no import found)"
