"""Install the project exactly as the Dockerfile's builder stage does, in a clean venv, and run it.

No Docker engine runs here, so this replays the build: the files the builder COPYs (minus what
.dockerignore leaves out of the context) go to a temporary /src, and every builder RUN that invokes pip
runs through the shell with /opt/venv and /src mapped to temporary paths (``--no-cache-dir`` is dropped
so pip's cache keeps the test quick). Then the installed ``quizmaster`` must start, carry its package
data, and hold no development dependencies.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_dockerfile import (
    DOCKERFILE,
    DOCKERIGNORE,
    REPO_ROOT,
    Instruction,
    copy_from_stage,
    dockerignore_patterns,
    final_and_builder,
    is_ignored,
)

pytestmark = pytest.mark.slow

DEV_ONLY = {"pytest", "pytest-asyncio", "hypothesis", "ruff", "mypy", "types-pyyaml"}
STEP_TIMEOUT = 600


Result = subprocess.CompletedProcess[str]


@dataclass(frozen=True)
class Installed:
    """A venv the builder's pip steps were replayed into."""

    venv: Path
    work: Path
    sources: Path  # the builder's working directory: the sources as copied from the build context

    def bin(self, name: str) -> Path:
        return self.venv / "bin" / name


def _clean_env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def _map_paths(command: str, mapping: dict[str, Path]) -> str:
    """Replace whole absolute paths (``/src`` but not ``/srcx``), longest first."""
    for container_path in sorted(mapping, key=len, reverse=True):
        pattern = rf"(?<![\w./-]){re.escape(container_path)}(?=/|\s|$|[\"';&|])"
        replacement = str(mapping[container_path]).replace("\\", "\\\\")
        command = re.sub(pattern, replacement, command)
    return command


IgnorePatterns = list[tuple[bool, re.Pattern[str]]]


