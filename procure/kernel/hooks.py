"""Hand-offs from an earlier domain to a later one, without the earlier one importing it.

The domains depend one way (docs/architecture.md, "Dependency order"). When an earlier domain needs
something only a later one knows — tendering needs the number of bids on a lot, bidding needs a
company's scorecard standing — or must let a later one react — a lot's award notice drafts its
contract, a submitted inspection opens cases — the earlier domain declares a hook here and the later
domain fills it:

- ``Port``: exactly one implementation, asked like a function (``bid_counts(session, lot_ids)``).
- ``Hook``: any number of handlers, all called in order of registration, their answers returned as
  a list. Handlers run inside the caller's transaction, before it commits, so what they write lands
  or rolls back together with what caused it.

Later domains register at import (``@tendering.services.bid_counts.provide``); ``procure.domains``
imports every domain so that every app, worker, CLI and test process has the same wiring, and a
``Port`` asked before it is provided raises instead of answering wrongly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class NotWired(RuntimeError):
    """A port was asked before any domain provided it: ``procure.domains`` was not imported."""


class Port(Generic[P, R]):
    """One implementation of a question an earlier domain asks a later one."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._impl: Callable[P, R] | None = None

    def provide(self, impl: Callable[P, R]) -> Callable[P, R]:
        """Decorator: this function answers the port (a second provider replaces the first: tests)."""
        self._impl = impl
        return impl

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self._impl is None:
            raise NotWired(f"{self.name} has no provider: import procure.domains first")
        return self._impl(*args, **kwargs)

    @property
    def provided(self) -> bool:
        return self._impl is not None

    def __repr__(self) -> str:
        return f"Port({self.name!r})"


class Hook(Generic[P, R]):
    """Something happened (or a page is being built) in an earlier domain; later ones take part."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._handlers: list[Callable[P, R]] = []

    def handler(self, fn: Callable[P, R]) -> Callable[P, R]:
        """Decorator: call ``fn`` whenever the hook fires (registering the same function twice is one)."""
        if fn not in self._handlers:
            self._handlers.append(fn)
        return fn

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> list[R]:
        return [handler(*args, **kwargs) for handler in self._handlers]

    @property
    def handlers(self) -> tuple[Callable[..., Any], ...]:
        return tuple(self._handlers)

    def __repr__(self) -> str:
        return f"Hook({self.name!r}, {len(self._handlers)} handlers)"
