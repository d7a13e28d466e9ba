"""Rectification cases (整改) and citizen reports (Open311): the 数字城管 loop."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procure.kernel import bounds
from procure.accounts import policy
from procure.accounts import services as accounts
from procure.accounts.rules import Permission
from procure.accounts.services import CurrentUser
from procure.audit import services as audit
from procure.audit.services import SYSTEM, Actor
from procure.cases import open311, rules
from procure.cases.models import ApiKey, Case, CaseEvent, CaseEventPhoto, CitizenReport
from procure.cases.rules import CaseSource, CaseState
from procure.kernel.i18n import N_, gettext
from procure.kernel.clock import day_start, BUREAU_TZ, Clock, local_date
from procure.contracts.models import Contract
from procure.documents import services as documents
from procure.documents.models import Document
from procure.documents.storage import Storage
from procure.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, ProcureError
from procure.inspection import services as inspections
from procure.inspection.models import Finding, Inspection, InspectionPhoto, TemplateItem
from procure.inspection.photos import normalise
from procure.kernel.pagination import Page, PageRequest
from procure.sites.models import Site
from procure.kernel.clock import month_bounds
from procure.accounts.models import Jurisdiction
from procure.inspection.services import contract_for


def _number(session: Session, clock: Clock) -> str:
    day = clock().astimezone(BUREAU_TZ).strftime("%Y%m%d")
    count = session.scalar(select(func.count()).select_from(Case).where(Case.number.like(f"AJ{day}%"))) or 0
    return f"AJ{day}{count + 1:04d}"


def _event(case: Case, at: datetime, actor: Actor, action: str, note: str = "", photos: Sequence[int] = ()) -> None:
    case.events.append(CaseEvent(at=at, actor_id=actor.id, action=action, note=note,
                                 photos=[CaseEventPhoto(document_id=d, position=n) for n, d in enumerate(photos)]))


def _open(session: Session, clock: Clock, *, source: str, site: Site, contract: Contract | None, opened_at: datetime,
          limit_hours: int, description: str, item_code: str | None = None, inspection_id: int | None = None,
          report_id: int | None = None, actor: Actor = SYSTEM) -> Case:
    case = Case(number=_number(session, clock), source=source, site_id=site.id,
                contract_id=contract.id if contract else None, contractor_id=contract.contractor_id if contract else None,
                inspection_id=inspection_id, report_id=report_id, item_code=item_code, description=description,
                opened_at=opened_at, deadline=rules.deadline(opened_at, limit_hours), state=CaseState.OPEN, reopened=0,
                void_reason="")
    _event(case, opened_at, actor, "open", description)
    session.add(case)
    session.flush()
    audit.record(session, clock, actor, "case.open", "case", case.id, None,
                 {"number": case.number, "source": source, "site": site.code, "deadline": case.deadline.isoformat()})
    accounts.notify(session, clock, accounts.company_logins(session, case.contractor_id),
                    N_("New case {number} at {site}: fix it by {deadline}."), f"/cases/{case.id}",
                    number=case.number, site=site.name, deadline=case.deadline.astimezone(BUREAU_TZ).strftime("%Y-%m-%d %H:%M"))
    return case


#: How long before a case falls due its company is reminded.
REMIND_BEFORE = timedelta(hours=24)


def remind_due(session: Session, clock: Clock) -> int:
    """Remind a company's logins, once per case, of each open case falling due within 24 hours."""
    now = clock()
    due = list(session.scalars(select(Case).where(Case.state == CaseState.OPEN, Case.deadline > now,
                                                  Case.deadline <= now + REMIND_BEFORE,
                                                  Case.contractor_id.is_not(None))))
    told = 0
    for case in due:
        told += accounts.notify(session, clock, accounts.company_logins(session, case.contractor_id),
                                N_("Case {number} at {site} falls due at {deadline}."), f"/cases/{case.id}",
                                key=f"case-due:{case.id}", number=case.number, site=case.site.name,
                                deadline=case.deadline.astimezone(BUREAU_TZ).strftime("%Y-%m-%d %H:%M"))
    session.commit()
    return told