def _copy_context(instruction: Instruction, workdir: Path, patterns: IgnorePatterns) -> None:
    """Do what ``COPY src... dest`` does from the build context (the checkout), honouring .dockerignore."""
    _, words = instruction.flags_and_rest()
    *sources, dest = words
    target = workdir / dest
    for source in sources:
        origin = REPO_ROOT / source
        if not origin.exists() or is_ignored(source.rstrip("/"), patterns):
            pytest.fail(f"Dockerfile line {instruction.line}: COPY {source}: not in the build context")
        if origin.is_dir():
            for path in sorted(origin.rglob("*")):
                relative = path.relative_to(REPO_ROOT).as_posix()
                if path.is_file() and not is_ignored(relative, patterns):
                    out = target / path.relative_to(origin)
                    out.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, out)
        else:
            out = target / origin.name if dest.endswith("/") or len(sources) > 1 else target
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, out)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    """A clean venv holding the project, installed by replaying the builder stage."""
    root = tmp_path_factory.mktemp("docker-build")
    final, builder = final_and_builder()
    [(sources, _)] = copy_from_stage(final, str(builder.name))
    venv_in_image = sources[0]
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=STEP_TIMEOUT)

    patterns = dockerignore_patterns(DOCKERIGNORE.read_text(encoding="utf-8"))
    mapping: dict[str, Path] = {venv_in_image: venv}
    workdir = root / "context"
    replayed = 0
    for instruction in builder.instructions:
        if instruction.keyword == "WORKDIR":
            mapped = root / "fs" / instruction.args.strip().lstrip("/")
            mapping[instruction.args.strip()] = mapped
            workdir = mapped
            workdir.mkdir(parents=True, exist_ok=True)
        elif instruction.keyword == "COPY" and "from" not in instruction.flags_and_rest()[0]:
            _copy_context(instruction, workdir, patterns)
        elif instruction.keyword == "RUN" and re.search(r"\bpip\b", instruction.args):
            command = _map_paths(instruction.args, mapping).replace("--no-cache-dir", "")
            result = subprocess.run(
                ["sh", "-c", command],
                cwd=workdir,
                env=_clean_env(venv),
                capture_output=True,
                text=True,
                timeout=STEP_TIMEOUT,
                check=False,
            )
            assert result.returncode == 0, (
                f"Dockerfile line {instruction.line} failed when replayed:\n$ {command}\n"
                f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
            replayed += 1
    assert replayed >= 2, f"{DOCKERFILE.name}: expected a wheel build and an install, replayed {replayed}"
    yield Installed(venv=venv, work=root, sources=workdir)


def _run(installed: Installed, *args: str, env: dict[str, str] | None = None) -> Result:
    # Run outside the checkout with an isolated interpreter, so nothing is imported from the source tree.
    return subprocess.run(
        list(args),
        cwd=installed.work,
        env={**_clean_env(installed.venv), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_path_mapping_replaces_whole_paths_only() -> None:
    mapping = {"/src": Path("/tmp/a"), "/opt/venv": Path("/tmp/v")}
    assert _map_paths("/opt/venv/bin/pip wheel -w /src/dist /src", mapping) == (
        "/tmp/v/bin/pip wheel -w /tmp/a/dist /tmp/a"
    )
    assert _map_paths("/srcx /usr/src /opt/venv2", mapping) == "/srcx /usr/src /opt/venv2"


def test_quizmaster_help_runs_from_the_installed_venv(installed: Installed) -> None:
    result = _run(installed, str(installed.bin("quizmaster")), "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage: quizmaster" in result.stdout


def test_installed_from_the_wheel_with_package_data(installed: Installed) -> None:
    probe = (
        "import json, adapters, bot, questions;"
        "print(json.dumps({m.__name__: list(m.__path__)[0] for m in (adapters, bot, questions)}))"
    )
    result = _run(installed, str(installed.bin("python")), "-I", "-c", probe)
    assert result.returncode == 0, result.stderr
    paths = {name: Path(p) for name, p in json.loads(result.stdout).items()}
    for name, path in paths.items():
        assert installed.venv in path.parents, f"{name} imported from {path}, not from the venv"
    # Compare with the sources the build saw (other work may change the checkout meanwhile).
    banks = sorted(p.name for p in (installed.sources / "questions" / "banks").glob("*.md"))
    installed_banks = sorted(p.name for p in (paths["questions"] / "banks").glob("*.md"))
    assert installed_banks == banks, "the bank files are not installed as package data"
    if any((REPO_ROOT / "questions" / "banks").glob("*.md")):
        assert banks, "the checkout has bank files but the build context did not get them"

    migration_files = sorted(
        p.relative_to(installed.sources / "migrations").as_posix()
        for p in (installed.sources / "migrations").rglob("*")
        if p.is_file() and p.suffix in (".py", ".ini", ".mako") and "__pycache__" not in p.parts
    )
    if not migration_files:
        return  # no migrations written yet: nothing that could be missing
    probe = "import migrations, pathlib; print(pathlib.Path(list(migrations.__path__)[0]))"
    result = _run(installed, str(installed.bin("python")), "-I", "-c", probe)
    assert result.returncode == 0, f"the migrations package is not installed: {result.stderr}"
    migrations_dir = Path(result.stdout.strip())
    missing = [f for f in migration_files if not (migrations_dir / f).is_file()]
    assert not missing, f"migration files not installed: {missing}"


def test_only_runtime_dependencies_are_installed(installed: Installed) -> None:
    result = _run(installed, str(installed.bin("python")), "-m", "pip", "list", "--format=json")
    assert result.returncode == 0, result.stderr
    names = {item["name"].lower() for item in json.loads(result.stdout)}
    assert "quizmaster" in names
    assert not names & DEV_ONLY, f"development packages in the image: {sorted(names & DEV_ONLY)}"


def test_the_images_healthcheck_command_passes(installed: Installed) -> None:
    final, _ = final_and_builder()
    [check] = final.all("HEALTHCHECK")
    command = Instruction("CMD", check.after_flags().partition(" ")[2], check.line).exec_form()
    assert command
    help_text = _run(installed, str(installed.bin("quizmaster")), "--help").stdout
    assert re.search(rf"^\W*{re.escape(command[1])}\b", help_text, re.MULTILINE), help_text
    db = installed.work / "health.db"
    ok = _run(installed, *command, env={"QUIZMASTER_DATABASE_URL": f"sqlite:///{db}"})
    assert ok.returncode == 0, ok.stdout + ok.stderr
    down = _run(
        installed, *command, env={"QUIZMASTER_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/x"}
    )
    assert down.returncode == 1 and "Traceback" not in down.stderr, down.stderr
