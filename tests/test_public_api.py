"""The project uses Scrapy through its public API alone: no name Scrapy keeps private (a
leading underscore), so that a new Scrapy release does not break it unannounced."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "channel9"


def defined(tree: ast.AST) -> set[str]:
    """The names ``tree`` defines: functions, classes and attributes it assigns."""
    names = {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {target.attr for target in targets if isinstance(target, ast.Attribute)}
    return names


def private_uses(tree: ast.AST, own: set[str]) -> list[str]:
    """The private names of others that ``tree`` uses: ``x._name`` where the project
    defines no ``_name`` (``own``), ``super()._name`` whatever it defines (a parent's
    private method), and ``from scrapy... import _name``. A module other than Scrapy
    named in full (``lxml.etree._Element``) is that library's to name."""
    others = {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name.split(".")[0] != "scrapy"
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "scrapy":
            found += [f"{node.module}.{alias.name}" for alias in node.names if private(alias.name)]
        elif isinstance(node, ast.Attribute) and private(node.attr):
            value = node.value
            parent = isinstance(value, ast.Call) and getattr(value.func, "id", "") == "super"
            while isinstance(value, ast.Attribute):
                value = value.value
            library = isinstance(value, ast.Name) and value.id in others
            if parent or not (library or node.attr in own):
                found.append(f"line {node.lineno}: .{node.attr}")
    return found


def private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_the_project_uses_no_private_name_of_scrapy() -> None:
    trees = {
        str(path.relative_to(PACKAGE)): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
    }
    # Every name the project defines: its own private names are its to use.
    own = set().union(*map(defined, trees.values()))

    found = {name: private_uses(tree, own) for name, tree in trees.items()}

    assert len(found) > 50
    assert {name: uses for name, uses in found.items() if uses} == {}


@pytest.mark.parametrize(
    ("source", "found"),
    [
        (
            "class M(RobotsTxtMiddleware):\n"
            "    def _robots_error(self, exc, netloc):\n"
            "        super()._robots_error(exc, netloc)\n"
            "        self._parsers[netloc] = None\n",
            ["line 3: ._robots_error", "line 4: ._parsers"],
        ),
        ("crawler = self._create_crawler(spider)\n", ["line 1: ._create_crawler"]),
        ("from scrapy.utils.defer import _defer_sleep\n", ["scrapy.utils.defer._defer_sleep"]),
        ("class C:\n    def _mine(self):\n        return self._mine()\n", []),
        ("class C:\n    def __init__(self):\n        self._kept = 1\n\nx = C()._kept\n", []),
        ("size = value.__sizeof__()\n", []),
        ("import lxml.etree\n\ne: lxml.etree._Element\n", []),
        ("import scrapy\n\ns = scrapy.utils._x\n", ["line 3: ._x"]),
    ],
)
def test_a_private_name_of_another_is_found(source: str, found: list[str]) -> None:
    tree = ast.parse(source)
    assert sorted(private_uses(tree, defined(tree))) == found
