"""The audit chain's published head (JSON, public, no login): what anyone may mirror."""

from __future__ import annotations

from litestar import Controller, Response, get

from procure.audit import services
from procure.kernel.web import DB


class AuditHeadApi(Controller):
    path = "/api/v1/public/audit-head"
    tags = ["public"]

    @get("/", sync_to_thread=True, summary="The audit chain's head: MAC and time of its newest public entry")
    def head(self, db: DB) -> Response:
        """Keep copies: ``procure audit verify --anchor-file`` later proves the chain still holds
        this entry and everything before it. Also written daily to ``<storage>/audit-heads/``."""
        return Response(services.public_head(db).as_json())