def open_from_finding(session: Session, clock: Clock, inspection: Inspection, item: TemplateItem, finding: Finding,
                      contract: Contract | None) -> Case:
    """A finding on an item with a rectification limit: deadline = found time + limit (no commit)."""
    if item.rectification_hours is None:
        raise ValueError(f"item {item.code} has no rectification limit: its findings open no case")
    text = item.standard + (f"（{finding.note}）" if finding.note else "") + f" ×{finding.count}"
    return _open(session, clock, source=CaseSource.INSPECTION, site=inspection.site, contract=contract,
                 opened_at=inspection.inspected_at, limit_hours=item.rectification_hours, description=text,
                 item_code=item.code, inspection_id=inspection.id)



@inspections.open_case.provide
def _open_on_submit(session: Session, clock: Clock, submitted: Inspection, item: TemplateItem, finding: Finding,
                    contract: Contract | None) -> int:
    """A submitted inspection opens a case for each finding whose item has a rectification limit."""
    return open_from_finding(session, clock, submitted, item, finding, contract).id


@inspections.inspection_page_panels.handler
def _inspection_page_panel(session: Session, found: Inspection) -> dict[str, Any]:
    return {"cases": list(session.scalars(select(Case).where(Case.inspection_id == found.id).order_by(Case.id)))}


def get(session: Session, case_id: int, user: CurrentUser | None = None) -> Case:
    case = session.get(Case, case_id)
    if case is None or (user is not None and policy.acts_for_company(user) and not policy.owns(user, case.contractor_id)):
        raise NotFound("Case {id} does not exist.", id=case_id)
    return case


def _photos(session: Session, clock: Clock, storage: Storage, user: CurrentUser,
            uploads: Sequence[tuple[str, BinaryIO]]) -> list[int]:
    ready = [(name, normalise(handle, name)) for name, handle in uploads]
    return [documents.store(session, clock, storage, content, name.rsplit(".", 1)[0] + ".jpg",
                            uploaded_by_id=user.id).id for name, content in ready]


def respond(session: Session, clock: Clock, storage: Storage, user: CurrentUser, case_id: int, note: str,
            photos: Sequence[tuple[str, BinaryIO]] = ()) -> Case:
    """The contractor reports the defect fixed, with a note and after-photos."""
    case = session.get(Case, case_id)
    if case is None or user.contractor_id is None or case.contractor_id != user.contractor_id:
        raise Forbidden("Only the contractor responsible for this case can respond to it.")
    if case.state != CaseState.OPEN:
        raise Conflict("This case is {state}; only an open case can be answered.", state=case.state)
    if not note.strip():
        raise InvalidInput("Say what was done.", errors=[{"field": "note", "message": "Required."}])
    ids = _photos(session, clock, storage, user, photos)
    now = clock()
    case.state, case.responded_at = CaseState.RESPONDED, now
    case.first_responded_at = case.first_responded_at or now
    _event(case, now, user.actor, "respond", note.strip(), ids)
    audit.record(session, clock, user.actor, "case.respond", "case", case.id, None,
                 {"overdue": rules.is_overdue(case.state, case.deadline, case.first_responded_at, now)})
    session.commit()
    return case


def _inspect(session: Session, clock: Clock, user: CurrentUser, case_id: int, action: str, note: str) -> Case:
    case = get(session, case_id)
    if case.state != CaseState.RESPONDED:
        raise Conflict("Only a case the contractor has answered can be checked.")
    now = clock()
    if action == "close":
        case.state, case.closed_at = CaseState.CLOSED, now
    else:
        if not note.strip():
            raise InvalidInput("Say what still needs doing.", errors=[{"field": "note", "message": "Required."}])
        case.state, case.reopened = CaseState.OPEN, case.reopened + 1  # 返工
    _event(case, now, user.actor, action, note.strip())
    _sync_report(session, clock, case)
    audit.record(session, clock, user.actor, f"case.{action}", "case", case.id, None, {"note": note.strip()})
    session.commit()
    return case


def close(session: Session, clock: Clock, user: CurrentUser, case_id: int, note: str = "") -> Case:
    return _inspect(session, clock, user, case_id, "close", note)


