"""The ``procure`` console script against a real scratch database (committed data)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from procure.cli import main
from procure.kernel.db import make_engine
from procure.sites.models import Site
from procure.accounts.models import Jurisdiction
from tests.dbutil import scratch_database


@pytest.fixture()
def env(tmp_path):
    with scratch_database(tmp_path, migrated=False) as url:
        yield {"PROCURE_DATABASE_URL": url, "PROCURE_STORAGE_DIR": str(tmp_path / "storage"),
               "PROCURE_SECRET_KEY": "cli-test"}


def run(env, *args):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_a_command_wires_every_hand_off_in_its_own_process(env):
    """A command runs in a process the app never started: opening the database wires the ports
    (``procure.domains``), so e.g. ``ocds export`` can settle a tender by its bid count."""
    assert run(env, "migrate").exit_code == 0
    script = ("from procure import cli\n"
              "from procure.kernel.settings import Settings\n"
              "with cli._database(Settings.from_env()):\n"
              "    from procure.tendering import services as t\n"
              "    from procure.inspection import services as i\n"
              "    from procure.awards import services as a\n"
              "    assert t.bid_counts.provided and i.open_case.provided and a.draft_contract.provided\n")
    done = subprocess.run([sys.executable, "-c", script], env=os.environ | env, capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr


def test_commands_refuse_an_unmigrated_database(env):
    result = run(env, "audit", "verify")
    assert result.exit_code == 1 and "procure migrate" in result.output


def test_migrate_demo_create_user_import_and_audit(env, tmp_path):
    assert run(env, "migrate").exit_code == 0
    first = run(env, "demo")
    assert first.exit_code == 0, first.output
    assert "sites" in first.output
    again = run(env, "demo")
    assert again.exit_code == 0 and "nothing to add" in again.output

    engine = make_engine(env["PROCURE_DATABASE_URL"])
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Site)) >= 200
        assert conn.scalar(select(func.count()).select_from(Jurisdiction).where(
            Jurisdiction.level.in_(["street", "town", "zone"]))) >= 10

    created = run(env, "create-user", "--username", "wu", "--password", "inspector-wu-9", "--role", "inspector",
                  "--jurisdiction", "330110002")
    assert created.exit_code == 0 and "wu" in created.output
    bad = run(env, "create-user", "--username", "wu2", "--password", "inspector-wu-9", "--role", "inspector",
              "--jurisdiction", "nowhere")
    assert bad.exit_code == 1 and "nowhere" in bad.output

    good_csv = tmp_path / "new.csv"
    good_csv.write_text("code,name,kind,grade,jurisdiction_code,area_m2\nCLI-1,新建口袋公园,park,2,330110002,4200\n",
                        encoding="utf-8")
    assert "Imported 1 sites" in run(env, "import-sites", str(good_csv)).output
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("code,name,kind,grade,jurisdiction_code,area_m2\nCLI-2,x,park,2,330110002,-1\n",
                       encoding="utf-8")
    failed = run(env, "import-sites", str(bad_csv))
    assert failed.exit_code == 1 and "row 2, area_m2" in failed.output

    unsaid = run(env, "ocds", "export", str(tmp_path / "ocds"))
    assert unsaid.exit_code == 2 and "--base-url" in unsaid.output  # absolute URIs need the public address
    assert run(env, "ocds", "export", str(tmp_path / "ocds"), "--base-url", "ftp://x").exit_code == 2
    exported = run(env, "ocds", "export", str(tmp_path / "ocds"), "--base-url", "https://procure.example.gov.cn/")
    assert exported.exit_code == 0 and "releases written" in exported.output
    whole = (tmp_path / "ocds" / "release-package.json").read_text(encoding="utf-8")
    assert '"uri": "https://procure.example.gov.cn/api/v1/public/ocds/releases"' in whole
    ran = run(env, "payments", "run", "2026-10")
    assert ran.exit_code == 0 and "2026-10" in ran.output
    assert run(env, "payments", "run", "2031-01").exit_code == 1
    assert run(env, "tick").exit_code == 0

    verified = run(env, "audit", "verify")
    assert verified.exit_code == 0 and "intact" in verified.output

    with engine.begin() as conn:
        victim = conn.scalar(text("SELECT id FROM audit_entry ORDER BY id LIMIT 1 OFFSET 40"))
        conn.execute(text("UPDATE audit_entry SET entity_id = '0' WHERE id = :id"), {"id": victim})
    engine.dispose()
    broken = run(env, "audit", "verify")
    assert broken.exit_code == 1 and f"BROKEN at entry {victim}" in broken.output


def test_fixtures_are_a_real_looking_district():
    import csv

    root = Path(__file__).resolve().parent.parent / "fixtures"
    with (root / "sites.csv").open(encoding="utf-8") as handle:
        sites = list(csv.DictReader(handle))
    assert len(sites) >= 200
    assert {s["kind"] for s in sites} == {"road", "square", "park", "green_space", "river"}
    assert any(not s["handover_date"] for s in sites)
    assert any(s["handover_date"].startswith("2026") for s in sites)
    with (root / "users.csv").open(encoding="utf-8") as handle:
        users = list(csv.DictReader(handle))
    assert {u["role"] for u in users} == {"officer", "contractor", "evaluator", "inspector", "finance", "admin"}
