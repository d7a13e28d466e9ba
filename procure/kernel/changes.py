"""Has committed data changed? A number every in-process cache checks before it reuses an answer.

``Changes.current()`` gives a generation that has moved since any earlier call if a commit has
become visible in between — a commit of this process or of any other process on the database:

- **this process:** every commit of a ``Database`` session moves it (a ``Session`` event);
- **SQLite:** each call reads ``PRAGMA data_version`` on a connection of its own (about 2 µs; the
  number changes when any other connection commits, sqlite.org/pragma.html#pragma_data_version);
- **PostgreSQL:** every write session sends ``NOTIFY procure_changed`` inside its transaction
  (``kernel.db``), so the notice exists exactly when the commit is visible and never for a
  rollback. A watcher thread ``LISTEN``s on a connection of its own (not from the pool, which is
  as large as the admission gate); each call also reads a notice already waiting on that socket
  (a ``select`` with no wait, under 1 µs), so the generation moves as soon as the notice has
  arrived, not when the watcher thread next gets the GIL. PostgreSQL queues the notice at commit
  and the listening backend forwards it at once (well under a millisecond on one machine), so a
  person who posts to one process and is redirected to another, a browser round trip later, sees
  their change; a request that beats the notice by microseconds can still get the page from
  before it.

``current()`` is ``None`` while nothing is watched (before ``start``, or after the watcher lost
its connection, until it is back): a cache must then not reuse anything. A ``Database`` bound to
one connection (the tests) has no other process to hear from, so it counts as watched.
"""

from __future__ import annotations

import itertools
import logging
import select
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection

from procure.kernel.db import CHANGE_CHANNEL, Database

log = logging.getLogger("procure")

RECONNECT_AFTER = 1.0  # seconds before the PostgreSQL watcher tries again after losing its connection
STARTUP_WAIT = 5.0  # seconds start() waits for the watcher to listen before the app serves without it


class Changes:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._counter = itertools.count(1)
        self.generation = 0
        self._bound = isinstance(database.bind, Connection)
        self.watching = self._bound
        self._peek: Callable[[], bool] | None = None  # True: another process may have committed
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread: threading.Thread | None = None
        self._sqlite: Any = None
        self._sqlite_lock = threading.Lock()
        self._notices = threading.Lock()  # reading PostgreSQL's notices: the watcher or a peek
        event.listen(database.sessionmaker, "after_commit", self.moved)

    def moved(self, *_: object) -> None:
        # next() on a count is atomic under the GIL, so two threads moving at once never yield
        # the same number (``+= 1`` could, and a reader could then miss a change).
        self.generation = next(self._counter)

    def current(self) -> int | None:
        if not self.watching:
            return None
        peek = self._peek
        if peek is not None and peek():
            self.moved()
        return self.generation

    # --- watching -------------------------------------------------------------------------------

    def start(self) -> None:
        if self._bound or self.watching:
            return
        self._stop.clear()
        if self.database.engine.dialect.name == "postgresql":
            self._thread = threading.Thread(target=self._watch_postgresql, name="procure-changes", daemon=True)
            self._thread.start()
            if not self._listening.wait(STARTUP_WAIT):
                log.warning("change watcher not listening yet; personal caches stay off until it is")
        else:
            self._watch_sqlite()

    def stop(self) -> None:
        self._stop.set()
        self.watching = self._bound
        self._peek = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._sqlite is not None:
            with self._sqlite_lock:
                self._sqlite.close()
                self._sqlite = None

    def _connect(self) -> Any:
        """A DBAPI connection of the watcher's own, outside the pool."""
        engine = self.database.engine
        args, kwargs = engine.dialect.create_connect_args(engine.url)
        if engine.dialect.name == "sqlite":
            kwargs["check_same_thread"] = False  # read from the event loop and from request threads
        return engine.dialect.loaded_dbapi.connect(*args, **kwargs)

    def _watch_sqlite(self) -> None:
        self._sqlite = self._connect()
        seen = [self._sqlite.execute("PRAGMA data_version").fetchone()[0]]

        def peek() -> bool:
            with self._sqlite_lock:
                if self._sqlite is None:
                    return True
                now = self._sqlite.execute("PRAGMA data_version").fetchone()[0]
            if now == seen[0]:
                return False
            seen[0] = now
            return True

        self._peek = peek
        self.moved()  # whatever was committed before, anything kept from before start() is stale
        self.watching = True

    def _watch_postgresql(self) -> None:
        while not self._stop.is_set():
            try:
                connection = self._connect()
            except Exception:  # noqa: BLE001 — no watcher only means no reuse
                log.warning("change watcher cannot connect; personal caches stay off", exc_info=True)
                self._stop.wait(RECONNECT_AFTER)
                continue
            try:
                connection.autocommit = True
                connection.execute(f"LISTEN {CHANGE_CHANNEL}")
                socket = connection.fileno()

                def waiting(fd: int = socket, listener: Any = connection) -> bool:
                    # Read what waits, under the lock the watcher reads under: one notice moves
                    # the generation once, whichever thread reads it.
                    with self._notices:
                        try:
                            if not select.select([fd], [], [], 0)[0]:
                                return False
                            for _ in listener.notifies(timeout=0):
                                pass
                        except Exception:  # noqa: BLE001 — a broken socket: say changed; the watcher reconnects
                            return True
                        return True

                self._peek = waiting
                self.moved()  # commits before LISTEN were not heard
                self.watching = True
                self._listening.set()
                while not self._stop.is_set():
                    if select.select([socket], [], [], 0.5)[0]:
                        with self._notices:
                            if select.select([socket], [], [], 0)[0]:  # not read by a peek meanwhile
                                for _ in connection.notifies(timeout=0):
                                    pass
                                self.moved()
            except Exception:  # noqa: BLE001 — the connection is gone: no reuse until it is back
                log.warning("change watcher lost its connection; personal caches are off until it is back",
                            exc_info=True)
            finally:
                self.watching = False
                self._peek = None
                self.moved()
                try:
                    connection.close()
                except Exception:  # noqa: BLE001
                    pass
            self._stop.wait(RECONNECT_AFTER)