def reopen(session: Session, clock: Clock, user: CurrentUser, case_id: int, note: str) -> Case:
    return _inspect(session, clock, user, case_id, "reopen", note)


def void(session: Session, clock: Clock, user: CurrentUser, case_id: int, reason: str) -> Case:
    case = get(session, case_id)
    if case.state in rules.FINISHED_STATES:
        raise Conflict("This case is {state} and cannot be voided.", state=case.state)
    if not reason.strip():
        raise InvalidInput("Give a reason.", errors=[{"field": "reason", "message": "Required."}])
    case.state, case.void_reason = CaseState.VOID, reason.strip()
    _event(case, clock(), user.actor, "void", reason.strip())
    _sync_report(session, clock, case)
    audit.record(session, clock, user.actor, "case.void", "case", case.id, None, {"reason": reason.strip()})
    session.commit()
    return case


@dataclass(frozen=True)
class CaseFilter:
    state: str | None = None
    contract_id: int | None = None
    overdue: bool | None = None
    month: str | None = None


def list_cases(session: Session, clock: Clock, user: CurrentUser, flt: CaseFilter, paging: PageRequest) -> Page[Case]:
    """Ordered by deadline; a contractor sees only its own."""
    stmt = select(Case)
    stmt = stmt.where(policy.company_filter(user, Case.contractor_id))
    if flt.state:
        stmt = stmt.where(Case.state == flt.state)
    if flt.contract_id:
        stmt = stmt.where(Case.contract_id == flt.contract_id)
    if flt.month:

        first, last = month_bounds(flt.month)
        stmt = stmt.where(Case.deadline >= day_start(first), Case.deadline < day_start(last + timedelta(days=1)))
    rows = list(session.scalars(stmt.order_by(Case.deadline, Case.id)).unique())
    if flt.overdue is not None:
        now = clock()
        rows = [c for c in rows if rules.is_overdue(c.state, c.deadline, c.first_responded_at, now) == flt.overdue]
    return Page(rows[paging.offset:paging.offset + paging.per_page], len(rows), paging)



def overdue(case: Case, now: datetime) -> bool:
    return rules.is_overdue(case.state, case.deadline, case.first_responded_at, now)


def timer(case: Case, now: datetime) -> str:
    if case.state != CaseState.OPEN:
        return "done" if not overdue(case, now) else rules.Timer.RED
    return rules.timer(case.opened_at, case.deadline, now)


@dataclass(frozen=True)
class RateRow:
    key: str
    label: str
    rates: rules.Rates


def month_rates(session: Session, month: str) -> tuple[list[RateRow], list[RateRow]]:
    """On-time, closure and rework rates per contract and per jurisdiction for cases due in the month."""

    first, last = month_bounds(month)
    due = list(session.scalars(select(Case).where(Case.deadline >= day_start(first),
                                                  Case.deadline < day_start(last + timedelta(days=1)))).unique())
    facts = lambda cs: rules.rates(rules.CaseFacts(c.deadline, c.state, c.first_responded_at, c.reopened) for c in cs)  # noqa: E731
    by_contract: dict[int | None, list[Case]] = {}
    by_jurisdiction: dict[int, list[Case]] = {}
    for c in due:
        by_contract.setdefault(c.contract_id, []).append(c)
        by_jurisdiction.setdefault(c.site.jurisdiction_id, []).append(c)
    contracts = {c.id: c for c in session.scalars(select(Contract).where(Contract.id.in_([k for k in by_contract if k])))}
    rows_c = [RateRow(str(k), contracts[k].number if k else "—", facts(v))
              for k, v in sorted(by_contract.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))]

    names = {j.id: j.name for j in session.scalars(select(Jurisdiction))}
    rows_j = [RateRow(str(k), names.get(k, str(k)), facts(v)) for k, v in sorted(by_jurisdiction.items())]
    return rows_c, rows_j


# --- citizen reports (Open311 GeoReport v2) -----------------------------------------------------


class Open311Error(Exception):
    def __init__(self, status: int, code: int, description: str) -> None:
        super().__init__(description)
        self.status, self.code, self.description = status, code, description


