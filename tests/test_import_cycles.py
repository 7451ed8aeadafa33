"""Every module of the package imports on its own, whichever is imported first.

An import cycle (a imports b, b imports a) only breaks when one particular module of the cycle
is the first to be imported; the app, the worker and the CLI each start from a different one.
So each module is imported first, in turn, with every ``peerpear`` module forgotten before it
(third-party libraries stay loaded: this is about our own modules), in one fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import peerpear

PACKAGE = Path(peerpear.__file__).parent


def all_modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_the_list_is_complete() -> None:
    modules = all_modules()
    assert {"peerpear.main", "peerpear.pairing.runs", "peerpear.jobs.tasks"} <= set(modules)


def test_every_module_imports_first() -> None:
    probe = (
        "import importlib, json, sys, traceback\n"
        "failures = {}\n"
        f"for name in {all_modules()!r}:\n"
        "    ours = [m for m in sys.modules if m == 'peerpear' or m.startswith('peerpear.')]\n"
        "    for loaded in ours:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        failures[name] = f'{type(exc).__name__}: {exc}'\n"
        "print(json.dumps(failures))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    failures = json.loads(done.stdout.strip().splitlines()[-1])
    assert not failures, failures
