"""Sealed bidding (DESIGN §4.2): submit, replace, withdraw, receipts, and the opening (开标).

Before the opening nobody but the bidder can learn a bid's price, documents or company
(招标投标法 第22条): the bidder's browser sealed them to the tender's opening officials, k of n
(bidding.sealing), and the server holds nothing that opens them. The opening happens when the
k-th official presents the shares their own device decrypted; every reader below checks who asks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import contextmanager

import hashlib
import hmac
import io
import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import IO, Any, Protocol

from sqlalchemy import ColumnElement, Select, and_, delete, func, or_, select
from sqlalchemy.orm import Session, selectinload

from procure.accounts import policy
from procure.accounts import services as accounts
from procure.accounts.models import OpeningKey
from procure.accounts.rules import Role
from procure.accounts.services import CurrentUser
from procure.audit import services as audit
from procure.audit.models import AuditEntry
from procure.audit.services import Actor
from procure.bidding import sealing
from procure.bidding.models import Bid, BidDocument, OpeningRecord, OpeningShare
from procure.bidding.rules import (BOND_FORMS, REVOKED_DOCUMENT_COUNT, REVOKED_DOCUMENT_DECRYPT,
                                   REVOKED_DOCUMENT_MISMATCH, REVOKED_DOCUMENT_TYPE, REVOKED_PRICE,
                                   REVOKED_STORAGE, REVOKED_UNDECRYPTABLE, REVOKED_WRONG_BIDDER, BidState, bidder_tag, bond_status,
                                   parse_price, receipt_fingerprint)
from procure.bidding.sealing import SealError
from procure.kernel.i18n import N_
from procure.kernel.clock import BUREAU_TZ, Clock
from procure.contractors import services as contractors
from procure.contractors.models import Contractor
from procure.documents import services as documents
from procure.documents.models import Document
from procure.documents.services import MAX_DOCUMENT_BYTES
from procure.documents.storage import Storage
from procure.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, ProcureError
from procure.kernel.hooks import Port
from procure.tendering import services as tenders
from procure.tendering.models import Lot, OpeningHolder, Tender
from procure.tendering.rules import MIN_BIDS, SETTLING_TIME, LotState, TenderState, accepts_bids, bidding_closed, settled


@dataclass(frozen=True)
class Upload:
    filename: str
    fileobj: IO[bytes]


#: Who is named in the audit trail for a bid before its opening: the company stays sealed
#: (招标投标法 第22条); the opening's own entry links each bid to its company.
SEALED_BIDDER = Actor(None, "sealed bidder")


def _late(tender: Tender, received_at: datetime) -> Conflict:
    if tender.state == TenderState.CANCELLED:
        return Conflict("This tender was cancelled; it takes no bids.")
    if tender.state == TenderState.DRAFT:
        return Conflict("This tender is not published.")
    return Conflict("The bid deadline {deadline} has passed (the server received your bid at {received}); "
                    "nothing was stored.", deadline=_local(tender.bid_deadline), received=_local(received_at))


def _local(moment: datetime | None) -> str:
    return moment.astimezone(BUREAU_TZ).strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


def _refused(exc: SealError, field: str = "envelope") -> InvalidInput:
    return InvalidInput("The sealed bid was refused; nothing was stored.",
                        errors=[{"field": field, "message": exc.reason, "params": exc.params}])


def check_envelope(tender: Tender, lot: Lot, text: object, upload_count: int) -> sealing.Envelope:
    """What the server can check of a sealed bid without opening it: its shape, that it was made
    for this lot, to this tender's officials with this k, and with as many documents as uploaded."""
    try:
        envelope = sealing.parse_envelope(text, max_document_bytes=MAX_DOCUMENT_BYTES)
    except SealError as exc:
        raise _refused(exc) from None
    if (envelope.tender_id, envelope.lot_id) != (tender.id, lot.id):
        raise _refused(SealError("The envelope was sealed for another tender or lot."))
    if envelope.threshold != tender.opening_threshold or set(envelope.shares) != {h.user_id for h in tender.holders}:
        raise _refused(SealError("The envelope was not sealed to this tender's opening officials (reload the page "
                                 "and seal again)."))
    if not envelope.documents:
        raise _refused(SealError("Attach the bid documents."), "documents")
    if len(envelope.documents) != upload_count:
        raise _refused(SealError("The envelope lists {listed} documents but {sent} were uploaded.",
                                 listed=len(envelope.documents), sent=upload_count), "documents")
    return envelope