def create_api_key(session: Session, clock: Clock, name: str, key: str | None = None) -> str:
    key = key or secrets.token_urlsafe(24)
    session.add(ApiKey(name=name, key_sha256=hashlib.sha256(key.encode()).hexdigest(), active=True, created_at=clock()))
    session.commit()
    return key


def _client(session: Session, api_key: Any) -> str:  # Any: as the Open311 client sent it (form or JSON)
    if not api_key:
        raise Open311Error(400, 400, N_("api_key is required"))
    if not isinstance(api_key, str):  # a repeated form field arrives as a list
        raise Open311Error(400, 400, N_("api_key must be given once, as text"))
    found = session.scalar(select(ApiKey).where(ApiKey.key_sha256 == hashlib.sha256(api_key.encode()).hexdigest(),
                                                ApiKey.active.is_(True)))
    if found is None:
        raise Open311Error(403, 403, N_("api_key is not valid"))
    return found.name


def file_report(session: Session, clock: Clock, form: dict[str, Any], *, api_client: str | None = None,
                photo: tuple[str, Any] | None = None, storage: Storage | None = None) -> CitizenReport:
    """POST requests: api_key, service_code, a location (lat+long or address_string), description,
    and the answers to the service's attributes (``attribute[code]``) where it has them; from the
    portal also a photo (checked and normalised as inspectors' photos are). The report gets a
    random tracking code, its citizen's way back to it."""
    client = api_client or _client(session, form.get("api_key"))
    code = str(form.get("service_code") or "")
    if code not in open311.BY_CODE:
        raise Open311Error(400, 400, N_("service_code is missing or unknown"))
    try:
        answers = open311.attribute_answers(open311.BY_CODE[code], open311.sent_attributes(form))
    except ValueError as exc:
        raise Open311Error(400, 400, str(exc)) from None
    lat = _coordinate(form.get("lat"), -90, 90, "lat")
    lon = _coordinate(form.get("long"), -180, 180, "long")
    address = str(form.get("address_string") or "").strip()[:255]
    if (lat is None or lon is None) and not address:
        raise Open311Error(400, 400, N_("a location is required: lat and long, or address_string"))
    description = str(form.get("description") or "").strip()
    if not description:
        raise Open311Error(400, 400, N_("description is required"))
    if len(description) > 4000:
        raise Open311Error(400, 400, N_("description is longer than 4000 characters"))
    media = str(form.get("media_url") or "").strip()
    if media and not media.startswith(("http://", "https://")):
        raise Open311Error(400, 400, N_("media_url must be an http(s) URL"))
    photo_id = None
    if photo is not None and storage is not None:
        try:
            ready = normalise(photo[1], photo[0])
        except ProcureError as exc:
            # GeoReport's answer is English; the portal says the cause (exc) in the reader's language.
            raise Open311Error(400, 400, gettext("en", exc.message, **exc.params)) from exc
        photo_id = documents.store(session, clock, storage, ready, "report.jpg", uploaded_by_id=None).id
    sites = [open311.SitePoint(s.id, s.name, s.lat, s.lon) for s in session.scalars(select(Site))]
    now = clock()
    report = CitizenReport(service_code=code, description=description, lat=lat, lon=lon, address=address,
                           media_url=media[:1024], attributes=answers, site_id=open311.route(sites, lat, lon, f"{address} {description}"),
                           status="open", status_notes="", api_client=client, requested_at=now, updated_at=now,
                           tracking_code=secrets.token_urlsafe(12), photo_id=photo_id)
    session.add(report)
    session.flush()
    audit.record(session, clock, Actor(None, f"open311:{client}"), "report.file", "citizen_report", report.id, None,
                 {"service_code": code, "site": report.site_id})
    session.commit()
    return report


def _coordinate(raw: Any, low: int, high: int, name: str) -> Decimal | None:  # Any: text or a JSON number
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw))
    except Exception:
        raise Open311Error(400, 400, f"{name} is not a number") from None
    if not value.is_finite() or not low <= value <= high:
        raise Open311Error(400, 400, f"{name} is out of range")
    return value.quantize(Decimal("0.000001"))


