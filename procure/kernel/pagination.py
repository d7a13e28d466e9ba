"""Paging for long lists: the same shape for pages and the API (``{items, total}``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

MAX_PER_PAGE = 200
#: Bounds the SQL OFFSET (the routes refuse a larger page number with a 400).
MAX_PAGE = 100_000


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    per_page: int = 25

    def __post_init__(self) -> None:
        object.__setattr__(self, "page", min(MAX_PAGE, max(1, int(self.page))))
        object.__setattr__(self, "per_page", min(MAX_PER_PAGE, max(1, int(self.per_page))))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    request: PageRequest

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))

    @property
    def has_next(self) -> bool:
        return self.request.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.request.page > 1


def count_of(session: Session, stmt: Select[Any]) -> int:
    """How many rows a list query has (for ``Page.total``); its ORDER BY is dropped, not needed to count."""
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