def submit(session: Session, clock: Clock, storage: Storage, index_key: bytes, user: CurrentUser, lot_id: int, *,
           envelope: object, uploads: Sequence[Upload], received_at: datetime | None = None) -> Bid:
    """Submit or replace this company's sealed bid on a lot. The server's clock at receipt decides.

    ``envelope`` is the JSON text the bidder's browser (or ``procure seal-bid``) made and
    ``uploads`` the documents' ciphertexts, in the envelope's order (bidding.sealing)."""
    received_at = received_at or clock()
    contractor = contractors.approved_of_user(session, user)
    lot = tenders.get_lot(session, clock, lot_id)
    tender = lot.tender
    if not accepts_bids(tender.state, tender.bid_deadline, received_at) or lot.state != LotState.ACTIVE:
        raise _late(tender, received_at)
    sealed = check_envelope(tender, lot, envelope, len(uploads))  # at most 20 documents, as many as uploaded
    standing_problem(session, clock, tender, contractor.id, raise_if_excluded=True)
    tag = bidder_tag(index_key, lot.id, contractor.id)

    stored: list[Document] = []
    replaced: list[Document] = []
    with _committing(session, storage, stored, replaced):
        for position, (upload, (size, digest)) in enumerate(zip(uploads, sealed.documents, strict=True), start=1):
            document = documents.store_sealed(session, clock, storage, upload.fileobj, tender_id=tender.id,
                                              position=position, max_bytes=MAX_DOCUMENT_BYTES + 28)
            stored.append(document)
            if (document.size, document.sha256) != (size, digest):
                raise _refused(SealError("Document {index} is not the ciphertext the envelope lists (it was changed "
                                         "on the way).", index=position), "documents")
        # Serialise with the clock-driven close: the tender row is locked while this bid lands.
        # FOR NO KEY UPDATE, because the Document rows above already hold FOR KEY SHARE on the
        # tender (their foreign key); FOR UPDATE would deadlock two bids doing the same.
        session.scalar(select(Tender).where(Tender.id == tender.id).with_for_update(key_share=True))
        session.refresh(tender)
        if tender.opened_at is not None or tender.settled_at is not None or tender.state == TenderState.CANCELLED \
                or tender.bid_deadline is None or not received_at < tender.bid_deadline:
            raise _late(tender, received_at)
        bid = session.scalar(select(Bid).where(Bid.lot_id == lot.id, Bid.bidder_tag == tag))
        if bid is None:
            bid = Bid(lot_id=lot.id, bidder_tag=tag, version=1, receipt_hash="")
            session.add(bid)
        else:
            bid.version += 1
            replaced.extend(d.document for d in bid.documents)
            bid.documents.clear()
        bid.state, bid.received_at, bid.withdrawn_at = BidState.SUBMITTED, received_at, None
        bid.envelope = sealed.text
        bid.documents.extend(BidDocument(document_id=d.id, document=d, position=i) for i, d in enumerate(stored, start=1))
        session.flush()
        bid.receipt = receipt_payload(bid, lot, tender, stored)
        bid.receipt_hash = receipt_fingerprint(bid.receipt)
        for old in replaced:
            session.delete(old)
        audit.record(session, clock, SEALED_BIDDER, "bid.submit", "bid", bid.id, None,
                     {"lot": lot.id, "version": bid.version, "receipt": bid.receipt_hash}, sealed_tender_id=tender.id)
    return bid


@contextmanager
def _committing(session: Session, storage: Storage, added: list[Document], dropped: list[Document]) -> Iterator[None]:
    """Commit what the block did. On failure roll back and delete the blobs it ``added``; after the
    commit delete the blobs of the rows it ``dropped`` (blobs are files, outside the transaction)."""
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        for document in added:
            _drop_blob(session, storage, document.storage_key)
        raise
    for document in dropped:
        _drop_blob(session, storage, document.storage_key)


def _drop_blob(session: Session, storage: Storage, key: str) -> None:
    """Delete a blob no Document row points to any more (content addressing may share blobs)."""
    if session.scalar(select(Document.id).where(Document.storage_key == key).limit(1)) is None:
        storage.delete(key)


def envelope_sha256(bid: Bid) -> str | None:
    return hashlib.sha256(bid.envelope.encode()).hexdigest() if bid.envelope else None


def receipt_payload(bid: Bid, lot: Lot, tender: Tender, docs: Sequence[Document]) -> dict[str, Any]:
    """What the receipt (回执) proves the server received: the ciphertexts' SHA-256 and the server
    time (the server cannot know the price or the documents before the opening)."""
    return {
        "tender": tender.reference, "tender_version": tender.version, "lot": lot.number,
        "bid": bid.id, "version": bid.version, "received_at": bid.received_at.isoformat(),
        "envelope_sha256": envelope_sha256(bid),
        "documents": [{"position": i, "size": d.size, "sha256": d.sha256} for i, d in enumerate(docs, start=1)],
    }


