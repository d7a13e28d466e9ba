"""``procure audit verify [--anchor COUNT:MAC] [--anchor-file head.json]`` against a real, committed
scratch database: every tampering exits 1 naming what is wrong; the intact chain exits 0."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text

from procure.cli import main
from procure.kernel.clock import FrozenClock
from procure.kernel.db import Database
from procure.kernel.settings import Settings
from procure.worker import audit_head_job
from tests.audit import tampering
from tests.audit.tampering import CASES, Chain, build_chain
from tests.conftest import NOW
from tests.dbutil import scratch_database

KEY = "cli-audit-key-0123456789abcdefghijklmnop"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with scratch_database(tmp_path_factory.mktemp("audit-cli")) as scratch:
        yield scratch


@pytest.fixture()
def database(url: str) -> Iterator[Database]:
    database = Database(url, audit_key=KEY.encode())
    with database.engine.begin() as conn:  # each test starts from an empty chain
        conn.execute(text("DELETE FROM audit_entry"))
        conn.execute(text("DELETE FROM user_account"))
    yield database
    database.dispose()


@pytest.fixture()
def env(url: str, tmp_path: Path) -> dict[str, str]:
    return {"PROCURE_DATABASE_URL": url, "PROCURE_STORAGE_DIR": str(tmp_path / "storage"),
            "PROCURE_SECRET_KEY": "cli-test", "PROCURE_AUDIT_KEY": KEY, "PROCURE_KEYS_DIR": str(tmp_path / "keys")}


@pytest.fixture()
def chain(database: Database) -> Chain:
    with database.session() as session:
        return build_chain(session, FrozenClock(NOW))


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def head(env: dict[str, str]) -> dict:
    printed = run(env, "audit", "head")
    assert printed.exit_code == 0, printed.output
    return json.loads(printed.output)


def test_the_intact_chain_passes_with_its_anchor(env, chain):
    recorded = head(env)
    assert recorded["count"] == len(chain.ids) and recorded["anchor"] == f"{len(chain.ids)}:{recorded['mac']}"
    verified = run(env, "audit", "verify", "--anchor", recorded["anchor"])
    assert verified.exit_code == 0, verified.output
    assert verified.output == f"Audit chain intact: {len(chain.ids)} entries checked, 1 anchor held.\n"


@pytest.mark.parametrize("case", list(CASES))
def test_each_tampering_exits_1_and_names_the_entry(env, database, chain, case):
    tamper, words, _ = CASES[case]
    anchor = head(env)["anchor"]
    with database.engine.begin() as conn:
        bad_id = tamper(conn, chain)
    broken = run(env, "audit", "verify", "--anchor", anchor)
    assert broken.exit_code == 1
    assert words in broken.output
    if bad_id is None:
        assert broken.output.startswith("Audit chain BROKEN: the anchor counts")
    else:
        assert broken.output.startswith(f"Audit chain BROKEN at entry {bad_id}: ")


def test_a_chain_rebuilt_with_the_key_exits_1_against_the_anchor(env, database, chain):
    anchor = head(env)["anchor"]
    with database.engine.begin() as conn:
        bad_id = tampering.reseal_after_edit_with_the_key(KEY.encode())(conn, chain)
    assert run(env, "audit", "verify").exit_code == 0  # the MACs are right: only the anchor knows
    broken = run(env, "audit", "verify", "--anchor", anchor)
    assert broken.exit_code == 1 and f"BROKEN at entry {bad_id}: entry number {len(chain.ids)}" in broken.output


def test_the_daily_head_file_is_an_anchor(env, database, chain, tmp_path):
    settings = Settings.from_env(env, clock=FrozenClock(NOW))
    assert audit_head_job(settings, database) == {"heads": 1}
    daily = settings.storage_dir / "audit-heads" / "2026-11-26.json"
    mirrored = tmp_path / "mirror.json"
    mirrored.write_bytes(daily.read_bytes())
    intact = run(env, "audit", "verify", "--anchor-file", str(mirrored))
    assert intact.exit_code == 0, intact.output

    with database.engine.begin() as conn:
        tampering.delete_last(conn, chain)
    broken = run(env, "audit", "verify", "--anchor-file", str(mirrored))
    assert broken.exit_code == 1
    assert "the published head of 2026-11-26T02:00:00+00:00" in broken.output
    assert f"entry {chain.ids[-3]} is the last one written by then" in broken.output


def test_the_output_of_audit_head_is_an_anchor_file(env, database, chain, tmp_path):
    kept = tmp_path / "head.json"
    kept.write_text(json.dumps(head(env)))
    with database.engine.begin() as conn:
        tampering.delete_all(conn, chain)
    broken = run(env, "audit", "verify", "--anchor-file", str(kept))
    assert broken.exit_code == 1 and f"the anchor counts {len(chain.ids)} entries but the chain has 0" in broken.output


def test_another_key_fails_at_the_first_entry(env, chain):
    wrong = run(env | {"PROCURE_AUDIT_KEY": "not-the-key-" + "z" * 32}, "audit", "verify")
    assert wrong.exit_code == 1 and f"BROKEN at entry {chain.ids[0]}: content does not match its MAC" in wrong.output


def test_the_key_file_is_used_without_PROCURE_AUDIT_KEY(env, database):
    without = {k: v for k, v in env.items() if k != "PROCURE_AUDIT_KEY"}
    created = run(without, "create-user", "--username", "keyfile", "--password", "keyfile-pass-1", "--role", "admin")
    assert created.exit_code == 0, created.output
    key_file = Path(env["PROCURE_KEYS_DIR"]) / "audit.key"
    assert key_file.stat().st_mode & 0o777 == 0o600 and len(key_file.read_text().strip()) == 64
    assert run(without, "audit", "verify").exit_code == 0
    assert run(env, "audit", "verify").exit_code == 1  # MAC'd under the file's key, not PROCURE_AUDIT_KEY


@pytest.mark.parametrize("args", [["--anchor", "12:abc"], ["--anchor", "nonsense"]])
def test_a_malformed_anchor_is_a_usage_error(env, args):
    result = CliRunner().invoke(main, ["audit", "verify", *args], env=env)
    assert result.exit_code == 2 and "MAC" in result.output


def test_a_malformed_anchor_file_is_a_usage_error(env, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = CliRunner().invoke(main, ["audit", "verify", "--anchor-file", str(bad)], env=env)
    assert result.exit_code == 2 and "bad.json" in result.output
