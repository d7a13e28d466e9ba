"""Downloading unsealed documents: inspection and case photos, qualification documents."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Controller, get
from litestar.response import Stream

from procure.documents import services
from procure.kernel.web import DB, PathId
from procure.documents.web import AppStorage
from procure.accounts.web import Me, requires


class DocumentPages(Controller):
    include_in_schema = False

    @get("/documents/{document_id:int}", sync_to_thread=True, guards=[requires()])
    def download(self, document_id: PathId, db: DB, storage: AppStorage, user: Me) -> Stream:
        document = services.readable(db, user, document_id)
        return Stream(services.read(storage, document), media_type=document.content_type,
                      headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(document.filename)}"})
