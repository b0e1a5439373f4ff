"""The architecture, as rules on imports: the core never reaches into the lab or the speed room,
and the teaching code uses no private torch API."""
import ast
from pathlib import Path

import pytest

import ganlab

CORE = sorted(p for p in Path(ganlab.__file__).parent.glob("*.py") if p.name != "__main__.py")


def imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


@pytest.mark.parametrize("path", CORE, ids=[p.name for p in CORE])
def test_the_core_imports_neither_the_lab_nor_the_speed_room(path):
    outward = [m for m in imported_modules(path) if m.startswith(("ganlab.lab", "ganlab.speed"))]
    assert outward == [], f"{path.name} imports {outward}"


@pytest.mark.parametrize("path", CORE, ids=[p.name for p in CORE])
def test_the_core_uses_no_private_torch_api(path):
    private = [n.attr for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(n, ast.Attribute) and n.attr.startswith("_") and not n.attr.startswith("__")
               and isinstance(n.value, ast.Name) and n.value.id == "torch"]
    assert private == [], f"{path.name} uses torch.{private}"
