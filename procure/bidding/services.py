"""Sealed bidding (DESIGN §4.2): submit, replace, withdraw, receipts, and the opening (开标).

Before opening nobody but the bidder can learn a bid's price, documents or even how many bids
a lot has (招标投标法 第22条): prices and bond details live only in ``Bid.sealed`` and documents
are encrypted with the tender's key; every reader below checks who is asking.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import IO, Any, Protocol

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from procure.accounts import policy
from procure.accounts.services import CurrentUser
from procure.audit import services as audit
from procure.audit.models import AuditEntry
from procure.bidding.models import Bid, BidDocument, OpeningRecord
from procure.bidding.rules import BOND_FORMS, bond_status, parse_price, receipt_fingerprint
from procure.kernel.clock import BUREAU_TZ, Clock
from procure.contractors import services as contractors
from procure.documents import crypto
from procure.documents import services as documents
from procure.documents.models import Document
from procure.documents.services import Seal
from procure.documents.storage import Storage
from procure.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from procure.kernel.hooks import Port
from procure.tendering import services as tenders
from procure.tendering.models import Lot, Tender
from procure.tendering.rules import SETTLING_TIME, LotState, TenderState, accepts_bids, bidding_closed, settled


@dataclass(frozen=True)
class Upload:
    filename: str
    fileobj: IO[bytes]


def _seal(secret_key: str, tender: Tender) -> Seal:
    return Seal(tender.id, tenders.data_key(secret_key, tender))


def _late(tender: Tender, received_at: datetime) -> Conflict:
    if tender.state == TenderState.CANCELLED:
        return Conflict("This tender was cancelled; it takes no bids.")
    if tender.state == TenderState.DRAFT:
        return Conflict("This tender is not published.")
    return Conflict("The bid deadline {deadline} has passed (the server received your bid at {received}); "
                    "nothing was stored.", deadline=_local(tender.bid_deadline), received=_local(received_at))


def _local(moment: datetime | None) -> str:
    return moment.astimezone(BUREAU_TZ).strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


def submit(session: Session, clock: Clock, storage: Storage, secret_key: str, user: CurrentUser, lot_id: int, *,
           price: Any,  # Any: the price as typed (text) or sent (a JSON number); rules.parse_price reads it
           bond_form: str | None, bond_reference: str | None, uploads: Sequence[Upload],
           received_at: datetime | None = None) -> Bid:
    """Submit or replace this company's bid on a lot. The server's clock at receipt decides."""
    received_at = received_at or clock()
    contractor = contractors.approved_of_user(session, user)
    lot = tenders.get_lot(session, clock, lot_id)
    tender = lot.tender
    if not accepts_bids(tender.state, tender.bid_deadline, received_at) or lot.state != LotState.ACTIVE:
        raise _late(tender, received_at)
    value, problem = parse_price(price)
    errors: list[dict[str, Any]] = []
    if problem:
        errors.append({"field": "price", "message": problem})
    form = (bond_form or "none").strip()
    if form not in BOND_FORMS:
        errors.append({"field": "bond_form", "message": "Use transfer, guarantee, insurance or none."})
    if not uploads:
        errors.append({"field": "documents", "message": "Attach the bid documents."})
    if len(uploads) > 20:
        errors.append({"field": "documents", "message": "At most 20 documents."})
    if errors:
        raise InvalidInput("The bid has errors; nothing was stored.", errors=errors)
    checked = [documents.check(u.fileobj, u.filename) for u in uploads]  # all checked before any is stored
    standing_problem(session, clock, tender, contractor.id, raise_if_excluded=True)

    seal = _seal(secret_key, tender)
    stored: list[Document] = []
    try:
        for upload in checked:
            stored.append(documents.store(session, clock, storage, upload.fileobj, upload.filename,
                                          uploaded_by_id=user.id, seal=seal, checked=upload))
        # Serialise with the clock-driven close: the tender row is locked while this bid lands.
        # FOR NO KEY UPDATE, because the Document rows above already hold FOR KEY SHARE on the
        # tender (their foreign key); FOR UPDATE would deadlock two bids doing the same.
        session.scalar(select(Tender).where(Tender.id == tender.id).with_for_update(key_share=True))
        session.refresh(tender)
        if tender.opened_at is not None or tender.settled_at is not None or tender.state == TenderState.CANCELLED \
                or tender.bid_deadline is None or not received_at < tender.bid_deadline:
            raise _late(tender, received_at)
        bid = session.scalar(select(Bid).where(Bid.lot_id == lot.id, Bid.contractor_id == contractor.id))
        replaced: list[Document] = []
        if bid is None:
            bid = Bid(lot_id=lot.id, contractor_id=contractor.id, version=1, receipt_hash="")
            session.add(bid)
        else:
            bid.version += 1
            replaced = [d.document for d in bid.documents]
            bid.documents.clear()
        bid.state, bid.received_at, bid.withdrawn_at = "submitted", received_at, None
        bid.sealed = crypto.seal_value(seal.data_key, {"price": str(value), "bond_form": form,
                                                       "bond_reference": (bond_reference or "").strip()[:128]},
                                       f"tender:{tender.id}:bid")
        bid.documents.extend(BidDocument(document_id=d.id, document=d, position=i) for i, d in enumerate(stored, start=1))
        session.flush()
        bid.receipt_hash = receipt_fingerprint(receipt_payload(bid, lot, tender, value, stored))
        for old in replaced:
            session.delete(old)
        audit.record(session, clock, user.actor, "bid.submit", "bid", bid.id, None,
                     {"lot": lot.id, "version": bid.version, "receipt": bid.receipt_hash})
        _seal_last_audit(session, tender.id)
        session.commit()
    except BaseException:
        session.rollback()
        for document in stored:
            _drop_blob(session, storage, document.storage_key)
        raise
    for old in replaced:
        _drop_blob(session, storage, old.storage_key)
    return bid


def _seal_last_audit(session: Session, tender_id: int) -> None:
    entry = session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert entry is not None
    entry.sealed_tender_id = tender_id


def _drop_blob(session: Session, storage: Storage, key: str) -> None:
    """Delete a blob no Document row points to any more (content addressing may share blobs)."""
    if session.scalar(select(Document.id).where(Document.storage_key == key).limit(1)) is None:
        storage.delete(key)


def receipt_payload(bid: Bid, lot: Lot, tender: Tender, price: Decimal | None, docs: Sequence[Document]) -> dict[str, Any]:
    return {
        "tender": tender.reference, "tender_version": tender.version, "lot": lot.number,
        "contractor": bid.contractor_id, "bid": bid.id, "version": bid.version,
        "received_at": bid.received_at.isoformat(), "price": str(price),
        "documents": [{"filename": d.filename, "size": d.size, "sha256": d.sha256} for d in docs],
    }


def withdraw(session: Session, clock: Clock, storage: Storage, user: CurrentUser, bid_id: int) -> Bid:
    bid = own_bid(session, user, bid_id)
    lot = tenders.get_lot(session, clock, bid.lot_id)
    now = clock()
    if bid.state != "submitted":
        raise Conflict("This bid is already withdrawn.")
    if not accepts_bids(lot.tender.state, lot.tender.bid_deadline, now):
        raise Conflict("The bid deadline has passed; a bid can no longer be withdrawn.")
    session.scalar(select(Tender).where(Tender.id == lot.tender_id).with_for_update(key_share=True))
    removed = [d.document for d in bid.documents]
    bid.documents.clear()
    bid.state, bid.withdrawn_at, bid.sealed = "withdrawn", now, None
    for document in removed:
        session.delete(document)
    audit.record(session, clock, user.actor, "bid.withdraw", "bid", bid.id, None, {"lot": lot.id})
    _seal_last_audit(session, lot.tender_id)
    session.commit()
    for document in removed:
        _drop_blob(session, storage, document.storage_key)
    return bid


def own_bid(session: Session, user: CurrentUser, bid_id: int) -> Bid:
    bid = session.get(Bid, bid_id, options=[selectinload(Bid.documents)])
    # Someone else's bid and a bid that does not exist get the same answer: no existence oracle.
    if bid is None or user.contractor_id is None or bid.contractor_id != user.contractor_id:
        raise NotFound("Bid {id} does not exist.", id=bid_id)
    return bid


class CommitteeSeat(ABC):
    """Whether this person sits on the lot's committee and has declared no conflict (the
    evaluation domain implements it; bidding only asks)."""

    @abstractmethod
    def __call__(self, session: Session, user: CurrentUser, lot_id: int) -> bool: ...


def _seated(session: Session, user: CurrentUser, lot_id: int, seat: CommitteeSeat | None) -> Callable[[], bool]:
    return lambda: seat is not None and seat(session, user, lot_id)


@dataclass(frozen=True)
class BidView:
    """A bid as one reader may see it."""

    bid: Bid
    lot: Lot
    price: Decimal | None  # None while sealed
    bond_form: str | None
    bond_reference: str | None
    bond_status: str


def my_bids(session: Session, clock: Clock, secret_key: str, user: CurrentUser, lot_ids: Iterable[int] | None = None,
            *, with_documents: bool = False) -> list[BidView]:
    """The company's own bids (on ``lot_ids`` when given); with their documents when asked (the
    API answers them, the pages do not)."""
    contractor = contractors.of_user(session, user)
    stmt = select(Bid).where(Bid.contractor_id == contractor.id)
    if lot_ids is not None:
        stmt = stmt.where(Bid.lot_id.in_(list(lot_ids)))
    if with_documents:
        stmt = stmt.options(selectinload(Bid.documents))
    bids = list(session.scalars(stmt.order_by(Bid.id)).unique())
    lots = tenders.lots_by_id(session, clock, [bid.lot_id for bid in bids])
    return [_view(secret_key, bid, lots[bid.lot_id]) for bid in bids]


def view_of_submitted(session: Session, secret_key: str, bid: Bid) -> BidView:
    """The view of the bid just submitted, from what this use case holds in memory: a second
    submission of the same company, committed a moment later in another process, may already
    have replaced it (and deleted its documents), so nothing of it is read again."""
    lot = session.get(Lot, bid.lot_id)
    assert lot is not None
    return _view(secret_key, bid, lot)


def _view(secret_key: str, bid: Bid, lot: Lot) -> BidView:
    if bid.price is not None or bid.sealed is None:
        return BidView(bid, lot, bid.price, bid.bond_form, bid.bond_reference,
                       bond_status(lot.bid_bond, bid.bond_form, bid.bond_reference))
    opened = crypto.open_value(tenders.data_key(secret_key, lot.tender), bid.sealed, f"tender:{lot.tender_id}:bid")
    return BidView(bid, lot, opened["price"], opened["bond_form"], opened["bond_reference"],
                   bond_status(lot.bid_bond, opened["bond_form"], opened["bond_reference"]))


def lot_bids(session: Session, clock: Clock, secret_key: str, user: CurrentUser, lot_id: int, *,
             seat: CommitteeSeat | None = None) -> list[BidView]:
    """A lot's bids as this reader may see them (accounts.policy.may_read_lot_bids): a company its
    own at any time; officers and the lot's declared committee members every bid once the lot
    was opened. ``seat`` is the evaluation domain's answer to "does this reader sit, declared?"."""
    lot = tenders.get_lot(session, clock, lot_id)
    if policy.acts_for_company(user):
        return my_bids(session, clock, secret_key, user, [lot_id], with_documents=True)
    if lot.opened_at is None:
        raise Forbidden("The bids of this lot are sealed: it was not opened (招标投标法 第22条、第36条).")
    if not policy.may_read_lot_bids(user, lot_opened=True, declared_member=_seated(session, user, lot.id, seat)):
        raise Forbidden("Only the officers and this lot's committee members who declared no conflict see its bids.")
    bids = session.scalars(select(Bid).where(Bid.lot_id == lot.id, Bid.state == "submitted")
                           .options(selectinload(Bid.documents)).order_by(Bid.id)).unique()
    return [_view(secret_key, bid, lot) for bid in bids]