def withdraw(session: Session, clock: Clock, storage: Storage, index_key: bytes, user: CurrentUser, bid_id: int) -> Bid:
    bid = own_bid(session, index_key, user, bid_id)
    lot = tenders.get_lot(session, clock, bid.lot_id)
    now = clock()
    if bid.state != BidState.SUBMITTED:
        raise Conflict("This bid is already withdrawn.")
    if not accepts_bids(lot.tender.state, lot.tender.bid_deadline, now):
        raise Conflict("The bid deadline has passed; a bid can no longer be withdrawn.")
    session.scalar(select(Tender).where(Tender.id == lot.tender_id).with_for_update(key_share=True))
    removed = [d.document for d in bid.documents]
    bid.documents.clear()
    bid.state, bid.withdrawn_at, bid.envelope = BidState.WITHDRAWN, now, None
    for document in removed:
        session.delete(document)
    with _committing(session, storage, [], removed):
        audit.record(session, clock, SEALED_BIDDER, "bid.withdraw", "bid", bid.id, None, {"lot": lot.id},
                     sealed_tender_id=lot.tender_id)
    return bid


def _owns(index_key: bytes, user: CurrentUser, bid: Bid) -> bool:
    if user.contractor_id is None:
        return False
    if bid.contractor_id is not None:
        return bid.contractor_id == user.contractor_id
    return hmac.compare_digest(bid.bidder_tag, bidder_tag(index_key, bid.lot_id, user.contractor_id))


def own_bid(session: Session, index_key: bytes, user: CurrentUser, bid_id: int) -> Bid:
    bid = session.get(Bid, bid_id, options=[selectinload(Bid.documents)])
    # Someone else's bid and a bid that does not exist get the same answer: no existence oracle.
    if bid is None or not _owns(index_key, user, bid):
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
    bond_status: str | None  # None while sealed

    @property
    def sealed(self) -> bool:
        return self.bid.state == BidState.SUBMITTED and self.bid.price is None


def _my_bid_filter(session: Session, index_key: bytes, contractor_id: int, lot_ids: list[int] | None) -> ColumnElement[bool]:
    """This company's bids: by company once opened, by blind index while sealed (a tag per lot
    that still has sealed bids, computed here: the database cannot match a company to a tag)."""
    sealed_lots = select(Bid.lot_id).where(Bid.contractor_id.is_(None)).distinct()
    if lot_ids is not None:
        sealed_lots = sealed_lots.where(Bid.lot_id.in_(lot_ids))
    tags = [bidder_tag(index_key, lot_id, contractor_id) for lot_id in session.scalars(sealed_lots)]
    mine = or_(Bid.contractor_id == contractor_id, Bid.bidder_tag.in_(tags)) if tags else Bid.contractor_id == contractor_id
    return and_(mine, Bid.lot_id.in_(lot_ids)) if lot_ids is not None else mine


def my_bids(session: Session, clock: Clock, index_key: bytes, user: CurrentUser, lot_ids: Iterable[int] | None = None,
            *, with_documents: bool = False) -> list[BidView]:
    """The company's own bids (on ``lot_ids`` when given); with their documents when asked (the
    API answers them, the pages do not)."""
    contractor = contractors.of_user(session, user)
    stmt = select(Bid).where(_my_bid_filter(session, index_key, contractor.id,
                                            list(lot_ids) if lot_ids is not None else None))
    if with_documents:
        stmt = stmt.options(selectinload(Bid.documents))
    bids = list(session.scalars(stmt.order_by(Bid.id)).unique())
    lots = tenders.lots_by_id(session, clock, [bid.lot_id for bid in bids])
    return [_view(bid, lots[bid.lot_id]) for bid in bids]


def view_of_submitted(session: Session, bid: Bid) -> BidView:
    """The view of the bid just submitted, from what this use case holds in memory: a second
    submission of the same company, committed a moment later in another process, may already
    have replaced it (and deleted its documents), so nothing of it is read again."""
    lot = session.get(Lot, bid.lot_id)
    assert lot is not None
    return _view(bid, lot)


def _view(bid: Bid, lot: Lot) -> BidView:
    if bid.price is None:
        return BidView(bid, lot, None, None, None, None)
    return BidView(bid, lot, bid.price, bid.bond_form, bid.bond_reference,
                   bond_status(lot.bid_bond, bid.bond_form, bid.bond_reference))


