"""One page of a list: what every list service returns, and what the pages and the API show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

#: the highest page a list may ask for (an absurd number would only make the database skip rows)
MAX_PAGE = 100_000


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int
    #: the total is a lower bound: there are more than ``total`` (a search counted up to a limit)
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or self.more  # with more, the count went past this page

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page
