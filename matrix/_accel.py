"""The engine's hot modules compiled with mypyc, used only when built from exactly the sources beside them.

Deciding is Python-level work (dict lookups, small calls, datetime arithmetic); mypyc compiles the same typed
source to C, unchanged, for 1.2–1.4x (see the README). ``make accel`` (part of ``make setup``) builds
``calendar``, ``conditions``, ``engine`` and ``facts`` into ``build/accel/`` next to a manifest of their hashes.
Importing ``matrix`` calls ``enable``, which puts that build first on the package's path only if the manifest
matches the sources and this interpreter: a source edited since is run as written, never as a stale build. Without
a build (a machine with no C compiler, an installed wheel) the package runs as pure Python, as it does with
``ASSIST_PURE_PYTHON=1``. The test suite runs the matrix tests both ways.

    ASSIST_PURE_PYTHON=1 python -c 'from matrix import _accel; _accel.build()'   # what ``make accel`` runs
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import sysconfig
import warnings
from pathlib import Path

MODULES = ("calendar", "conditions", "engine", "facts")
GROUP = "matrix_accel"  # mypyc's shared library for the four modules is named after it
_PACKAGE = Path(__file__).resolve().parent
BUILD = _PACKAGE.parent / "build" / "accel"


def fingerprint() -> dict[str, str]:
    """What a build must match: this interpreter's extension suffix and each compiled source's hash."""
    return {
        "ext_suffix": str(sysconfig.get_config_var("EXT_SUFFIX")),
        **{m: hashlib.sha256((_PACKAGE / f"{m}.py").read_bytes()).hexdigest() for m in MODULES},
    }


def enable(package_path: list[str]) -> bool:
    """Put a matching build first on ``package_path`` (the package's ``__path__``); False if there is none."""
    if os.environ.get("ASSIST_PURE_PYTHON"):
        return False
    try:
        built = json.loads((BUILD / "manifest.json").read_text())
    except (OSError, ValueError):
        return False  # never built here
    if built != fingerprint():
        warnings.warn(
            "matrix: the compiled engine in build/accel was built from other sources; running pure Python "
            "(`make accel` rebuilds it)",
            stacklevel=3,
        )
        return False
    # The modules' shared library is imported by name from each module's stub; load it from the build directly
    # rather than putting build/accel on sys.path for everyone.
    name = f"{GROUP}__mypyc"
    spec = importlib.util.spec_from_file_location(name, BUILD / f"{name}{built['ext_suffix']}")
    if spec is None or spec.loader is None:  # pragma: no cover - the manifest names a file that is there
        return False
    try:
        shared = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(shared)
    except ImportError as e:  # a damaged build must not take the package down with it
        warnings.warn(
            f"matrix: the compiled engine in build/accel does not load ({e}); running pure Python", stacklevel=3
        )
        return False
    sys.modules[name] = shared
    package_path.insert(0, str(BUILD / "matrix"))
    return True


def build() -> None:
    """Compile the modules into a fresh ``build/accel`` and write its manifest last (a half build never matches)."""
    import shutil
    import tempfile

    from mypyc.build import mypycify
    from setuptools import setup

    engine = sys.modules.get("matrix.engine")
    if engine is not None and not str(engine.__file__).endswith(".py"):
        raise RuntimeError("run the build with ASSIST_PURE_PYTHON=1: this process loaded the build it would replace")
    shutil.rmtree(BUILD, ignore_errors=True)
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            os.chdir(_PACKAGE.parent)  # mypyc names modules by their paths: matrix/engine.py -> matrix.engine
            extensions = mypycify([f"matrix/{m}.py" for m in MODULES], group_name=GROUP, target_dir=tmp)
            os.chdir(tmp)  # so that setuptools reads no project configuration: this is not the project's build
            setup(
                name=GROUP,
                ext_modules=extensions,
                script_args=["--quiet", "build_ext", "--build-lib", str(BUILD), "--build-temp", tmp],
            )
        finally:
            os.chdir(cwd)
    (BUILD / "manifest.json").write_text(json.dumps(fingerprint(), indent=1) + "\n")
    print(f"compiled matrix.{{{','.join(MODULES)}}} into {BUILD}")
