"""Contractor self-registration (供应商注册), officer review, qualification documents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from procure.accounts import mail
from procure.accounts import services as accounts
from procure.accounts.services import CurrentUser
from procure.audit import services as audit
from procure.audit.services import SYSTEM, Actor
from procure.kernel.clock import Clock
from procure.contractors.models import Contractor, ContractorDocument
from procure.contractors.rules import ContractorState, check_uscc
from procure.documents import services as documents
from procure.documents.storage import Storage
from procure.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from procure.kernel.pagination import Page, PageRequest, count_of


@dataclass(frozen=True)
class Registration:
    username: str
    password: str
    company_name: str
    uscc: str
    sme: bool = False
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    address: str = ""
    #: The company insists its code is right although the check fails: an officer will confirm it.
    uscc_confirm: bool = False


def register(session: Session, clock: Clock, data: Registration) -> Contractor:
    """Create a pending company and its login; an officer approves it before it may bid."""
    errors: list[dict[str, Any]] = []
    name = data.company_name.strip()
    if not name or len(name) > 200:
        errors.append({"field": "company_name", "message": "Give the company's registered name (at most 200 characters)."})
    verdict = check_uscc(data.uscc)
    if not verdict.ok and not data.uscc_confirm:
        errors.append({"field": "uscc", "message": verdict.problem, "params": verdict.params or {}})
    if len(data.contact_phone) > 32 or len(data.contact_email) > 128 or len(data.contact_name) > 64:
        errors.append({"field": "contact", "message": "The contact details are too long."})
    if errors:
        if verdict.ok:
            raise InvalidInput("The registration has errors.", errors=errors)
        raise InvalidInput("The registration has errors. If the code is printed exactly so on the business licence, "
                           "tick the box confirming it and send the form again; an officer will check it by hand.",
                           errors=errors)
    if len(verdict.code) != 18:
        raise InvalidInput("A unified social credit code has 18 characters; this one has {n}.", n=len(verdict.code),
                           errors=[{"field": "uscc", "message": "Wrong length."}])
    if session.scalar(select(Contractor.id).where(Contractor.uscc == verdict.code)) is not None:
        raise Conflict("A company with the unified social credit code {uscc} is already registered.",
                       uscc=verdict.code, errors=[{"field": "uscc", "message": "Already registered."}])
    now = clock()
    contractor = Contractor(
        company_name=name, uscc=verdict.code, uscc_check_failed=not verdict.ok, sme=data.sme,
        contact_name=data.contact_name.strip(), contact_phone=data.contact_phone.strip(),
        contact_email=data.contact_email.strip(), address=data.address.strip(), state=ContractorState.PENDING,
        registered_at=now, decision_reason="",
    )
    session.add(contractor)
    session.flush()
    accounts.add_user(session, clock, SYSTEM, username=data.username, password=data.password, role="contractor",
                      display_name=name, contractor_id=contractor.id)
    audit.record(session, clock, Actor(None, data.username), "contractor.register", "contractor", contractor.id,
                 None, contractor.audit_view())
    session.commit()
    return contractor


def approve(session: Session, clock: Clock, actor: Actor, contractor_id: int, *, confirm_uscc: bool = False) -> Contractor:
    contractor = get(session, contractor_id)
    if contractor.state == ContractorState.APPROVED:
        raise Conflict("This company is already approved.")
    if contractor.uscc_check_failed and not confirm_uscc:
        raise InvalidInput("The unified social credit code {uscc} failed its check digit: confirm it against the "
                           "business licence (confirm_uscc) before approving.", uscc=contractor.uscc)
    before = contractor.audit_view()
    contractor.state = ContractorState.APPROVED
    contractor.decided_at, contractor.decided_by_id, contractor.decision_reason = clock(), actor.id, ""
    if contractor.uscc_check_failed:
        contractor.uscc_confirmed_by_id = actor.id
    audit.record(session, clock, actor, "contractor.approve", "contractor", contractor.id, before,
                 contractor.audit_view() | {"uscc_confirmed_by_hand": contractor.uscc_check_failed})
    session.commit()
    return contractor


def reject(session: Session, clock: Clock, actor: Actor, contractor_id: int, reason: str) -> Contractor:
    contractor = get(session, contractor_id)
    if not reason.strip():
        raise InvalidInput("Give a reason.", errors=[{"field": "reason", "message": "Required."}])
    before = contractor.audit_view()
    contractor.state = ContractorState.REJECTED
    contractor.decided_at, contractor.decided_by_id, contractor.decision_reason = clock(), actor.id, reason.strip()
    audit.record(session, clock, actor, "contractor.reject", "contractor", contractor.id, before,
                 contractor.audit_view() | {"reason": reason.strip()})
    session.commit()
    return contractor


def get(session: Session, contractor_id: int) -> Contractor:
    contractor = session.scalar(select(Contractor).where(Contractor.id == contractor_id)
                                .options(selectinload(Contractor.documents)))
    if contractor is None:
        raise NotFound("Contractor {id} does not exist.", id=contractor_id)
    return contractor


def of_user(session: Session, user: CurrentUser) -> Contractor:
    """The company a contractor login acts for."""
    if user.contractor_id is None:
        raise Forbidden("Only a registered company can do this.")
    return get(session, user.contractor_id)


def approved_of_user(session: Session, user: CurrentUser) -> Contractor:
    contractor = of_user(session, user)
    if contractor.state != ContractorState.APPROVED:
        raise Forbidden("Your company's registration is {state}; an officer must approve it before you can bid.",
                        state=contractor.state)
    return contractor


def list_contractors(session: Session, paging: PageRequest, state: str | None = None) -> Page[Contractor]:
    stmt = select(Contractor)
    if state:
        stmt = stmt.where(Contractor.state == state)
    total = count_of(session, stmt)
    rows = list(session.scalars(stmt.order_by(Contractor.registered_at.desc(), Contractor.id.desc())
                                .options(selectinload(Contractor.documents))
                                .offset(paging.offset).limit(paging.per_page)).unique())
    return Page(rows, total, paging)


def add_document(session: Session, clock: Clock, storage: Storage, user: CurrentUser, title: str, fileobj: IO[bytes],
                 filename: str) -> ContractorDocument:
    contractor = of_user(session, user)
    if not title.strip():
        raise InvalidInput("Give the document a title (e.g. 营业执照).", errors=[{"field": "title", "message": "Required."}])
    stored = documents.store(session, clock, storage, fileobj, filename, uploaded_by_id=user.id)
    link = ContractorDocument(document_id=stored.id, title=title.strip()[:128])
    contractor.documents.append(link)
    session.flush()
    audit.record(session, clock, user.actor, "contractor.document", "contractor", contractor.id, None,
                 {"title": link.title, "sha256": stored.sha256, "filename": stored.filename})
    session.commit()
    return link


@documents.owner_link
def _qualification_owner(session: Session, document_id: int) -> list[int]:
    """A qualification file belongs to its company."""
    return list(session.scalars(select(ContractorDocument.contractor_id).where(ContractorDocument.document_id == document_id)))


@mail.company_address.provide
def _contact_address(session: Session, contractor_id: int) -> str:
    """Where a company login without an address of its own is mailed: the registered contact."""
    return session.scalar(select(Contractor.contact_email).where(Contractor.id == contractor_id)) or ""
