"""Where the audit key comes from: PROCURE_AUDIT_KEY, else ``audit.key`` in the keys folder (or in
the storage folder, where an older installation made it) — never the database nor beside it, and
never the public test key on the app's own paths."""

from __future__ import annotations

import threading

import pytest

from procure.app import create_app
from procure.kernel.db import AUDIT_KEY, TEST_AUDIT_KEY, Database
from procure.kernel.settings import Settings


def test_the_key_file_is_created_once_with_mode_0600_in_the_keys_folder(tmp_path):
    settings = Settings(storage_dir=tmp_path / "storage", secret_key="k", keys_dir=tmp_path / "keys")
    key = settings.audit_mac_key()
    path = tmp_path / "keys" / "audit.key"
    assert not (tmp_path / "storage").exists()  # nothing beside the data
    assert path.stat().st_mode & 0o777 == 0o600
    assert key == path.read_bytes().strip() and len(key) == 64
    assert settings.audit_mac_key() == key
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_an_older_installations_key_in_the_storage_folder_is_kept(tmp_path):
    (tmp_path / "storage").mkdir()
    (tmp_path / "storage" / "audit.key").write_text("legacy-key-" + "0" * 53 + "\n")
    settings = Settings(storage_dir=tmp_path / "storage", secret_key="k", keys_dir=tmp_path / "keys")
    assert settings.audit_mac_key() == ("legacy-key-" + "0" * 53).encode()
    assert not (tmp_path / "keys").exists()


def test_processes_starting_at_once_share_one_key(tmp_path):
    settings = Settings(storage_dir=tmp_path / "storage", secret_key="k", keys_dir=tmp_path / "keys")
    barrier, keys = threading.Barrier(4), []

    def start() -> None:
        barrier.wait()
        keys.append(settings.audit_mac_key())

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(keys)) == 1 and len(keys) == 4


def test_an_empty_key_file_is_an_error_not_a_new_key(tmp_path):
    (tmp_path / "audit.key").write_text("\n")
    with pytest.raises(ValueError, match="restore it from its backup"):
        Settings(storage_dir=tmp_path, secret_key="k").audit_mac_key()


def test_PROCURE_AUDIT_KEY_wins_and_must_be_long(tmp_path):
    env = {"PROCURE_STORAGE_DIR": str(tmp_path), "PROCURE_SECRET_KEY": "k", "PROCURE_KEYS_DIR": str(tmp_path / "keys")}
    key = "an-audit-key-of-thirty-two-chars"
    assert Settings.from_env(env | {"PROCURE_AUDIT_KEY": key}).audit_mac_key() == key.encode()
    assert not (tmp_path / "audit.key").exists() and not (tmp_path / "keys" / "audit.key").exists()
    with pytest.raises(ValueError, match="at least 32 characters"):
        Settings.from_env(env | {"PROCURE_AUDIT_KEY": "short"})
    assert "audit_key" not in repr(Settings(audit_key=key))


def test_the_app_gives_its_sessions_the_settings_key(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", storage_dir=tmp_path / "storage",
                        secret_key="k", audit_key="an-audit-key-of-thirty-two-chars")
    app = create_app(settings)
    database: Database = app.state.database
    try:
        with database.session() as writing, database.reader() as reading:
            assert writing.info[AUDIT_KEY] == reading.info[AUDIT_KEY] == settings.audit_mac_key()
    finally:
        database.dispose()


def test_only_a_database_built_without_a_key_uses_the_test_key(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        with database.session() as session:
            assert session.info[AUDIT_KEY] == TEST_AUDIT_KEY
    finally:
        database.dispose()


def test_no_key_is_written_beside_the_database_by_default(tmp_path):
    """Issue 13 §5: the session secret, the blind-index key and the audit key are made in the keys
    folder; a copy of the data folder (database and storage) carries none of them."""
    data = tmp_path / "var"
    env = {"PROCURE_DATABASE_URL": f"sqlite:///{data / 'procure.sqlite3'}", "PROCURE_STORAGE_DIR": str(data / "storage"),
           "PROCURE_KEYS_DIR": str(tmp_path / "keys")}
    settings = Settings.from_env(env)
    settings.audit_mac_key(), settings.bid_index_mac_key()
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == ["audit.key", "bid-index.key", "session.key"]
    assert not data.exists() or not [p for p in data.rglob("*") if p.is_file()]
    again = Settings.from_env(env)
    assert again.secret_key == settings.secret_key and again.bid_index_mac_key() == settings.bid_index_mac_key()
    assert len(settings.bid_index_mac_key()) == 64