def receipt(session: Session, clock: Clock, secret_key: str, user: CurrentUser, bid_id: int) -> dict[str, Any]:
    """The data of the bidder's receipt (回执)."""
    bid = own_bid(session, user, bid_id)
    if bid.state != "submitted":
        raise Conflict("A withdrawn bid has no receipt.")
    lot = tenders.get_lot(session, clock, bid.lot_id)
    view = _view(secret_key, bid, lot)
    docs = [d.document for d in bid.documents]
    payload = receipt_payload(bid, lot, lot.tender, view.price, docs)
    return {"bid": bid, "lot": lot, "tender": lot.tender, "contractor": bid.contractor, "price": view.price,
            "bond_form": view.bond_form, "bond_reference": view.bond_reference, "documents": docs,
            "fingerprint": bid.receipt_hash, "verified": receipt_fingerprint(payload) == bid.receipt_hash}


def document_content(session: Session, clock: Clock, storage: Storage, secret_key: str, user: CurrentUser,
                     bid_id: int, document_id: int, *, seat: CommitteeSeat | None = None) -> tuple[Document, Iterator[bytes]]:
    """A bid document's bytes, for whom ``accounts.policy.may_read_bid`` allows."""
    bid = session.get(Bid, bid_id, options=[selectinload(Bid.documents)])
    if bid is None:
        raise NotFound("Bid {id} does not exist.", id=bid_id)
    lot = tenders.get_lot(session, clock, bid.lot_id)
    if not policy.may_read_bid(user, bidder_id=bid.contractor_id, lot_opened=lot.opened_at is not None,
                               declared_member=_seated(session, user, lot.id, seat)):
        raise NotFound("Bid {id} does not exist.", id=bid_id)
    link = next((d for d in bid.documents if d.document_id == document_id), None)
    if link is None:
        raise NotFound("Document {id} does not exist.", id=document_id)
    return link.document, documents.read(storage, link.document, _seal(secret_key, lot.tender))


