"""Configuration. Built explicitly (``Settings.from_env()``) — nothing reads the environment at import."""

from __future__ import annotations

import tempfile
import os
from urllib.parse import urlsplit
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from procure import PROJECT_ROOT
from procure.kernel.clock import Clock, system_clock

DEFAULT_DATA_DIR = PROJECT_ROOT / "var"
#: The audit key's file in the keys folder (or, made by an older version, the storage folder) when
#: PROCURE_AUDIT_KEY is not set.
AUDIT_KEY_FILE = "audit.key"
#: The blind-index key's file in the keys folder when PROCURE_BID_INDEX_KEY is not set.
BID_INDEX_KEY_FILE = "bid-index.key"


def default_keys_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where keys made on first use live when no variable gives them: PROCURE_KEYS_DIR, else the
    user's configuration folder, never beside the database (a copy of ``var/`` carries no key)."""
    env = os.environ if environ is None else environ
    if keys := env.get("PROCURE_KEYS_DIR"):
        return Path(keys)
    config = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(config) / "procure"


def normalise_database_url(url: str) -> str:
    """Accept the URLs people type and pick the drivers Procure ships with.

    ``postgresql://`` and ``postgres://`` get the psycopg 3 driver (sync SQLAlchemy); SQLite
    stays on the standard library's driver.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{DEFAULT_DATA_DIR / 'procure.sqlite3'}"
    storage_dir: Path = DEFAULT_DATA_DIR / "storage"
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    clock: Clock = system_clock
    #: Default UI language: 简体中文. English is the other catalogue.
    default_locale: str = "zh_CN"
    templates_dir: Path = PROJECT_ROOT / "templates"
    #: Lifetime of an API bearer token and of a browser session, in seconds.
    token_ttl_seconds: int = 8 * 3600
    session_ttl_seconds: int = 12 * 3600
    debug: bool = False
    #: Mark cookies Secure (set true behind HTTPS).
    secure_cookies: bool = False
    #: The OCDS prefix registered for the publisher (ocid = ocds-<prefix>-<tender>-<lot>).
    ocds_prefix: str = "yhcg01"
    #: The address the public reaches Procure at (PROCURE_PUBLIC_BASE_URL, e.g.
    #: https://procure.yuhang.gov.cn): absolute URIs in open data are built on it. Unset: the API uses
    #: the address the request came to, and ``procure ocds export`` needs ``--base-url``.
    public_base_url: str | None = None
    #: Open311's jurisdiction_id: the district's administrative division code (GB/T 2260).
    open311_jurisdiction: str = "330110"
    #: Requests inside one app process at once (= its database pool size); more wait in line.
    max_concurrency: int = 8
    #: How long a request waits in line before it is answered 503 with Retry-After.
    queue_seconds: float = 10.0
    #: Run the worker's jobs (procure/worker.py) inside the app process. ``from_env`` turns it on
    #: for SQLite (the embedded default); PostgreSQL deployments run ``procure worker`` instead.
    worker_in_process: bool = False
    #: The key of the audit chain's MACs (PROCURE_AUDIT_KEY, at least 32 characters). Unset: the
    #: key file ``audit.key`` in the keys folder, created on first use (``audit_mac_key``).
    #: Never in the database: whoever holds it can forge the chain.
    audit_key: str | None = field(default=None, repr=False)
    #: The key of the bidder blind index (bidding.services.bidder_tag; PROCURE_BID_INDEX_KEY, at
    #: least 32 characters). It opens no bid: it hides which company bid on which lot from a
    #: reader of the database. Unset: ``bid-index.key`` in the keys folder, made on first use.
    bid_index_key: str | None = field(default=None, repr=False)
    #: Keys made on first use (the session secret and the blind-index key, when their variables
    #: are unset): PROCURE_KEYS_DIR, else ~/.config/procure (``default_keys_dir``).
    keys_dir: Path = field(default_factory=default_keys_dir)
    #: Mail notifications through this SMTP server (PROCURE_SMTP_URL, e.g.
    #: ``smtp://user:password@mail.yuhang.gov.cn:587?starttls=1``); unset: in-app only.
    smtp_url: str | None = field(default=None, repr=False)
    #: The sender of those mails (PROCURE_MAIL_FROM).
    mail_from: str = "noreply@procure.invalid"
    #: Map tiles (PROCURE_MAP_TILES): a URL template with {z}/{x}/{y} (and {s} for subdomains),
    #: e.g. 天地图 with the bureau's key. Unset: maps draw the district outline, no tiles.
    map_tiles: str | None = None
    #: What {s} in the tile URL stands for, one character each (PROCURE_MAP_SUBDOMAINS; 天地图: 01234567).
    map_subdomains: str = "abc"
    #: The tiles' attribution (PROCURE_MAP_ATTRIBUTION), shown on every map, as their terms require.
    map_attribution: str = ""
    #: The district boundary as GeoJSON (PROCURE_MAP_BOUNDARY); the demo's approximate outline by default.
    map_boundary: Path = PROJECT_ROOT / "fixtures" / "district.geojson"

    def bid_index_mac_key(self) -> bytes:
        if self.bid_index_key:
            return self.bid_index_key.encode("utf-8")
        return _audit_key_file(Path(self.keys_dir) / BID_INDEX_KEY_FILE)

    def audit_mac_key(self) -> bytes:
        """The audit key as the MAC takes it: PROCURE_AUDIT_KEY; else ``audit.key`` in the storage
        folder where an installation made before keys had their own folder keeps it; else
        ``audit.key`` in the keys folder, made on first use (never beside the database)."""
        if self.audit_key:
            return self.audit_key.encode("utf-8")
        legacy = self.storage_dir / AUDIT_KEY_FILE
        return _audit_key_file(legacy if legacy.exists() else Path(self.keys_dir) / AUDIT_KEY_FILE)

    def __post_init__(self) -> None:
        object.__setattr__(self, "database_url", normalise_database_url(self.database_url))
        object.__setattr__(self, "storage_dir", Path(self.storage_dir))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> "Settings":
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        if url := env.get("PROCURE_DATABASE_URL"):
            values["database_url"] = url
        if storage := env.get("PROCURE_STORAGE_DIR"):
            values["storage_dir"] = Path(storage)
        values["keys_dir"] = default_keys_dir(env)
        if key := env.get("PROCURE_SECRET_KEY"):
            values["secret_key"] = key
        else:
            values["secret_key"] = _persistent_dev_secret(Path(str(values["keys_dir"])))
        if index_key := env.get("PROCURE_BID_INDEX_KEY"):
            if len(index_key) < 32:
                raise ValueError("PROCURE_BID_INDEX_KEY must be at least 32 characters (e.g. secrets.token_urlsafe(32))")
            values["bid_index_key"] = index_key
        if audit_key := env.get("PROCURE_AUDIT_KEY"):
            if len(audit_key) < 32:
                raise ValueError("PROCURE_AUDIT_KEY must be at least 32 characters (e.g. secrets.token_urlsafe(32))")
            values["audit_key"] = audit_key
        if smtp := env.get("PROCURE_SMTP_URL"):
            if not smtp.startswith(("smtp://", "smtps://")):
                raise ValueError("PROCURE_SMTP_URL must start with smtp:// or smtps://")
            values["smtp_url"] = smtp
        if sender := env.get("PROCURE_MAIL_FROM"):
            values["mail_from"] = sender
        if tiles := env.get("PROCURE_MAP_TILES"):
            if not tiles.startswith("https://") or "{z}" not in tiles:
                raise ValueError("PROCURE_MAP_TILES must be an https:// URL template with {z}, {x} and {y}")
            values["map_tiles"] = tiles
        if subdomains := env.get("PROCURE_MAP_SUBDOMAINS"):
            if not subdomains.isalnum() or len(subdomains) > 16:
                raise ValueError("PROCURE_MAP_SUBDOMAINS is the characters {s} stands for, e.g. abc or 01234567")
            values["map_subdomains"] = subdomains
        if attribution := env.get("PROCURE_MAP_ATTRIBUTION"):
            values["map_attribution"] = attribution
        if boundary := env.get("PROCURE_MAP_BOUNDARY"):
            values["map_boundary"] = Path(boundary)
        if prefix := env.get("PROCURE_OCDS_PREFIX"):
            values["ocds_prefix"] = prefix
        if base := env.get("PROCURE_PUBLIC_BASE_URL"):
            values["public_base_url"] = public_base_url(base)
        if jurisdiction := env.get("PROCURE_OPEN311_JURISDICTION"):
            values["open311_jurisdiction"] = jurisdiction
        if concurrency := env.get("PROCURE_MAX_CONCURRENCY"):
            values["max_concurrency"] = _bounded_int("PROCURE_MAX_CONCURRENCY", concurrency, 1, 256)
        if wait := env.get("PROCURE_QUEUE_SECONDS"):
            values["queue_seconds"] = float(_bounded_int("PROCURE_QUEUE_SECONDS", wait, 1, 600))
        if (in_process := env.get("PROCURE_WORKER_IN_PROCESS")) is not None:
            values["worker_in_process"] = in_process.lower() in {"1", "true", "yes"}
        else:
            values["worker_in_process"] = normalise_database_url(str(values.get("database_url", cls.database_url))).startswith("sqlite")
        if env.get("PROCURE_DEBUG", "").lower() in {"1", "true", "yes"}:
            values["debug"] = True
        if env.get("PROCURE_SECURE_COOKIES", "").lower() in {"1", "true", "yes"}:
            values["secure_cookies"] = True
        values.update(overrides)
        # Field name → value, as from_env's caller and the environment give them; the constructor checks the names.
        return cls(**values)  # type: ignore[arg-type]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _bounded_int(name: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, not {value}")
    return value


def _persistent_dev_secret(keys_dir: Path) -> str:
    """Without PROCURE_SECRET_KEY, keep one random key in the keys folder so sessions survive
    restarts. It signs sessions and CSRF tokens only (no bid depends on it), so it can be rotated:
    everyone logs in again."""
    path = keys_dir / "session.key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(32)
        path.write_text(key)
        path.chmod(0o600)
        return key


def _audit_key_file(path: Path) -> bytes:
    """Read a key file (the audit key, the blind-index key), or create it (mode 0600) with a random
    key if there is none.

    Several processes may start at once: the key is written to a temporary file and linked into
    place, so each reads the one key that won, never a half-written one. An empty file is an
    error, not a reason for a new key: rows MAC'd under the lost key would all fail to verify.
    """
    try:
        key = path.read_bytes().strip()
    except FileNotFoundError:

        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".audit-key-", dir=path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(temporary)
        key = path.read_bytes().strip()
    if not key:
        raise ValueError(f"the audit key file {path} is empty: restore it from its backup (see docs/deployment.md)")
    return key


def public_base_url(text: str) -> str:
    """PROCURE_PUBLIC_BASE_URL checked: http(s), a host, no query or fragment; without the final slash."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError("PROCURE_PUBLIC_BASE_URL must be an http(s) address such as https://procure.example.gov.cn")
    return text.strip().rstrip("/")
