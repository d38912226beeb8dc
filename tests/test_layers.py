"""The packages' layering, as docs/architecture.md draws it: each imports only those below it."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Top to bottom, as in docs/architecture.md; the top-level modules are below them all.
LAYERS = ["commands", "figures", "inspect", "search", "jobs", "training", "model", "data", "text",
          "store"]
WITHOUT_KERAS = ["store", "text", "data"]


def _imports(package: str) -> set[str]:
    """The lstm_core modules imported anywhere in ``package`` (top-level imports and lazy ones)."""
    found = set()
    for path in (ROOT / "lstm_core" / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


def test_the_layers_name_every_package():
    packages = {p.name for p in (ROOT / "lstm_core").iterdir()
                if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(LAYERS)


@pytest.mark.parametrize("package", LAYERS)
def test_a_package_imports_only_packages_below_it(package):
    below = set(LAYERS[LAYERS.index(package) + 1:])
    for module in _imports(package):
        parts = module.split(".")
        if parts[0] == "lstm_core" and len(parts) > 1 and parts[1] in LAYERS:
            assert parts[1] == package or parts[1] in below, f"{package} imports {module}"


def test_top_level_modules_import_no_package_but_where_config_checks_an_encoding():
    for path in (ROOT / "lstm_core").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lstm_core."):
                package = node.module.split(".")[1]
                allowed = {("config", "data.encoding"), ("__init__", "inspect.run")}
                if package in LAYERS:
                    assert (path.stem, ".".join(node.module.split(".")[1:])) in allowed, (
                        f"{path.name} imports {node.module}")


@pytest.mark.parametrize("package", WITHOUT_KERAS)
def test_the_lower_packages_import_no_keras_when_loaded(package):
    """Only a function that needs Keras (reading Keras's own IMDB copy) imports it, when called."""
    for path in (ROOT / "lstm_core" / package).rglob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom) else
                     [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            heavy = [n for n in names if n.split(".")[0] in ("keras", "tensorflow")]
            assert not heavy, f"{path.name} imports {heavy} when loaded"


def test_only_the_ray_executor_imports_ray_and_only_when_called():
    """Ray is optional (requirements-cluster.txt): loading any module must not need it."""
    for path in (ROOT / "lstm_core").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        loaded = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        anywhere = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
        for nodes, where in ((loaded, "when loaded"), (anywhere, "at all")):
            names = [name for node in nodes for name in (
                [node.module or ""] if isinstance(node, ast.ImportFrom)
                else [alias.name for alias in node.names])]
            uses_ray = [name for name in names if name.split(".")[0] == "ray"]
            allowed = where == "at all" and path.name == "ray_executor.py"
            assert allowed or not uses_ray, f"{path.name} imports {uses_ray} {where}"