def lot_bids(session: Session, clock: Clock, index_key: bytes, user: CurrentUser, lot_id: int, *,
             seat: CommitteeSeat | None = None) -> list[BidView]:
    """A lot's bids as this reader may see them (accounts.policy.may_read_lot_bids): a company its
    own at any time; officers and the lot's declared committee members every valid bid once the
    lot was opened. ``seat`` is the evaluation domain's answer to "does this reader sit, declared?"."""
    lot = tenders.get_lot(session, clock, lot_id)
    if policy.acts_for_company(user):
        return my_bids(session, clock, index_key, user, [lot_id], with_documents=True)
    if lot.opened_at is None:
        raise Forbidden("The bids of this lot are sealed: it was not opened (招标投标法 第22条、第36条).")
    if not policy.may_read_lot_bids(user, lot_opened=True, declared_member=_seated(session, user, lot.id, seat)):
        raise Forbidden("Only the officers and this lot's committee members who declared no conflict see its bids.")
    bids = session.scalars(select(Bid).where(Bid.lot_id == lot.id, Bid.state == BidState.SUBMITTED)
                           .options(selectinload(Bid.documents)).order_by(Bid.id)).unique()
    return [_view(bid, lot) for bid in bids]


def receipt(session: Session, clock: Clock, index_key: bytes, user: CurrentUser, bid_id: int) -> dict[str, Any]:
    """The data of the bidder's receipt (回执)."""
    bid = own_bid(session, index_key, user, bid_id)
    if bid.state != BidState.SUBMITTED:
        raise Conflict("A withdrawn bid has no receipt.")
    lot = tenders.get_lot(session, clock, bid.lot_id)
    payload = bid.receipt or {}
    return {"bid": bid, "lot": lot, "tender": lot.tender, "contractor": contractors.of_user(session, user),
            "envelope_sha256": payload.get("envelope_sha256"), "documents": payload.get("documents", []),
            "fingerprint": bid.receipt_hash, "verified": receipt_fingerprint(payload) == bid.receipt_hash,
            "holders": lot.tender.holders, "threshold": lot.tender.opening_threshold}


def document_content(session: Session, clock: Clock, storage: Storage, index_key: bytes, user: CurrentUser,
                     bid_id: int, document_id: int, *, seat: CommitteeSeat | None = None) -> tuple[Document, Iterator[bytes]]:
    """A bid document's bytes, for whom ``accounts.policy.may_read_bid`` allows (its bidder gets
    the ciphertext while sealed, as uploaded)."""
    bid = session.get(Bid, bid_id, options=[selectinload(Bid.documents)])
    if bid is None:
        raise NotFound("Bid {id} does not exist.", id=bid_id)
    lot = tenders.get_lot(session, clock, bid.lot_id)
    owner = bid.contractor_id if bid.contractor_id is not None else (
        user.contractor_id if _owns(index_key, user, bid) and user.contractor_id is not None else -1)
    if not policy.may_read_bid(user, bidder_id=owner, lot_opened=lot.opened_at is not None,
                               declared_member=_seated(session, user, lot.id, seat)):
        raise NotFound("Bid {id} does not exist.", id=bid_id)
    link = next((d for d in bid.documents if d.document_id == document_id), None)
    if link is None:
        raise NotFound("Document {id} does not exist.", id=document_id)
    return link.document, documents.read(storage, link.document)


# --- opening (开标): k officials present their shares ----------------------------------------


def _openable(session: Session, clock: Clock, tender_id: int, *, lock: bool = False) -> tuple[Tender, datetime]:
    tender = tenders.get(session, clock, tender_id, lock=lock)
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
    return tender, now


def _holder(tender: Tender, user: CurrentUser) -> OpeningHolder:
    holder = next((h for h in tender.holders if h.user_id == user.id), None)
    if holder is None:
        raise Forbidden("You are not one of this tender's opening officials.")
    return holder


def _bids_to_open(session: Session, tender: Tender) -> list[Bid]:
    active = [lot.id for lot in tender.lots if lot.state == LotState.ACTIVE]
    if not active:
        return []
    return list(session.scalars(select(Bid).where(Bid.lot_id.in_(active), Bid.state == BidState.SUBMITTED)
                                .options(selectinload(Bid.documents)).order_by(Bid.received_at, Bid.id)).unique())


def _presenters(session: Session, tender_id: int) -> set[int]:
    """The officials who have presented at this tender's opening, from the audit trail (a lot with
    no bid asks for no share, yet the presentation counts)."""
    return {actor for actor in session.scalars(
        select(AuditEntry.actor_id).where(AuditEntry.action == "opening.present", AuditEntry.entity == "tender",
                                          AuditEntry.entity_id == str(tender_id)).distinct()) if actor is not None}