def tracked(session: Session, code: str) -> dict[str, Any]:
    """A report as its citizen follows it (by tracking code): its answers, and the case it opened
    with that case's steps (opened, answered, closed or sent back) — the company's notes are the
    bureau's record, so the citizen sees the steps and their times only."""
    report = session.scalar(select(CitizenReport).where(CitizenReport.tracking_code == code)) if code else None
    if report is None:
        raise NotFound("No report has this tracking code.")
    case = session.scalar(select(Case).where(Case.report_id == report.id))
    return {"report": report, "case": case}


def tracked_photo(session: Session, storage: Storage, code: str) -> bytes:
    """The photo of a tracked report, at most 1280 px (a phone screen's worth)."""
    report = tracked(session, code)["report"]
    document = session.get(Document, report.photo_id) if report.photo_id is not None else None
    if document is None:
        raise NotFound("This report has no photo.")
    return documents.small_copy(storage, document, 1280)


def get_report(session: Session, report_id: int) -> CitizenReport:
    report = session.get(CitizenReport, report_id)
    if report is None:
        raise Open311Error(404, 404, N_("no such service request"))
    return report


def list_reports(session: Session, clock: Clock, *, ids: str | None = None, service_code: str | None = None,
                 start: str | None = None, end: str | None = None, status: str | None = None) -> list[CitizenReport]:
    stmt = select(CitizenReport)
    if ids:
        wanted = [_request_id(x.strip()) for x in ids.split(",") if x.strip()]
        if len(wanted) > MAX_REQUEST_IDS:  # one IN list: SQLite binds at most 32766 values
            raise Open311Error(400, 400, f"service_request_id lists at most {MAX_REQUEST_IDS} ids")
        return list(session.scalars(stmt.where(CitizenReport.id.in_(wanted)).order_by(CitizenReport.id)).unique())
    start_at = _when(start, "start_date")
    end_at = _when(end, "end_date") or clock()
    start_at = start_at or end_at - timedelta(days=90)
    if end_at - start_at > timedelta(days=90):
        raise Open311Error(400, 400, N_("start_date and end_date may be at most 90 days apart"))
    if status and status not in ("open", "closed"):
        raise Open311Error(400, 400, N_("status is open or closed"))
    stmt = stmt.where(CitizenReport.requested_at >= start_at, CitizenReport.requested_at <= end_at)
    if service_code:
        # Only known codes can match; the list stays short however long the query is.
        codes = [c for c in dict.fromkeys(service_code.split(",")) if c in open311.BY_CODE]
        stmt = stmt.where(CitizenReport.service_code.in_(codes))
    if status:
        stmt = stmt.where(CitizenReport.status == status)
    return list(session.scalars(stmt.order_by(CitizenReport.requested_at.desc()).limit(1000)).unique())


MAX_REQUEST_IDS = 1000


def _request_id(text: str) -> int:
    """One id of ``service_request_id``: ASCII digits ('²'.isdigit() is true too), 1 to 2^31 − 1."""
    if not (text.isascii() and text.isdigit()) or len(text) > 10 or not 1 <= int(text) <= bounds.MAX_ID:
        raise Open311Error(400, 400, N_("service_request_id is a comma-separated list of ids"))
    return int(text)


def _when(raw: str | None, name: str) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, 400, f"{name} is not a W3C date-time") from None
    if not bounds.MIN_YEAR <= value.year <= bounds.MAX_YEAR:  # so that 90 days before it and UTC exist
        raise Open311Error(400, 400, f"{name} must be in the years {bounds.MIN_YEAR} to {bounds.MAX_YEAR}")
    return value if value.tzinfo else value.replace(tzinfo=BUREAU_TZ)


