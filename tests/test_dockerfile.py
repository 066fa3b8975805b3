"""The container files, checked statically (no Docker engine here), and the image's health check command.

A small Dockerfile parser lives here (instructions with line continuations, stages); the
install-like-Docker test reuses it to replay the builder's pip steps.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from adapters.cli.health import health_command
from bot.clock import FakeClock
from bot.config import Settings, SlackSettings
from bot.health import check_health

REPO_ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"

SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY|CREDENTIAL", re.IGNORECASE)
SLACK_OR_DISCORD_TOKEN = re.compile(r"\bxox[abprs]-[\w-]+|\bxapp-[\w-]+|\b[MN][\w-]{23}\.[\w-]{6}\.[\w-]{27}")


# ---------------------------------------------------------------------------------------------------------
# A small Dockerfile parser
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: upper-case keyword, its argument text (continuations joined), its line."""

    keyword: str
    args: str
    line: int

    def exec_form(self) -> list[str] | None:
        """The JSON ("exec") form of the arguments, or None when they are in shell form."""
        text = self.args.strip()
        if not text.startswith("["):
            return None
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return None
        return [str(item) for item in value] if isinstance(value, list) else None

    def flags_and_rest(self) -> tuple[dict[str, str], list[str]]:
        """Leading ``--flag=value`` options (COPY --from=..., HEALTHCHECK --interval=...) and the rest."""
        words = shlex.split(self.args)
        flags: dict[str, str] = {}
        while words and words[0].startswith("--"):
            name, _, value = words.pop(0)[2:].partition("=")
            flags[name] = value
        return flags, words

    def after_flags(self) -> str:
        """The argument text after any leading ``--flag=value`` options, unsplit."""
        return re.sub(r"^(?:--\S+\s+)*", "", self.args)


@dataclass
class Stage:
    """A build stage: ``FROM image AS name`` and the instructions up to the next FROM."""

    image: str
    name: str | None
    line: int
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