def my_shares(session: Session, clock: Clock, user: CurrentUser, tender_id: int) -> dict[str, Any]:
    """The shares sealed to this official, still encrypted, for their own device to decrypt."""
    holder = _holder(tenders.get(session, clock, tender_id), user)  # who asks, before when
    tender, _ = _openable(session, clock, tender_id)
    bids = []
    for bid in _bids_to_open(session, tender):
        envelope = json.loads(bid.envelope or "{}")
        share = next((s for s in envelope.get("shares", []) if s.get("holder") == user.id), None)
        if share is not None:
            bids.append({"bid": bid.id, "lot": bid.lot_id, "context": sealing.context(tender.id, bid.lot_id),
                         "share": {k: share[k] for k in ("epk", "nonce", "ciphertext")}})
    return {"tender": tender.id, "holder": user.id, "fingerprint": holder.fingerprint, "public_key": holder.public_key,
            "bids": bids}


@dataclass(frozen=True)
class Presented:
    """Where the opening stands after a presentation: how many of k, and the record once open."""

    presented: int
    threshold: int
    opening: OpeningRecord | None


def present_shares(session: Session, clock: Clock, storage: Storage, index_key: bytes, user: CurrentUser,
                   tender_id: int, shares: Mapping[Any, Any]) -> Presented:
    """An opening official presents the shares their device decrypted (bid id → base64). Fewer than
    k officials open nothing; the k-th opens every bid (电子招标投标办法 第29条) and no share is kept."""
    holder = _holder(tenders.get(session, clock, tender_id), user)  # who asks, before when
    tender, now = _openable(session, clock, tender_id, lock=True)
    assert tender.opening_threshold is not None  # every published tender has its officials
    already = _presenters(session, tender.id)
    if holder.user_id in already:
        raise Conflict("You have already presented your shares; {count} of {k} officials have.",
                       count=len(already), k=tender.opening_threshold)
    bids = {bid.id: bid for bid in _bids_to_open(session, tender)}
    given: dict[int, bytes] = {}
    for key, value in (shares or {}).items():
        try:
            bid_id = int(key)
            given[bid_id] = sealing.unb64(value, length=sealing.SHARE_BYTES, what="share")
        except (SealError, ValueError, TypeError, OverflowError):
            raise InvalidInput("A share is malformed; nothing was kept.",
                               errors=[{"field": f"shares.{key}"[:64], "message": "A base64 share of 33 bytes."}]) from None
        if bid_id not in bids:
            raise InvalidInput("A share names a bid this opening does not open; nothing was kept.")
        # The bidder's browser committed to each official's share: a wrong one is refused here, so
        # no official can void a bid by presenting garbage (a missing share is the bidder's doing).
        promised = next((s["commitment"] for s in json.loads(bids[bid_id].envelope or "{}").get("shares", [])
                         if s.get("holder") == user.id), None)
        ctx = sealing.context(tender.id, bids[bid_id].lot_id)
        if promised is None or not hmac.compare_digest(promised, sealing.commitment(ctx, user.id, given[bid_id])):
            raise InvalidInput("A share does not match the one sealed to you; nothing was kept.",
                               errors=[{"field": f"shares.{bid_id}", "message": "Not the share sealed to you."}])
    session.add_all(OpeningShare(tender_id=tender.id, bid_id=bid_id, holder_id=user.id, share=sealing.b64(raw),
                                 presented_at=now) for bid_id, raw in given.items())
    digest = hashlib.sha256(b"".join(given[b] for b in sorted(given))).hexdigest()
    audit.record(session, clock, user.actor, "opening.present", "tender", tender.id, None,
                 {"holder": holder.position, "fingerprint": holder.fingerprint, "bids": len(given), "shares_sha256": digest})
    presented = len(already) + 1
    if presented < tender.opening_threshold:
        session.commit()
        return Presented(presented, tender.opening_threshold, None)
    return Presented(presented, tender.opening_threshold,
                     _open(session, clock, storage, index_key, user, tender, list(bids.values()), now))


def _data_key(ctx: str, envelope: sealing.Envelope, shares: list[bytes], k: int) -> bytes | None:
    """K from any k of the presented shares that open the manifest (a wrong share among more
    than k is passed over)."""
    for chosen in itertools.combinations(shares, k):
        try:
            key = sealing.combine(chosen)
            sealing.open_manifest(key, ctx, envelope.manifest)
            return key
        except SealError:
            continue
    return None


