"""The Alembic migrations build exactly the models' schema, on SQLite and PostgreSQL, and upgrade safely."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, insert, inspect, text

from bot.storage import migrate
from bot.storage.db import make_engine
from bot.storage.models import Bank, Base

MODEL_TABLES = set(Base.metadata.tables)


def _diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_from_empty_produces_exactly_the_models_schema(db_url: str) -> None:
    assert migrate.current(db_url) is None
    assert not migrate.is_up_to_date(db_url)

    result = migrate.upgrade(db_url)

    assert result.before is None
    assert result.after == migrate.head_revision() is not None
    assert _tables(db_url) == MODEL_TABLES | {"alembic_version"}
    assert _diff(db_url) == []
    assert migrate.is_up_to_date(db_url)


def test_schema_comparison_notices_drift(db_url: str) -> None:
    """The no-difference check above is able to fail: a missing index and column are reported."""
    migrate.upgrade(db_url)
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_questions_topic"))
        conn.execute(text("ALTER TABLE banks ADD COLUMN stray INTEGER"))
    engine.dispose()

    diff = [str(d) for d in _diff(db_url)]

    assert any("ix_questions_topic" in d for d in diff)
    assert any("stray" in d for d in diff)


def test_downgrade_to_base_then_upgrade_again(db_url: str) -> None:
    migrate.upgrade(db_url)

    down = migrate.downgrade(db_url, "base")

    assert down.after is None
    assert _tables(db_url) & MODEL_TABLES == set()
    again = migrate.upgrade(db_url)
    assert again.before is None and again.after == migrate.head_revision()
    assert _diff(db_url) == []


def test_upgrade_twice_is_a_no_op_and_keeps_data(db_url: str) -> None:
    first = migrate.upgrade(db_url)
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(insert(Bank).values(name="b", title="B", imported_at=datetime(2026, 1, 1, tzinfo=UTC)))

    second = migrate.upgrade(engine)

    assert first.changed and not second.changed
    assert second.before == second.after == migrate.head_revision()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT title FROM banks WHERE name = 'b'")).scalar_one() == "B"
    engine.dispose()


def test_plain_postgresql_scheme_is_accepted(db_url: str) -> None:
    url = db_url.replace("postgresql+psycopg://", "postgresql://")
    assert migrate.upgrade(url).after == migrate.head_revision()
    assert migrate.current(db_url) == migrate.head_revision()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgresql_tables_land_in_the_urls_schema(db_url: str) -> None:
    migrate.upgrade(db_url)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        placed = conn.execute(
            text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"), {"s": schema}
        ).scalars()
        tables = set(placed)
    engine.dispose()
    assert schema.startswith("t_")  # the fixture's schema, not public
    assert tables == MODEL_TABLES | {"alembic_version"}


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_concurrent_upgrades_on_postgresql_all_succeed(db_url: str) -> None:
    """Replicas starting together: the advisory lock makes one migrate while the others wait, then no-op."""
    workers = 4
    barrier = threading.Barrier(workers)
    results: list[migrate.UpgradeResult] = []
    errors: list[BaseException] = []

    def replica() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(migrate.upgrade(db_url))
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=replica) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(results) == workers
    assert sum(r.changed for r in results) == 1
    assert migrate.current(db_url) == migrate.head_revision()
    assert _diff(db_url) == []


_REPLICA = """
import sys, time
from pathlib import Path
from bot.storage import migrate
ready, go, url = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
ready.touch()
while not go.exists():
    time.sleep(0.005)
print(migrate.upgrade(url).changed)
"""


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_replica_processes_starting_together_migrate_once(db_url: str, tmp_path: Path) -> None:
    """Separate processes (real replicas) rely on the PostgreSQL advisory lock alone."""
    go = tmp_path / "go"
    readies = [tmp_path / f"ready{i}" for i in range(3)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _REPLICA, str(ready), str(go), db_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for ready in readies
    ]
    deadline = time.monotonic() + 60
    while not all(r.exists() for r in readies) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    outcomes = [p.communicate(timeout=60) for p in procs]

    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in outcomes]
    assert sorted(out.strip() for out, _ in outcomes) == ["False", "False", "True"]
    assert _diff(db_url) == []


def test_adopts_an_identical_unversioned_schema(engine: Engine) -> None:
    """A database made by ``create_all`` (the test fixture, an early dev database) is stamped, not broken."""
    result = migrate.upgrade(engine)

    assert result.before is None and result.after == migrate.head_revision()
    assert migrate.is_up_to_date(engine)


def test_refuses_an_unversioned_schema_that_differs(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_questions_topic"))

    with pytest.raises(migrate.SchemaMismatchError, match="differ from the models"):
        migrate.upgrade(engine)
    assert migrate.current(engine) is None


def test_alembic_config_uses_the_installed_package_not_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = "postgresql://u:p%40ss@db/quiz?options=-csearch_path%3Dx"

    config = migrate.alembic_config(url)

    assert Path(config.get_main_option("script_location") or "") == migrate.migrations_dir()
    assert (migrate.migrations_dir() / "env.py").is_file()
    assert config.get_main_option("sqlalchemy.url") == url.replace("postgresql://", "postgresql+psycopg://")
    script = ScriptDirectory.from_config(config)
    assert script.get_heads() == [migrate.head_revision()]
    assert [rev.down_revision for rev in script.walk_revisions()][-1] is None