# --- opening (开标) ---------------------------------------------------------------------------


def open_bids(session: Session, clock: Clock, secret_key: str, actor_user: CurrentUser, tender_id: int) -> OpeningRecord:
    """Unseal the bids of every lot that has enough of them and publish the opening record."""
    tender = tenders.get(session, clock, tender_id, lock=True)
    now = clock()
    if tender.state == TenderState.CANCELLED:
        raise Conflict("This tender was cancelled.")
    if tender.opened_at is not None:
        raise Conflict("The bids of this tender are already open.")
    if tender.bid_deadline is None or not bidding_closed(tender.bid_deadline, now):
        raise Conflict("Bids cannot be opened before the bid deadline {deadline}.", deadline=_local(tender.bid_deadline))
    if tender.settled_at is None or not settled(tender.bid_deadline, now):
        raise Conflict("Bids received just before the deadline are still being stored; open from {time}.",
                       time=_local(tender.bid_deadline + SETTLING_TIME))
    seal = _seal(secret_key, tender)
    record: dict[str, Any] = {"tender": tender.reference, "title": tender.title, "version": tender.version,
                              "bid_deadline": tender.bid_deadline.isoformat(), "opened_at": now.isoformat(), "lots": []}
    any_open = False
    for lot in tender.lots:
        entry: dict[str, Any] = {"number": lot.number, "title": lot.title, "state": lot.state,
                                 "ceiling_price": str(lot.ceiling_price), "bid_bond": str(lot.bid_bond), "bids": []}
        bids = list(session.scalars(select(Bid).where(Bid.lot_id == lot.id, Bid.state == "submitted")
                                    .order_by(Bid.received_at, Bid.id)).unique())
        if lot.state == LotState.ACTIVE:
            any_open = True
            lot.opened_at = now
            for bid in bids:
                opened = crypto.open_value(seal.data_key, bid.sealed or "", f"tender:{tender.id}:bid")
                bid.price = Decimal(opened["price"])
                bid.bond_form, bid.bond_reference = opened["bond_form"], opened["bond_reference"] or None
                entry["bids"].append({
                    "bid": bid.id, "contractor": bid.contractor.company_name, "uscc": bid.contractor.uscc,
                    "sme": bid.contractor.sme, "price": str(bid.price), "received_at": bid.received_at.isoformat(),
                    "bond": bond_status(lot.bid_bond, bid.bond_form, bid.bond_reference),
                    "documents": [{"filename": d.document.filename, "size": d.document.size,
                                   "sha256": d.document.sha256} for d in bid.documents],
                })
        else:
            entry["bid_count"] = len(bids)  # 流标 lots are not opened; the count is public after the deadline
        record["lots"].append(entry)
    tender.opened_at = now
    if any_open:
        tender.state = TenderState.EVALUATING
    digest = hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    opening = OpeningRecord(tender_id=tender.id, opened_at=now, opened_by_id=actor_user.id, record=record, sha256=digest)
    session.add(opening)
    audit.record(session, clock, actor_user.actor, "tender.open", "tender", tender.id, None,
                 {"opening_record": digest, "state": tender.state})
    session.commit()
    return opening