@dataclass
class _Opened:
    contractor_id: int | None = None
    reason: dict[str, Any] | None = None
    plain: list[tuple[bytes, dict[str, Any]]] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)
    price: Decimal | None = None


def _unseal(storage: Storage, index_key: bytes, tender: Tender, bid: Bid, shares: list[bytes]) -> _Opened:
    """Open one bid and check it against what the bidder's browser declared (DESIGN §4.2)."""
    ctx = sealing.context(tender.id, bid.lot_id)
    envelope = sealing.parse_envelope(bid.envelope, max_document_bytes=MAX_DOCUMENT_BYTES)
    key = _data_key(ctx, envelope, shares, tender.opening_threshold or 2)
    if key is None:
        return _Opened(reason={"message": REVOKED_UNDECRYPTABLE, "params": {}})
    manifest = sealing.open_manifest(key, ctx, envelope.manifest)
    contractor = manifest.get("contractor")
    if not isinstance(contractor, int) or not hmac.compare_digest(bidder_tag(index_key, bid.lot_id, contractor),
                                                                  bid.bidder_tag):
        return _Opened(reason={"message": REVOKED_WRONG_BIDDER, "params": {}})
    opened = _Opened(contractor_id=contractor, manifest=manifest)
    value, problem = parse_price(manifest.get("price"))
    opened.price = value
    if problem or manifest.get("bond_form") not in BOND_FORMS:
        opened.reason = {"message": REVOKED_PRICE, "params": {"detail": problem or "bond_form"}}
        return opened
    declared = manifest.get("documents")
    if not isinstance(declared, list) or len(declared) != len(bid.documents):
        opened.reason = {"message": REVOKED_DOCUMENT_COUNT, "params": {}}
        return opened
    for index, (link, said) in enumerate(zip(bid.documents, declared), start=1):
        blob = documents.read_all(storage, link.document)
        if (len(blob), sealing.sha256_hex(blob)) != envelope.documents[index - 1]:
            # Not what the bidder's receipt names: changed at rest, not by the bidder.
            opened.reason = {"message": REVOKED_STORAGE, "params": {"index": index}}
            return opened
        try:
            plain = sealing.open_document(key, ctx, index, blob)
        except SealError:
            opened.reason = {"message": REVOKED_DOCUMENT_DECRYPT, "params": {"index": index}}
            return opened
        if not isinstance(said, dict) or said.get("sha256") != sealing.sha256_hex(plain) or said.get("size") != len(plain):
            opened.reason = {"message": REVOKED_DOCUMENT_MISMATCH, "params": {"index": index}}
            return opened
        try:
            checked = documents.check(io.BytesIO(plain), str(said.get("filename") or f"document-{index}"))
        except ProcureError:
            opened.reason = {"message": REVOKED_DOCUMENT_TYPE, "params": {"index": index}}
            return opened
        opened.plain.append((plain, {"filename": checked.filename, "kind": checked.kind}))
    return opened