def parse_instructions(text: str) -> list[Instruction]:
    """Instructions in order: comments and blank lines dropped, backslash continuations joined."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue  # comments may also sit between continuation lines
        if not pending:
            start = number
        continued = stripped.endswith("\\")
        pending.append(stripped[:-1].rstrip() if continued else stripped)
        if continued:
            continue
        keyword, _, args = " ".join(pending).partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip(), start))
        pending = []
    if pending:
        raise ValueError(f"line {start}: the last instruction ends with a line continuation")
    return instructions


def parse_stages(text: str) -> list[Stage]:
    """The build stages; instructions before the first FROM (global ARGs) are ignored."""
    stages: list[Stage] = []
    for instruction in parse_instructions(text):
        if instruction.keyword == "FROM":
            _, words = instruction.flags_and_rest()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            if len(words) not in (1, 3) or (len(words) == 3 and name is None):
                raise ValueError(f"line {instruction.line}: cannot read FROM {instruction.args!r}")
            stages.append(Stage(image=words[0], name=name, line=instruction.line))
        elif stages:
            stages[-1].instructions.append(instruction)
    return stages


def env_pairs(instruction: Instruction) -> dict[str, str]:
    """Names and values set by an ENV (``A=1 B=2`` or legacy ``A 1``) or ARG (``A`` or ``A=1``)."""
    words = shlex.split(instruction.args)
    if instruction.keyword == "ENV" and words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return {name: value for name, _, value in (word.partition("=") for word in words)}


def copy_from_stage(stage: Stage, source_stage: str) -> list[tuple[list[str], str]]:
    """(sources, destination) of each ``COPY --from=source_stage`` in ``stage``."""
    copies = []
    for instruction in stage.all("COPY"):
        flags, words = instruction.flags_and_rest()
        if flags.get("from") == source_stage:
            copies.append((words[:-1], words[-1]))
    return copies


def final_and_builder() -> tuple[Stage, Stage]:
    """The runtime (last) stage and the stage it copies the venv from."""
    stages = parse_stages(DOCKERFILE.read_text(encoding="utf-8"))
    final = stages[-1]
    sources = {
        flags["from"] for i in final.all("COPY") for flags, _ in [i.flags_and_rest()] if "from" in flags
    }
    assert len(sources) == 1, f"the runtime stage should copy from exactly one build stage, got {sources}"
    builder = next((s for s in stages if s.name == sources.pop()), None)
    assert builder is not None, "the runtime stage copies from a stage the Dockerfile does not define"
    return final, builder


# ---------------------------------------------------------------------------------------------------------
# .dockerignore matching (Docker's rules: patterns from the context root, ``**`` any depth, last match wins)
# ---------------------------------------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def dockerignore_patterns(text: str) -> list[tuple[bool, re.Pattern[str]]]:
    """(is_exception, regex) for each pattern line of a .dockerignore."""
    patterns = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        line = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
        patterns.append((exception, _pattern_regex(line)))
    return patterns


def is_ignored(path: str, patterns: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether Docker leaves ``path`` (relative to the context) out of the build context."""
    parts = path.split("/")
    ignored = False
    for exception, regex in patterns:
        # A pattern that matches a parent directory excludes everything under it.
        if any(regex.fullmatch("/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            ignored = not exception
    return ignored


# ---------------------------------------------------------------------------------------------------------
# The parser itself (so a broken parser cannot make the checks below vacuous)
# ---------------------------------------------------------------------------------------------------------


def test_parser_joins_continuations_skips_comments_and_splits_stages() -> None:
    text = (
        "# syntax=docker/dockerfile:1\nARG BASE=x\nFROM python:3.11-slim AS build\nRUN a \\\n"
        "  # a comment inside\n  && b\nFROM build AS final\nENV A=1 B='two words'\nUSER 10\n"
    )
    stages = parse_stages(text)
    assert [(s.image, s.name) for s in stages] == [("python:3.11-slim", "build"), ("build", "final")]
    assert stages[0].instructions == [Instruction("RUN", "a && b", 4)]
    assert env_pairs(stages[1].all("ENV")[0]) == {"A": "1", "B": "two words"}
    assert Instruction("CMD", '["a", "b"]', 1).exec_form() == ["a", "b"]
    assert Instruction("CMD", "a b", 1).exec_form() is None
    with pytest.raises(ValueError, match="continuation"):
        parse_instructions("FROM x\nRUN a \\\n")
    with pytest.raises(ValueError, match="cannot read FROM"):
        parse_stages("FROM x y\n")


def test_dockerignore_matcher_follows_docker_rules() -> None:
    patterns = dockerignore_patterns("*.db\n**/*.pyc\ntests\ndocs/**\n!docs/keep.md\n")
    assert is_ignored("a.db", patterns)
    assert not is_ignored("data/a.db", patterns)  # Docker's "*.db" is anchored at the context root
    assert is_ignored("bot/x/y.pyc", patterns)
    assert is_ignored("tests/test_a.py", patterns)
    assert is_ignored("docs/a.md", patterns)
    assert not is_ignored("docs/keep.md", patterns)
    assert not is_ignored("bot/config.py", patterns)


# ---------------------------------------------------------------------------------------------------------
# Dockerfile
# ---------------------------------------------------------------------------------------------------------


def test_multi_stage_build_on_one_slim_python_base() -> None:
    stages = parse_stages(DOCKERFILE.read_text(encoding="utf-8"))
    assert len(stages) >= 2, "the Dockerfile should be multi-stage"
    names = [s.name for s in stages]
    assert all(names), f"every stage should be named with AS: {names}"
    assert len(set(names)) == len(names), f"stage names repeat: {names}"
    final, builder = final_and_builder()
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-[a-z]+)?", final.image), final.image
    # The venv is copied between the stages, so they must share the interpreter (path and version).
    assert builder.image == final.image


def test_runtime_stage_gets_only_the_venv_from_the_builder() -> None:
    final, builder = final_and_builder()
    copies = final.all("COPY") + final.all("ADD")
    assert copies, "the runtime stage copies nothing"
    for instruction in copies:
        flags, words = instruction.flags_and_rest()
        assert instruction.keyword == "COPY" and flags.get("from") == builder.name, (
            f"line {instruction.line}: the runtime stage should take only the builder's venv"
        )
        assert len(words) == 2 and words[0] == words[1], f"line {instruction.line}: copy the venv in place"
    venv = copies[0].flags_and_rest()[1][0]
    assert any(venv in i.args for i in builder.all("RUN") if "-m venv" in i.args), "builder makes no venv"
    env = {k: v for i in final.all("ENV") for k, v in env_pairs(i).items()}
    assert env.get("PATH", "").startswith(f"{venv}/bin:"), "the venv's bin should lead PATH"
    assert env.get("PYTHONUNBUFFERED") == "1"


def test_builder_copies_what_the_wheel_needs_and_installs_without_dev_extras() -> None:
    _, builder = final_and_builder()
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    copied = {
        Path(source).as_posix().rstrip("/")
        for i in builder.all("COPY")
        for flags, words in [i.flags_and_rest()]
        if "from" not in flags
        for source in words[:-1]
    }
    packages = {p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]}
    needed = {"pyproject.toml", pyproject["project"]["readme"], *packages}
    assert needed <= copied, f"the builder does not COPY {sorted(needed - copied)}"
    pip_runs = [i for i in builder.all("RUN") if re.search(r"\bpip\b", i.args)]
    assert any(re.search(r"\bpip\b.*\bwheel\b", i.args) for i in pip_runs), "no wheel is built"
    assert any(re.search(r"\bpip\b.*\binstall\b.*\.whl", i.args) for i in pip_runs), "wheel not installed"
    for instruction in pip_runs:
        assert not re.search(r"\[[^\]]*\bdev\b", instruction.args), f"dev extras: {instruction.args}"
        assert not re.search(r"\s(-e|--editable)\s", f" {instruction.args} "), "editable installs do not copy"


