"""Services know nothing of HTTP: the rules and queries of every feature import no web framework.

DESIGN §6: routes authorize, call a service and return a schema; the console (issue 11), the
worker and the CLI call the same services. A service that imports FastAPI or Starlette (for an
error type, a dependency or a query parameter) ties every one of those callers to the web stack.
So every module of every feature package except its HTTP edge (routers, deps.py) is imported
in one fresh interpreter, which must then hold neither: if none of them loads the web stack
together, none does alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import peerpear

PACKAGE = Path(peerpear.__file__).parent
WEB = {"fastapi", "starlette"}
EDGE_NAMES = {"router.py", "deps.py"}  # the HTTP edge of a feature, by design
# further routers, their dependencies, and the console pages they render
EDGE_SUFFIXES = ("_router.py", "_routes.py", "_deps.py", "_page.py")


def is_edge(path: Path) -> bool:
    return path.name in EDGE_NAMES or path.name.endswith(EDGE_SUFFIXES)


def service_layer_modules() -> list[str]:
    """Every non-edge module of the feature packages, and the shared pieces services use."""
    shared = ["peerpear.errors", "peerpear.pagination", "peerpear.schemas_common", "peerpear.audit"]
    features = [
        f"peerpear.{path.parent.name}.{path.stem}"
        for path in sorted(PACKAGE.glob("*/*.py"))
        if not is_edge(path) and path.name != "__init__.py"
    ]
    return shared + features


def test_the_list_finds_the_services() -> None:
    modules = service_layer_modules()
    assert {"peerpear.organizations.service", "peerpear.auth.service"} <= set(modules)
    assert "peerpear.organizations.router" not in modules


def test_service_layer_loads_no_web_framework() -> None:
    modules = service_layer_modules()
    probe = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "    if {'fastapi', 'starlette'} & set(sys.modules):\n"
        "        print(json.dumps(name)); break\n"
        "else:\n"
        "    print(json.dumps(None))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    first_offender = json.loads(done.stdout.strip().splitlines()[-1])
    assert first_offender is None, f"importing {first_offender} loads {sorted(WEB)}"