def _open(session: Session, clock: Clock, storage: Storage, index_key: bytes, actor_user: CurrentUser, tender: Tender,
          bids: list[Bid], now: datetime) -> OpeningRecord:
    """Unseal every bid of every lot that has enough of them, publish the opening record, and
    delete every share presented: no key material outlives the opening."""
    presented = list(session.scalars(select(OpeningShare).where(OpeningShare.tender_id == tender.id)
                                     .order_by(OpeningShare.id)))
    by_bid: dict[int, list[bytes]] = {}
    for row in presented:
        by_bid.setdefault(row.bid_id, []).append(sealing.unb64(row.share))
    presenters = sorted(_presenters(session, tender.id))
    record: dict[str, Any] = {
        "tender": tender.reference, "title": tender.title, "version": tender.version,
        "bid_deadline": tender.bid_deadline.isoformat() if tender.bid_deadline else None, "opened_at": now.isoformat(),
        "threshold": tender.opening_threshold,
        "officials": [{"name": h.display_name, "fingerprint": h.fingerprint} for h in tender.holders
                      if h.user_id in presenters],
        "lots": []}
    stored: list[Document] = []
    sealed_docs: list[Document] = []
    identities: dict[int, int | None] = {}
    any_open = False
    with _committing(session, storage, stored, sealed_docs):
        for lot in tender.lots:
            entry: dict[str, Any] = {"number": lot.number, "title": lot.title, "state": lot.state,
                                     "ceiling_price": str(lot.ceiling_price), "bid_bond": str(lot.bid_bond), "bids": []}
            if lot.state != LotState.ACTIVE:
                # 流标 lots are not opened; the count is public after the deadline
                entry["bid_count"] = session.scalar(select(func.count()).select_from(Bid).where(
                    Bid.lot_id == lot.id, Bid.state == BidState.SUBMITTED))
                record["lots"].append(entry)
                continue
            any_open = True
            lot.opened_at = now
            for bid in (b for b in bids if b.lot_id == lot.id):
                opened = _unseal(storage, index_key, tender, bid, by_bid.get(bid.id, []))
                identities[bid.id] = opened.contractor_id
                company = session.get(Contractor, opened.contractor_id) if opened.contractor_id else None
                if company is not None:
                    bid.contractor = company  # the object, not only the id: the session has it as None
                ciphertexts = [{"sha256": d.document.sha256, "size": d.document.size} for d in bid.documents]
                if opened.reason is not None:
                    bid.state, bid.revoked_reason = BidState.REVOKED, opened.reason
                    entry.setdefault("revoked", []).append({
                        "bid": bid.id, "contractor": company.company_name if company else None,
                        "received_at": bid.received_at.isoformat(), "reason": opened.reason,
                        "envelope_sha256": envelope_sha256(bid)})
                    continue
                manifest = opened.manifest
                assert opened.price is not None  # _unseal checked it
                bid.price = opened.price
                bid.bond_form = manifest["bond_form"]
                bid.bond_reference = (str(manifest.get("bond_reference") or "").strip()[:128]) or None
                sealed_docs.extend(d.document for d in bid.documents)
                bid.documents.clear()
                for position, (plain, meta) in enumerate(opened.plain, start=1):
                    document = documents.store(session, clock, storage, io.BytesIO(plain), meta["filename"],
                                               uploaded_by_id=None)
                    stored.append(document)
                    bid.documents.append(BidDocument(document_id=document.id, document=document, position=position))
                session.flush()
                assert company is not None  # the blind index matched: the company that submitted it
                entry["bids"].append({
                    "bid": bid.id, "contractor": company.company_name, "uscc": company.uscc,
                    "sme": company.sme, "price": str(bid.price), "received_at": bid.received_at.isoformat(),
                    "bond": bond_status(lot.bid_bond, bid.bond_form, bid.bond_reference),
                    "envelope_sha256": envelope_sha256(bid),
                    "documents": [{"filename": d.document.filename, "size": d.document.size,
                                   "sha256": d.document.sha256, "sealed": c}
                                  for d, c in zip(bid.documents, ciphertexts)],
                })
            if len(entry["bids"]) < MIN_BIDS:
                # 政府采购法 第36条: fewer than three valid bids once opened — the lot fails (废标).
                lot.state = LotState.UNSUCCESSFUL
                entry["state"] = lot.state
            record["lots"].append(entry)
        for document in sealed_docs:
            session.delete(document)
        session.execute(delete(OpeningShare).where(OpeningShare.tender_id == tender.id))
        tender.opened_at = now
        if any_open and any(lot.state == LotState.ACTIVE for lot in tender.lots):
            tender.state = TenderState.EVALUATING
        digest = hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        opening = OpeningRecord(tender_id=tender.id, opened_at=now, opened_by_id=actor_user.id, record=record, sha256=digest)
        session.add(opening)
        audit.record(session, clock, actor_user.actor, "tender.open", "tender", tender.id, None,
                     {"opening_record": digest, "state": tender.state, "officials": presenters,
                      "bidders": {str(b): c for b, c in identities.items()}})
    return opening


def hall(session: Session, clock: Clock, user: CurrentUser | None, tender_id: int) -> dict[str, Any]:
    """The opening hall (不见面开标): the countdown, who holds a share and who presented, and the
    record once open. Public: bidders and anyone may watch."""
    tender = tenders.visible(user, tenders.get(session, clock, tender_id))
    now = clock()
    presented = _presenters(session, tender.id) if tender.opened_at is None else set()
    record = opening_record(session, tender.id)
    officials = [{"name": h.display_name, "fingerprint": h.fingerprint, "position": h.position,
                  "presented": h.user_id in presented or (record is not None and any(
                      o["fingerprint"] == h.fingerprint for o in record.record.get("officials", []))),
                  "me": user is not None and h.user_id == user.id} for h in tender.holders]
    closed = tender.bid_deadline is not None and bidding_closed(tender.bid_deadline, now)
    ready = closed and tender.settled_at is not None and settled(tender.bid_deadline, now) and tender.opened_at is None \
        and tender.state != TenderState.CANCELLED
    return {"tender": tender, "now": now, "deadline": tender.bid_deadline, "closed": closed, "ready": ready,
            "threshold": tender.opening_threshold, "officials": officials,
            "presented": sum(1 for o in officials if o["presented"]), "opening": record,
            "holder": any(o["me"] for o in officials), "me_presented": any(o["me"] and o["presented"] for o in officials)}


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
    # Opened bids only: a sealed bid has no company to name (its contractor_id is NULL).
    return select(Bid.contractor_id).where(Bid.lot_id.in_(lot_ids), Bid.state == "submitted",
                                           Bid.contractor_id.is_not(None))  # type: ignore[return-value]


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
        mine = my_bids(session, clock, viewer.index_key, user, [lot.id for lot in tender.lots])
        panel["my_bids"] = {v.bid.lot_id: v for v in mine}
        # What the bid form's script seals to (bidding.sealing): each official's published key.
        panel["sealing_holders"] = [{"user_id": h.user_id, "public_key": h.public_key} for h in tender.holders]
    return panel