def test_runs_as_a_fixed_non_root_user_in_an_owned_data_dir() -> None:
    final, _ = final_and_builder()
    users = final.all("USER")
    assert users, "the runtime stage never switches user"
    user = users[-1]
    name = user.args.split(":")[0].strip()
    group = user.args.partition(":")[2].strip()
    assert name not in ("root", "0", "") and group not in ("root", "0"), f"USER {user.args}"
    entry = (final.all("CMD") + final.all("ENTRYPOINT"))[-1]
    assert user.line < entry.line, "USER must come before the command"
    created = " ".join(i.args for i in final.all("RUN"))
    match = re.search(r"useradd\b[^&;]*--uid\s+(\d+)[^&;]*\s(\w+)\s*(?:&&|;|$)", created)
    assert match, "the runtime stage should create its user with a fixed --uid"
    uid, username = match.groups()
    assert name in (uid, username), f"USER {name} is not the user created ({username}, uid {uid})"
    assert int(uid) >= 1000
    workdir = final.all("WORKDIR")[-1].args
    assert re.search(rf"chown\s+\S*({username}|{uid})\S*\s+{re.escape(workdir)}\b", created), (
        f"the working directory {workdir} should belong to {username}"
    )


def test_healthcheck_and_command_run_quizmaster() -> None:
    final, _ = final_and_builder()
    checks = final.all("HEALTHCHECK")
    assert len(checks) == 1, "exactly one HEALTHCHECK in the runtime stage"
    flags, _ = checks[0].flags_and_rest()
    keyword, _, command_text = checks[0].after_flags().partition(" ")
    assert keyword == "CMD", checks[0].args
    assert Instruction("CMD", command_text, checks[0].line).exec_form() == ["quizmaster", "health"]
    assert {"interval", "timeout"} <= flags.keys()
    command = (final.all("CMD") + final.all("ENTRYPOINT"))[-1]
    assert command.exec_form() == ["quizmaster", "run"], "CMD should run the bot in exec form"
    exposed = {p.split("/")[0] for i in final.all("EXPOSE") for p in i.args.split()}
    assert str(SlackSettings().http_port) in exposed, "the Slack HTTP port should be exposed"


def test_the_image_checks_the_heartbeat_the_bot_writes() -> None:
    final, _ = final_and_builder()
    env = {k: v for i in final.all("ENV") for k, v in env_pairs(i).items()}
    beat = env.get("QUIZMASTER_HEARTBEAT_FILE", "")
    assert beat.startswith("/tmp/"), "the HEALTHCHECK should also check the heartbeat, in a writable place"
    assert Settings(_env_file=None, heartbeat_file=beat).heartbeat_file == Path(beat)  # type: ignore[call-arg]


def test_no_secrets_baked_into_the_image() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert not SLACK_OR_DISCORD_TOKEN.search(text), "a token-like string is in the Dockerfile"
    for stage in parse_stages(text):
        for instruction in stage.all("ENV") + stage.all("ARG"):
            for name, value in env_pairs(instruction).items():
                if SECRET_NAME.search(name):
                    # ARG values show in the image history even when given only at build time.
                    assert instruction.keyword == "ENV" and not value, f"line {instruction.line}: {name}"