def opening_record(session: Session, tender_id: int) -> OpeningRecord | None:
    return session.scalar(select(OpeningRecord).where(OpeningRecord.tender_id == tender_id))



def tender_id_of(session: Session, bid: Bid) -> int:
    lot = session.get(Lot, bid.lot_id)
    assert lot is not None
    return lot.tender_id


class Standing(Protocol):
    """A company's scorecard standing (A–D) and its points over the last 12 months (None: too
    little history to rate)."""

    @property
    def standing(self) -> str | None: ...

    @property
    def total(self) -> Decimal | None: ...


#: The scorecard of a company (reports provides it: the scorecard reads inspections, cases and
#: payments, all later than bidding in the dependency order).
company_standing: Port[[Session, Clock, int], Standing | None] = Port("bidding.company_standing")


def standing_problem(session: Session, clock: Clock, tender: Tender, contractor_id: int, *,
                     raise_if_excluded: bool = False) -> str | None:
    """The tender's rule on D-standing bidders (reports.rules.scorecard): a warning to show, or a refusal."""
    if tender.standing_rule == "off":
        return None
    card = company_standing(session, clock, contractor_id)
    if card is None or card.standing != "D":
        return None
    if tender.standing_rule == "exclude" and raise_if_excluded:
        raise Forbidden("Your company's scorecard standing is D ({total} points over the last 12 months): this tender "
                        "excludes D-standing bidders.", total=card.total)
    return "warn" if tender.standing_rule == "warn" else "exclude"


