"""Downloading unsealed documents: inspection and case photos, qualification documents."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Controller, Response, get
from litestar.response import Stream

from procure.documents import images, services
from procure.kernel.errors import NotFound
from procure.kernel.web import DB, PathId
from procure.documents.web import AppStorage
from procure.accounts.web import Me, requires


class DocumentPages(Controller):
    include_in_schema = False

    @get("/documents/{document_id:int}", sync_to_thread=True, guards=[requires()])
    def download(self, document_id: PathId, db: DB, storage: AppStorage, user: Me) -> Stream:
        document = services.readable(db, user, document_id)
        # A photo opens in the browser (a tapped thumbnail); any other file is saved.
        disposition = "inline" if document.content_type in images.PICTURES else "attachment"
        return Stream(services.read(storage, document), media_type=document.content_type,
                      headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(document.filename)}"})

    @get("/documents/{document_id:int}/thumb", sync_to_thread=True, guards=[requires()])
    def thumbnail(self, document_id: PathId, db: DB, storage: AppStorage, user: Me) -> Response:
        """A photo's small copy, for pages that show photos (the same reader rule as the photo)."""
        document = services.readable(db, user, document_id)
        if document.content_type not in images.PICTURES:
            raise NotFound("Document {id} does not exist.", id=document_id)
        try:
            small = services.small_copy(storage, document)
        except ValueError:
            raise NotFound("Document {id} does not exist.", id=document_id) from None
        # Private: a photo is evidence some readers may not see; a day, as stored photos never change.
        return Response(small, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400"})