def test_secret_check_would_catch_a_token() -> None:
    bad = parse_stages("FROM a AS b\nENV SLACK_BOT_TOKEN=xoxb-1-2\nARG DISCORD_TOKEN\n")[0]
    flagged = [n for i in bad.all("ENV") + bad.all("ARG") for n in env_pairs(i) if SECRET_NAME.search(n)]
    assert flagged == ["SLACK_BOT_TOKEN", "DISCORD_TOKEN"]
    assert SLACK_OR_DISCORD_TOKEN.search("token xoxb-123-456-abc")


def test_dockerignore_keeps_local_state_out_and_sources_in() -> None:
    patterns = dockerignore_patterns(DOCKERIGNORE.read_text(encoding="utf-8"))
    for path in (
        ".venv/bin/python",
        ".git/HEAD",
        "tests/conftest.py",
        "quizmaster.db",
        "data/x.db",
        ".env",
        "bot/__pycache__/config.cpython-311.pyc",
        "quizmaster.egg-info/PKG-INFO",
    ):
        assert is_ignored(path, patterns), f"{path} would be sent to the Docker build"
    _, builder = final_and_builder()
    for instruction in builder.all("COPY"):
        flags, words = instruction.flags_and_rest()
        for source in words[:-1] if "from" not in flags else []:
            assert not is_ignored(source.rstrip("/"), patterns), f".dockerignore drops {source}"
    for path in ("questions/banks/python.md", "migrations/env.py", "migrations/alembic.ini"):
        assert not is_ignored(path, patterns), f".dockerignore drops {path}"


