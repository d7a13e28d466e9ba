"""The code stays clean: pyflakes/pycodestyle/bugbear rules through ruff (pyproject.toml [tool.ruff]),
and types through mypy (pyproject.toml [tool.mypy])."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is a test dependency: pip install -e '.[test]'"
    result = subprocess.run([ruff, "check", "procure", "tests", "bench"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing():
    # Which files and how strictly: [tool.mypy] in pyproject.toml (files = ["procure"]).
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert "No module named mypy" not in result.stderr, "mypy is a test dependency: pip install -e '.[test]'"
    assert result.returncode == 0, result.stdout + result.stderr