def verify_report(session: Session, clock: Clock, user: CurrentUser, report_id: int, *, accept: bool, note: str,
                  site_id: int | None = None) -> CitizenReport:
    """An inspector checks a citizen report: a real defect opens a case; otherwise it is closed."""

    report = session.get(CitizenReport, report_id)
    if report is None:
        raise NotFound("Report {id} does not exist.", id=report_id)
    if report.verified_by_id is not None or report.status == "closed":
        raise Conflict("This report has already been handled.")
    now = clock()
    report.verified_by_id, report.updated_at = user.id, now
    if not accept:
        if not note.strip():
            raise InvalidInput("Tell the citizen why.", errors=[{"field": "note", "message": "Required."}])
        report.status, report.status_notes = "closed", note.strip()
    else:
        site = session.get(Site, site_id or report.site_id or 0)
        if site is None:
            raise InvalidInput("Choose the site the report concerns.", errors=[{"field": "site_id", "message": "Required."}])
        report.site_id = site.id
        service = open311.BY_CODE[report.service_code]
        case = _open(session, clock, source=CaseSource.CITIZEN, site=site, contract=contract_for(session, site.id, local_date(now)),
                     opened_at=now, limit_hours=service.limit_hours, description=f"{service.name}：{report.description}",
                     report_id=report.id, actor=user.actor)
        report.status_notes = note.strip() or f"已核实，立案 {case.number}，整改时限 {service.limit_hours} 小时。"
    audit.record(session, clock, user.actor, "report.verify", "citizen_report", report.id, None,
                 {"accept": accept, "note": report.status_notes})
    session.commit()
    return report


def _sync_report(session: Session, clock: Clock, case: Case) -> None:
    if case.report_id is None:
        return
    report = session.get(CitizenReport, case.report_id)
    assert report is not None
    if case.state in (CaseState.CLOSED, CaseState.VOID):
        report.status = "closed"
        report.status_notes = "已整改完毕。" if case.state == CaseState.CLOSED else f"不予处理：{case.void_reason}"
    else:
        report.status = "open"
    report.updated_at = clock()


def pending_reports(session: Session) -> list[CitizenReport]:
    return list(session.scalars(select(CitizenReport).where(CitizenReport.verified_by_id.is_(None),
                                                            CitizenReport.status == "open")
                                .order_by(CitizenReport.requested_at)).unique())


@documents.owner_link
def _case_photo_owner(session: Session, document_id: int) -> list[int]:
    """A photo of a case event (before or after) is evidence about the case's company."""
    return [c for c in session.scalars(select(Case.contractor_id).join(CaseEvent, CaseEvent.case_id == Case.id)
                                       .join(CaseEventPhoto, CaseEventPhoto.case_event_id == CaseEvent.id)
                                       .where(CaseEventPhoto.document_id == document_id)) if c is not None]


def case_page(session: Session, clock: Clock, user: CurrentUser, case_id: int) -> dict[str, Any]:
    """A case as its page shows it: the clock against its deadline, and whether this person may
    answer it (the responsible company, while it is open)."""
    case = get(session, case_id, user)
    now = clock()
    # The "before": the photos the inspector took of this item on the visit that opened the case.
    before = list(session.scalars(select(InspectionPhoto.document_id).where(
        InspectionPhoto.inspection_id == case.inspection_id, InspectionPhoto.item_code == case.item_code)
        .order_by(InspectionPhoto.id))) if case.inspection_id is not None and case.item_code else []
    report = session.get(CitizenReport, case.report_id) if case.report_id is not None else None
    if report is not None and report.photo_id is not None:
        before = [report.photo_id, *before]  # the citizen's photo is the "before" of a reported case
    return {"case": case, "now": now, "timer": timer(case, now), "overdue": overdue(case, now), "before": before,
            "report": report,
            "may_respond": policy.acts_for_company(user) and user.can(Permission.CASES_RESPOND)
            and case.state == CaseState.OPEN,
            # The inspector checks a reported fix (复核); a finished case can no longer be voided.
            "may_check": user.can(Permission.CASES_CHECK) and case.state == CaseState.RESPONDED,
            "may_void": user.can(Permission.CASES_VOID) and case.state not in rules.FINISHED_STATES}


def cases_page(session: Session, clock: Clock, user: CurrentUser, flt: CaseFilter, paging: PageRequest) -> dict[str, Any]:
    """The case list: a page of cases with each one's clock and whether it is overdue; for an
    inspector, the citizen reports waiting to be checked."""
    result = list_cases(session, clock, user, flt, paging)
    now = clock()
    return {"result": result, "now": now, "timers": {c.id: timer(c, now) for c in result.items},
            "overdue": {c.id for c in result.items if overdue(c, now)},
            "reports": pending_reports(session) if user.can(Permission.CASES_CHECK) else []}