# ---------------------------------------------------------------------------------------------------------
# docker-compose.yml
# ---------------------------------------------------------------------------------------------------------


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ``${VAR}`` / ``${VAR:-default}`` substitution (enough for the checks here)."""

    def replace(match: re.Match[str]) -> str:
        return env.get(match.group(1)) or (match.group(3) or "")

    return re.sub(r"\$\{(\w+)(:-([^}]*))?\}", replace, value)


def _compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_compose_runs_bot_and_postgres_with_a_volume_and_health_checks() -> None:
    compose = _compose()
    services = compose["services"]
    assert {"bot", "postgres"} <= services.keys()
    postgres, bot = services["postgres"], services["bot"]
    assert str(postgres["image"]).startswith("postgres:")
    volume = next(v.split(":")[0] for v in postgres["volumes"] if v.endswith(":/var/lib/postgresql/data"))
    assert volume in (compose.get("volumes") or {}), f"{volume} should be a named volume"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert bot["build"] in (".", "./") or bot["build"].get("context") in (".", "./")
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert bot["healthcheck"]["test"][-2:] == ["quizmaster", "health"]
    for service in (bot, postgres):
        assert service.get("restart") in ("always", "unless-stopped", "on-failure")


def test_compose_bot_database_url_points_at_the_postgres_service() -> None:
    services = _compose()["services"]
    pg_env = {k: _interpolate(str(v), {}) for k, v in services["postgres"]["environment"].items()}
    url = make_url(_interpolate(services["bot"]["environment"]["QUIZMASTER_DATABASE_URL"], {}))
    assert url.drivername.startswith("postgresql")
    assert url.host == "postgres"
    assert (url.username, url.password, url.database) == (
        pg_env["POSTGRES_USER"],
        pg_env["POSTGRES_PASSWORD"],
        pg_env["POSTGRES_DB"],
    )
    # Setting POSTGRES_PASSWORD on the host changes both sides alike.
    env = {"POSTGRES_PASSWORD": "from-host"}
    bot_url = make_url(_interpolate(services["bot"]["environment"]["QUIZMASTER_DATABASE_URL"], env))
    assert bot_url.password == _interpolate(services["postgres"]["environment"]["POSTGRES_PASSWORD"], env)
    assert bot_url.password == "from-host"


def test_compose_passes_secrets_through_from_the_host() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert not SLACK_OR_DISCORD_TOKEN.search(text)
    services = _compose()["services"]
    bot_env = services["bot"]["environment"]
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_TOKEN"):
        assert bot_env.get(name) == f"${{{name}:-}}", f"{name} should come from the host environment"
    for service in services.values():
        for name, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(name):
                assert re.fullmatch(r"\$\{\w+(:-[^}]*)?\}", str(value)), f"{name} is a literal in compose"


# ---------------------------------------------------------------------------------------------------------
# The image's HEALTHCHECK command: `quizmaster health`
# ---------------------------------------------------------------------------------------------------------


def test_healthy_when_the_database_answers(db_url: str) -> None:
    assert check_health(Settings(_env_file=None, database_url=db_url)) == []  # type: ignore[call-arg]


def test_unreachable_postgres_is_reported_without_the_password() -> None:
    settings = Settings(_env_file=None, database_url="postgresql+psycopg://nobody:s3cret@127.0.0.1:1/x")  # type: ignore[call-arg]
    problems = check_health(settings)
    assert len(problems) == 1
    assert "not reachable" in problems[0] and "127.0.0.1" in problems[0]
    assert "s3cret" not in problems[0]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "not valid"),
        ("sqlite:////nonexistent-dir-for-quizmaster/x.db", "not reachable"),
        ("nosuchdialect://h/x", "not valid"),
    ],
)
def test_bad_database_urls_are_problems_not_exceptions(url: str, expected: str) -> None:
    problems = check_health(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
    assert len(problems) == 1 and expected in problems[0], problems


def test_heartbeat_file_must_exist_and_be_fresh(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'q.db'}")  # type: ignore[call-arg]
    beat = tmp_path / "heartbeat"
    beat.touch()
    touched = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    os.utime(beat, (touched.timestamp(), touched.timestamp()))
    fresh = FakeClock(datetime(2026, 3, 1, 12, 1, 59, tzinfo=UTC))
    stale = FakeClock(datetime(2026, 3, 1, 12, 2, 1, tzinfo=UTC))
    assert check_health(settings, heartbeat_file=beat, max_age=120, clock=fresh) == []
    [problem] = check_health(settings, heartbeat_file=beat, max_age=120, clock=stale)
    assert "121 s old" in problem
    [problem] = check_health(settings, heartbeat_file=tmp_path / "missing", clock=fresh)
    assert "does not exist" in problem


def _health_app() -> typer.Typer:
    app = typer.Typer()
    app.command("health")(health_command)
    app.command("noop")(lambda: None)  # a second command keeps "health" a subcommand, as in the real CLI
    return app


def test_health_command_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    runner = CliRunner()
    ok = runner.invoke(
        _health_app(), ["health"], env={"QUIZMASTER_DATABASE_URL": f"sqlite:///{tmp_path}/q.db"}
    )
    assert ok.exit_code == 0 and ok.stdout.strip() == "healthy"
    down = runner.invoke(
        _health_app(),
        ["health"],
        env={"QUIZMASTER_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/x"},
    )
    assert down.exit_code == 1 and isinstance(down.exception, SystemExit)
    assert down.stderr.startswith("unhealthy: database") and "Traceback" not in down.output
    beat = runner.invoke(
        _health_app(),
        ["health", "--max-age", "5"],
        env={"QUIZMASTER_DATABASE_URL": f"sqlite:///{tmp_path}/q.db", "QUIZMASTER_HEARTBEAT_FILE": "nope"},
    )
    assert beat.exit_code == 1 and "heartbeat file nope does not exist" in beat.stderr
    bad = runner.invoke(_health_app(), ["health"], env={"QUIZMASTER_METRICS_PORT": "not-a-port"})
    assert bad.exit_code == 1 and "configuration is not valid: metrics_port" in bad.stderr


def test_health_command_takes_the_heartbeat_setting_unless_the_option_overrides_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    fresh = tmp_path / "fresh.heartbeat"
    fresh.touch()
    (tmp_path / ".env").write_text(
        f"QUIZMASTER_DATABASE_URL=sqlite:///{tmp_path}/q.db\nQUIZMASTER_HEARTBEAT_FILE=stale.heartbeat\n"
    )
    runner = CliRunner()
    from_setting = runner.invoke(_health_app(), ["health"], env={})
    assert (
        from_setting.exit_code == 1 and "heartbeat file stale.heartbeat does not exist" in from_setting.stderr
    )
    overridden = runner.invoke(_health_app(), ["health", "--heartbeat-file", str(fresh)], env={})
    assert overridden.exit_code == 0, overridden.output
    blank = runner.invoke(_health_app(), ["health"], env={"QUIZMASTER_HEARTBEAT_FILE": ""})
    assert blank.exit_code == 0, blank.output  # set but empty: no heartbeat required


def test_health_command_prints_no_traceback_in_a_real_process(tmp_path: Path) -> None:
    env = {**os.environ, "QUIZMASTER_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/x"}
    code = "import typer; from adapters.cli.health import health_command; typer.run(health_command)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result
    assert "unhealthy: database" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
