"""Build dunmail as a packager would and install it where nothing of the source tree can
help: a copy of the tree (tracked and new files, as a clone would have them), `python -m
build` (sdist, then the wheel from the sdist), a fresh virtualenv outside the tree, and a
clean environment (no PYTHONPATH). pip's own cache keeps repeated runs quick."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def copy_tree(target: Path) -> Path:
    """The files a clone would have (plus files not committed yet), without build debris."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            dest = target / os.fsdecode(name)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest)
    return target


def clean_env(**extra: str) -> dict[str, str]:
    """The test's (hermetic) environment without anything that points into the tree."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(extra)
    return env


def run(args: list[str], *, cwd: Path, timeout: float = 300, **kw: object) -> str:
    result = subprocess.run(
        args, cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, args))} exited {result.returncode}:\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result.stdout


@dataclass(frozen=True)
class Built:
    sdist: Path
    wheel: Path


def build_dists(source: Path, outdir: Path) -> Built:
    run([sys.executable, "-m", "build", "--outdir", str(outdir), str(source)], cwd=source)
    [sdist] = outdir.glob("dunmail-*.tar.gz")
    [wheel] = outdir.glob("dunmail-*.whl")
    return Built(sdist, wheel)


def make_venv(path: Path, *requirements: str, cwd: Path) -> Path:
    """A fresh virtualenv with pip, then ``pip install`` of the requirements."""
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    run([str(path / "bin" / "python"), "-m", "pip", "install", "--quiet", *requirements], cwd=cwd)
    return path
