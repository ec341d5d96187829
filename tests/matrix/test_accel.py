"""The compiled engine is used only when it was built from exactly the sources beside it.

The equivalence of the compiled and pure engines is the whole matrix suite, which ``make test`` runs both ways.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import pytest

import matrix.engine
from matrix import _accel


def test_without_a_build_the_engine_is_pure_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSIST_PURE_PYTHON", raising=False)
    monkeypatch.setattr(_accel, "BUILD", tmp_path)
    path: list[str] = ["matrix"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing to warn about: there is simply no build
        assert _accel.enable(path) is False
    assert path == ["matrix"]


def test_a_build_from_other_sources_is_ignored_with_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSIST_PURE_PYTHON", raising=False)
    monkeypatch.setattr(_accel, "BUILD", tmp_path)
    stale = {**_accel.fingerprint(), "engine": "0" * 64}  # engine.py edited since the build
    (tmp_path / "manifest.json").write_text(json.dumps(stale))
    path: list[str] = ["matrix"]
    with pytest.warns(UserWarning, match="make accel"):
        assert _accel.enable(path) is False
    assert path == ["matrix"]


def test_a_build_that_does_not_load_is_ignored_with_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSIST_PURE_PYTHON", raising=False)
    monkeypatch.setattr(_accel, "BUILD", tmp_path)
    built = _accel.fingerprint()
    (tmp_path / "manifest.json").write_text(json.dumps(built))
    (tmp_path / f"{_accel.GROUP}__mypyc{built['ext_suffix']}").write_bytes(b"not a shared library")
    path: list[str] = ["matrix"]
    with pytest.warns(UserWarning, match="does not load"):
        assert _accel.enable(path) is False
    assert path == ["matrix"]


def test_the_environment_can_turn_it_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSIST_PURE_PYTHON", "1")
    monkeypatch.setattr(_accel, "BUILD", tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps(_accel.fingerprint()))  # would match
    assert _accel.enable([]) is False


def test_ci_runs_the_engine_it_was_asked_for() -> None:
    # Under CI the build must have happened (a failed build would otherwise pass quietly as pure Python); the pure
    # run of the matrix suite must not load it.
    compiled = not matrix.engine.__file__.endswith(".py")
    if os.environ.get("ASSIST_PURE_PYTHON"):
        assert not compiled
    elif os.environ.get("CI"):
        assert compiled, "CI: the compiled matrix engine was not built (see `make accel`)"
    else:  # a developer machine: compiled exactly when a build matches the sources
        manifest = _accel.BUILD / "manifest.json"
        assert compiled == (manifest.exists() and json.loads(manifest.read_text()) == _accel.fingerprint())
