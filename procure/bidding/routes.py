"""Bids, receipts, documents and the opening: API and pages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import UploadFile
from litestar.params import JSONBody
from litestar.response import Redirect, Stream

from procure.accounts import policy
from procure.accounts import services as accounts
from procure.accounts.rules import Permission
from procure.bidding import services
from procure.bidding.schemas import BidOut, OpeningKeyIn, OpeningOut, PresentedOut, SharesIn, hall_json
from procure.bidding.services import CommitteeSeat, Upload
from procure.documents.services import MAX_DOCUMENT_BYTES
from procure.kernel.i18n import N_
from procure.kernel.errors import NotFound, ProcureError
from procure.kernel.i18n import gettext
from procure.tendering import services as tenders
from procure.tendering.routes import act_on_tender, detail_page
from procure.kernel.web import UploadData, done, scope_locale, pdf_response
from litestar.di import NamedDependency

from procure.kernel.web import AppClock, AppSettings, DB, FormData, form_errors, page, PathId
from procure.documents.pdf import PdfRenderer
from procure.documents.web import AppStorage, Pdf
from procure.accounts.web import MaybeMe, Me, requires
from procure.kernel.web import received_at as web_received_at

#: Whether a reader sits, declared, on a lot's committee: the evaluation domain answers (app.py
#: injects it), so bidding does not depend on evaluation.
Seated = NamedDependency[CommitteeSeat]
MAX_BID_BYTES = 20 * MAX_DOCUMENT_BYTES + 1024 * 1024
#: Bid submissions (API and page form): the server's clock at receipt decides whether they are
#: late (招标投标法 第28条), so ``kernel.web.ReceiveThenQueue`` stamps them before admission.
TIMED_BID_PATHS = re.compile(r"^/(api/v1/lots/\d+/bids|tenders/\d+/lots/\d+/bid)$")


def _uploads(data: dict[str, Any]) -> list[Upload]:
    files = data.get("documents") or data.get("documents[]") or []
    if not isinstance(files, list):
        files = [files]
    return [Upload(f.filename or "document", f.file) for f in files if isinstance(f, UploadFile)]


def receipt_pdf(pdf: PdfRenderer, data: dict[str, Any], locale: str = "zh_CN") -> bytes:
    return pdf.render("pdf/bid_receipt.html", data | {"locale": locale})


def _download(document: Any, chunks: Iterable[bytes]) -> Stream:  # Any: a bid or company document (same fields)
    return Stream(chunks, media_type=document.content_type,
                  headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(document.filename)}"})


class BidsApi(Controller):
    path = "/api/v1"
    tags = ["bids"]

    @post("/lots/{lot_id:int}/bids", sync_to_thread=True, guards=[requires(Permission.BIDS_SUBMIT)],
          request_max_body_size=MAX_BID_BYTES,
          summary="Submit or replace a sealed bid (multipart: envelope, documents[] as ciphertext; docs/sealed-bids.md) "
                  "→ receipt")
    def submit(self, request: Request, lot_id: PathId, data: UploadData, db: DB, clock: AppClock,
               storage: AppStorage, settings: AppSettings, user: Me) -> BidOut:
        received_at = web_received_at(request, clock)  # the moment the last byte arrived
        bid = services.submit(db, clock, storage, settings.bid_index_mac_key(), user, lot_id,
                              envelope=data.get("envelope"), uploads=_uploads(data), received_at=received_at)
        return BidOut.of(services.view_of_submitted(db, bid), own=True)

    @get("/lots/{lot_id:int}/sealing", sync_to_thread=True,
         summary="What a bid on this lot is sealed to: the opening officials' public keys and k (docs/sealed-bids.md)")
    def sealing(self, lot_id: PathId, db: DB, clock: AppClock, user: MaybeMe) -> dict[str, Any]:
        return services.sealing_target(db, clock, user, lot_id)

    @delete("/bids/{bid_id:int}", sync_to_thread=True, status_code=200, guards=[requires(Permission.BIDS_SUBMIT)],
            summary="Withdraw a bid before the deadline")
    def withdraw(self, bid_id: PathId, db: DB, clock: AppClock, storage: AppStorage, settings: AppSettings,
                 user: Me) -> dict[str, Any]:
        bid = services.withdraw(db, clock, storage, settings.bid_index_mac_key(), user, bid_id)
        return {"id": bid.id, "state": bid.state, "withdrawn_at": bid.withdrawn_at}

    @get("/lots/{lot_id:int}/bids", sync_to_thread=True, guards=[requires()],
         summary="Bids of a lot: officers after opening, a bidder its own")
    def lot_bids(self, lot_id: PathId, db: DB, clock: AppClock, settings: AppSettings, user: Me,
                 seated: Seated) -> list[BidOut]:
        views = services.lot_bids(db, clock, settings.bid_index_mac_key(), user, lot_id,
                                  seat=seated)
        return [BidOut.of(v, own=policy.owns(user, v.bid.contractor_id)) for v in views]

    @get("/me/bids", sync_to_thread=True, guards=[requires(Permission.BIDS_SUBMIT)], summary="My company's bids")
    def my_bids(self, db: DB, clock: AppClock, settings: AppSettings, user: Me) -> list[BidOut]:
        return [BidOut.of(v, own=True) for v in services.my_bids(db, clock, settings.bid_index_mac_key(), user, with_documents=True)]

    @get("/bids/{bid_id:int}/receipt.pdf", sync_to_thread=True, guards=[requires(Permission.BIDS_SUBMIT)],
         summary="The bid receipt (回执) PDF", media_type="application/pdf")
    def receipt(self, request: Request, bid_id: PathId, db: DB, clock: AppClock, settings: AppSettings, user: Me,
                pdf: Pdf) -> Response:
        data = services.receipt(db, clock, settings.bid_index_mac_key(), user, bid_id)
        return pdf_response(receipt_pdf(pdf, data, scope_locale(request.scope)),
                            f"投标回执-{data['tender'].reference}-{data['lot'].number}.pdf")

    @get("/bids/{bid_id:int}/documents/{document_id:int}", sync_to_thread=True, guards=[requires()],
         summary="Download a bid document (its bidder; officers and evaluators after opening)")
    def document(self, bid_id: PathId, document_id: PathId, db: DB, clock: AppClock,
                 storage: AppStorage, settings: AppSettings, user: Me, seated: Seated) -> Stream:
        document, chunks = services.document_content(db, clock, storage, settings.bid_index_mac_key(), user, bid_id, document_id,
                                                     seat=seated)
        return _download(document, chunks)

    @get("/tenders/{tender_id:int}/opening/shares", sync_to_thread=True, guards=[requires()],
         summary="An opening official's shares, still encrypted to their key, for their device to decrypt")
    def my_shares(self, tender_id: PathId, db: DB, clock: AppClock, user: Me) -> dict[str, Any]:
        return services.my_shares(db, clock, user, tender_id)

    @post("/tenders/{tender_id:int}/opening", sync_to_thread=True, status_code=200, guards=[requires()],
          summary="Present an official's decrypted shares ({\"shares\": {bid id: base64}}); the k-th opens the bids "
                  "and publishes the opening record (开标记录)")
    def present(self, tender_id: PathId, data: JSONBody[SharesIn], db: DB, clock: AppClock, storage: AppStorage,
                settings: AppSettings, user: Me) -> PresentedOut:
        return PresentedOut.of(services.present_shares(db, clock, storage, settings.bid_index_mac_key(), user, tender_id,
                                                       data.shares))

    @get("/tenders/{tender_id:int}/hall", sync_to_thread=True, summary="The opening hall: countdown and presentations")
    def hall(self, tender_id: PathId, db: DB, clock: AppClock, user: MaybeMe) -> dict[str, Any]:
        return hall_json(services.hall(db, clock, user, tender_id))

    @get("/me/opening-key", sync_to_thread=True, guards=[requires()], summary="My registered opening key (开标密钥)")
    def my_key(self, db: DB, user: Me) -> dict[str, Any]:
        key = services.current_opening_key(db, user)
        return {"public_key": key.public_key if key else None, "fingerprint": key.fingerprint if key else None}

    @post("/me/opening-key", sync_to_thread=True, status_code=200, guards=[requires()],
          summary="Register my opening key's public half (the private half stays on my device)")
    def register_key(self, data: JSONBody[OpeningKeyIn], db: DB, clock: AppClock, user: Me) -> dict[str, Any]:
        key = services.register_opening_key(db, clock, user, data.public_key)
        return {"public_key": key.public_key, "fingerprint": key.fingerprint}

    @get("/tenders/{tender_id:int}/opening", sync_to_thread=True, summary="The published opening record")
    def opening(self, tender_id: PathId, db: DB, clock: AppClock, user: MaybeMe) -> OpeningOut:
        tenders.visible(user, tenders.get(db, clock, tender_id))
        record = services.opening_record(db, tender_id)
        if record is None:
            raise NotFound("The bids of this tender have not been opened yet.")
        return OpeningOut(record.tender_id, record.opened_at, record.sha256, record.record)

    @get("/notifications", sync_to_thread=True, guards=[requires()], summary="My in-app notifications")
    def notifications(self, request: Request, db: DB, user: Me) -> list[dict[str, Any]]:
        locale = scope_locale(request.scope)
        return [{"id": n.id, "created_at": n.created_at, "message": gettext(locale, n.message, **n.params),
                 "link": n.link, "read": n.read_at is not None} for n in accounts.notifications(db, user)]


class BidPages(Controller):
    include_in_schema = False

    @post("/tenders/{tender_id:int}/lots/{lot_id:int}/bid", sync_to_thread=True,
          guards=[requires(Permission.BIDS_SUBMIT)], request_max_body_size=MAX_BID_BYTES)
    def submit(self, request: Request, tender_id: PathId, lot_id: PathId, data: UploadData, db: DB,
               clock: AppClock, storage: AppStorage, settings: AppSettings, user: Me) -> Response:
        received_at = web_received_at(request, clock)
        return act_on_tender(request, db, clock, settings, user, tender_id, lambda: services.submit(
            db, clock, storage, settings.bid_index_mac_key(), user, lot_id, envelope=data.get("envelope"),
            uploads=_uploads(data), received_at=received_at), anchor=f"#lot-{lot_id}",
            said=N_("Your sealed bid is received. Download the receipt: it proves what was received and when."))

    @get("/tenders/{tender_id:int}/hall", sync_to_thread=True)
    def hall(self, request: Request, tender_id: PathId, db: DB, clock: AppClock, user: MaybeMe) -> Response:
        """The opening hall (不见面开标): anyone watches; the officials present their shares here."""
        return page(request, "bidding/hall.html", **services.hall(db, clock, user, tender_id))

    @get("/tenders/{tender_id:int}/hall/my-shares", sync_to_thread=True, guards=[requires()])
    def my_shares(self, tender_id: PathId, db: DB, clock: AppClock, user: Me) -> dict[str, Any]:
        """The hall's script fetches the official's encrypted shares with the page's session."""
        return services.my_shares(db, clock, user, tender_id)

    @post("/tenders/{tender_id:int}/hall/shares", sync_to_thread=True, guards=[requires()])
    def present(self, request: Request, tender_id: PathId, data: FormData, db: DB, clock: AppClock,
                storage: AppStorage, settings: AppSettings, user: Me) -> Response:
        """The hall's script posts the shares the official's browser decrypted (JSON in a form field)."""
        try:
            shares = json.loads(data.get("shares") or "{}")
            services.present_shares(db, clock, storage, settings.bid_index_mac_key(), user, tender_id,
                                    shares if isinstance(shares, dict) else {})
        except (ProcureError, ValueError, RecursionError) as exc:
            db.rollback()
            message = form_errors(exc, scope_locale(request.scope))[0] if isinstance(exc, ProcureError) else \
                gettext(scope_locale(request.scope), "The shares are not JSON.")
            return page(request, "bidding/hall.html", status_code=getattr(exc, "status_code", 400), error=message,
                        **services.hall(db, clock, user, tender_id))
        return done(f"/tenders/{tender_id}/hall", request, N_("Your shares are presented."))

    @get("/account/opening-key", sync_to_thread=True, guards=[requires()])
    def opening_key(self, request: Request, db: DB, user: Me) -> Response:
        return page(request, "bidding/opening_key.html", key=services.current_opening_key(db, user),
                    may_hold=services.may_hold(user))

    @post("/account/opening-key", sync_to_thread=True, guards=[requires()])
    def register_key(self, request: Request, data: FormData, db: DB, clock: AppClock, user: Me) -> Response:
        try:
            services.register_opening_key(db, clock, user, data.get("public_key"))
        except ProcureError as exc:
            db.rollback()
            return page(request, "bidding/opening_key.html", status_code=exc.status_code,
                        error=form_errors(exc, scope_locale(request.scope))[0],
                        key=services.current_opening_key(db, user), may_hold=services.may_hold(user))
        return done("/account/opening-key", request, N_("Your opening key is registered. Keep the key file and its passphrase safe."))

    @post("/bids/{bid_id:int}/withdraw", sync_to_thread=True, guards=[requires(Permission.BIDS_SUBMIT)])
    def withdraw(self, request: Request, bid_id: PathId, db: DB, clock: AppClock, storage: AppStorage,
                 settings: AppSettings, user: Me) -> Response:
        index_key = settings.bid_index_mac_key()
        tender_id = services.tender_id_of(db, services.own_bid(db, index_key, user, bid_id))
        try:
            services.withdraw(db, clock, storage, index_key, user, bid_id)
        except ProcureError as exc:
            db.rollback()
            detail, _, _ = form_errors(exc, scope_locale(request.scope))
            return detail_page(request, db, clock, settings, user, tender_id, status=exc.status_code, error=detail)
        return done(f"/tenders/{tender_id}", request, N_("Your bid is withdrawn."))

    @get("/bids/{bid_id:int}/receipt.pdf", sync_to_thread=True, guards=[requires(Permission.BIDS_SUBMIT)])
    def receipt(self, request: Request, bid_id: PathId, db: DB, clock: AppClock, settings: AppSettings, user: Me,
                pdf: Pdf) -> Response:
        data = services.receipt(db, clock, settings.bid_index_mac_key(), user, bid_id)
        return pdf_response(receipt_pdf(pdf, data, scope_locale(request.scope)),
                            f"投标回执-{data['tender'].reference}-{data['lot'].number}.pdf")

    @get("/bids/{bid_id:int}/documents/{document_id:int}", sync_to_thread=True, guards=[requires()])
    def document(self, bid_id: PathId, document_id: PathId, db: DB, clock: AppClock,
                 storage: AppStorage, settings: AppSettings, user: Me, seated: Seated) -> Stream:
        document, chunks = services.document_content(db, clock, storage, settings.bid_index_mac_key(), user, bid_id, document_id,
                                                     seat=seated)
        return _download(document, chunks)

    @get("/my/bids", sync_to_thread=True, guards=[requires(Permission.BIDS_SUBMIT)])
    def my_bids(self, request: Request, db: DB, clock: AppClock, settings: AppSettings, user: Me) -> Response:
        return page(request, "bidding/my_bids.html", bids=services.my_bids(db, clock, settings.bid_index_mac_key(), user))

    @get("/tenders/{tender_id:int}/opening", sync_to_thread=True)
    def opening(self, request: Request, tender_id: PathId, db: DB, clock: AppClock, user: MaybeMe) -> Response:
        return page(request, "bidding/opening.html", **services.opening_page(db, clock, user, tender_id))

    @get("/notifications", sync_to_thread=True, guards=[requires()])
    def notifications(self, request: Request, db: DB, clock: AppClock, user: Me) -> Response:
        # Reading the list changes nothing; "mark all read" is its own POST (GETs never write).
        items = accounts.notifications(db, user)
        return page(request, "bidding/notifications.html", items=items,
                    unread=sum(1 for n in items if n.read_at is None))

    @post("/notifications/read", sync_to_thread=True, guards=[requires()])
    def mark_notifications_read(self, db: DB, clock: AppClock, user: Me) -> Redirect:
        accounts.mark_read(db, clock, user)
        return Redirect("/notifications")