def opening_page(session: Session, clock: Clock, user: CurrentUser | None, tender_id: int) -> dict[str, Any]:
    """The published opening record (开标记录) of a tender: 404 until the opening, and for a draft."""
    tender = tenders.visible(user, tenders.get(session, clock, tender_id))
    record = opening_record(session, tender_id)
    if record is None:
        raise NotFound("The bids of this tender have not been opened yet.")
    return {"tender": tender, "opening": record}


# --- opening keys (开标密钥) -------------------------------------------------------------------


def may_hold(user: CurrentUser) -> bool:
    """Bureau staff may hold an opening key; companies and outside experts may not."""
    return user.role not in (Role.CONTRACTOR, Role.EVALUATOR)


def current_opening_key(session: Session, user: CurrentUser) -> OpeningKey | None:
    return session.scalar(select(OpeningKey).where(OpeningKey.user_id == user.id, OpeningKey.retired_at.is_(None))
                          .order_by(OpeningKey.id.desc()).limit(1))


def register_opening_key(session: Session, clock: Clock, user: CurrentUser, public_key: object) -> OpeningKey:
    """Register the public half of a key made on the official's device; the previous one is
    retired (tenders already published keep the key they were sealed to)."""
    if not may_hold(user):
        raise Forbidden("Only bureau staff hold opening keys.")
    try:
        raw = sealing.unb64(public_key, length=sealing.POINT_BYTES, what="public key")
        sealing.load_public(raw)
    except SealError as exc:
        raise InvalidInput("The opening key was refused.", errors=[{"field": "public_key", "message": exc.reason,
                                                                    "params": exc.params}]) from None
    if session.scalar(select(OpeningKey.id).where(OpeningKey.public_key == sealing.b64(raw),
                                                 OpeningKey.user_id != user.id).limit(1)) is not None:
        raise Conflict("This opening key is already registered to someone else; each official makes their own.")
    now = clock()
    previous = current_opening_key(session, user)
    if previous is not None:
        previous.retired_at = now
    key = OpeningKey(user_id=user.id, public_key=sealing.b64(raw), fingerprint=sealing.fingerprint(raw), created_at=now)
    session.add(key)
    session.flush()
    # Tell the official: a key registered by someone else in their name (an admin who reset their
    # password) would have bids sealed to it; the fingerprint is theirs to compare.
    accounts.notify(session, clock, [user.id], N_("An opening key was registered for you (fingerprint {fingerprint}). "
                                                 "If you did not make it, tell the bureau at once."), "/account/opening-key",
                    fingerprint=key.fingerprint)
    audit.record(session, clock, user.actor, "opening_key.register", "opening_key", key.id, None,
                 {"fingerprint": key.fingerprint})
    session.commit()
    return key


def sealing_target(session: Session, clock: Clock, user: CurrentUser | None, lot_id: int) -> dict[str, Any]:
    """What a bidder's client seals to (docs/sealed-bids.md): the tender's officials' public keys
    and k, public once the tender is; and, for a company's login, the company id the manifest names."""
    lot = tenders.get_lot(session, clock, lot_id)
    tender = tenders.visible(user, lot.tender)
    if not tender.holders:  # a draft: nothing to seal to yet
        raise NotFound("Lot {id} takes no bids: its tender is not published.", id=lot_id)
    return {"scheme": sealing.SCHEME, "tender": tender.id, "lot": lot.id, "threshold": tender.opening_threshold,
            "context": sealing.context(tender.id, lot.id),
            "holders": [{"user_id": h.user_id, "name": h.display_name, "public_key": h.public_key,
                         "fingerprint": h.fingerprint} for h in tender.holders],
            "contractor": user.contractor_id if user is not None else None,
            "bid_deadline": tender.bid_deadline}