# --- what tendering asks of bids (its ports; tendering comes first) ---------------------------


@tenders.bidder_companies.provide
def _bidder_companies(lot_ids: list[int]) -> Select[int]:
    return select(Bid.contractor_id).where(Bid.lot_id.in_(lot_ids), Bid.state == "submitted")


@tenders.bid_counts.provide
def _bid_counts(session: Session, lot_ids: list[int]) -> dict[int, int]:
    rows = session.execute(select(Bid.lot_id, func.count()).where(Bid.lot_id.in_(lot_ids), Bid.state == "submitted")
                           .group_by(Bid.lot_id))
    return {lot_id: n for lot_id, n in rows}


@tenders.tender_page_panels.handler
def _tender_page_panel(session: Session, clock: Clock, viewer: tenders.PageViewer, tender: Tender) -> dict[str, Any]:
    """On the tender page: the opening record; for a company, its own bids and its standing."""
    panel: dict[str, Any] = {"opening": opening_record(session, tender.id)}
    user = viewer.user
    if user is not None and policy.acts_for_company(user) and user.contractor_id is not None:
        panel["company"] = contractors.of_user(session, user)
        panel["standing"] = standing_problem(session, clock, tender, user.contractor_id)
        if panel["standing"]:
            panel["card"] = company_standing(session, clock, user.contractor_id)
        mine = my_bids(session, clock, viewer.secret_key, user, [lot.id for lot in tender.lots])
        panel["my_bids"] = {v.bid.lot_id: v for v in mine}
    return panel


def opening_page(session: Session, clock: Clock, user: CurrentUser | None, tender_id: int) -> dict[str, Any]:
    """The published opening record (开标记录) of a tender: 404 until the opening, and for a draft."""
    tender = tenders.visible(user, tenders.get(session, clock, tender_id))
    record = opening_record(session, tender_id)
    if record is None:
        raise NotFound("The bids of this tender have not been opened yet.")
    return {"tender": tender, "opening": record}
