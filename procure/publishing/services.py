"""Building OCDS releases from the database, and the public portal's read models."""

from __future__ import annotations

from pathlib import Path
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from procure.awards.models import Award
from procure.bidding.models import Bid, OpeningRecord
from procure.kernel.bounds import parse_id
from procure.kernel.clock import BUREAU_TZ, Clock, day_start, month_span
from procure.contracts.models import Contract
from procure.contracts.rules import end_date
from procure.kernel.errors import InvalidInput, NotFound
from procure.payments.models import PaymentStatement
from procure.kernel import maps
from procure.publishing import ocds
from procure.publishing.rules import board_standing
from procure.tendering.models import Lot, Tender
from procure.tendering.rules import TenderState
from procure.tendering import services as tenders
from procure.tendering.services import TenderFilter
from procure.kernel.pagination import PageRequest
from procure.inspection import services as inspection
from procure.payments.rules import DEFAULT_FAILING_BELOW
from procure.audit import services as audit
from procure.cases import services as cases
from procure.reports import services as reports
from procure.audit.models import AuditEntry
from procure.tendering.rules import SETTLING_TIME


def _contract_status(state: str) -> str:
    return {"draft": "pending", "signed": "active", "active": "active", "suspended": "active",
            "completed": "terminated", "terminated": "terminated"}.get(state, "pending")


def lot_releases(prefix: str, base_url: str, tender: Tender, lot: Lot, opening: OpeningRecord | None, bids: list[Bid],
                 award: Award | None, award_bid: Bid | None, contract: Contract | None,
                 statements: list[PaymentStatement]) -> list[dict[str, Any]]:
    """Every release of one lot's contracting process, in the order things happened."""
    oc = ocds.ocid(prefix, tender.id, lot.id)
    status = "cancelled" if tender.state == TenderState.CANCELLED else ocds.LOT_STATUS.get(lot.state, "active")
    tender_section = {
        "id": f"{tender.reference}-{lot.number}", "title": f"{tender.title}（标段{lot.number}：{lot.title}）",
        "description": tender.description, "status": "active" if tender.state == TenderState.PUBLISHED else status,
        "procuringEntity": {"id": ocds.BUREAU_ID, "name": ocds.BUREAU_NAME}, "items": ocds.items(lot.sites),
        "value": ocds.money(lot.ceiling_price), "procurementMethod": "open", "procurementMethodDetails": "公开招标",
        "mainProcurementCategory": "services",
        "awardCriteria": "ratedCriteria" if tender.method == "comprehensive" else "priceOnly",
        "awardCriteriaDetails": "综合评分法" if tender.method == "comprehensive" else "最低评标价法",
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {"startDate": ocds.iso(tender.published_at), "endDate": ocds.iso(tender.bid_deadline)},
        "enquiryPeriod": {"startDate": ocds.iso(tender.published_at), "endDate": ocds.iso(tender.bid_deadline)},
        "hasEnquiries": bool(tender.enquiries),
        "contractPeriod": {"durationInDays": lot.term_months * 30},
        "documents": [{"id": f"notice-{tender.id}-v{tender.version}", "documentType": "tenderNotice", "title": "招标公告",
                       "url": ocds.absolute(base_url, f"/api/v1/tenders/{tender.id}/notice.pdf"), "format": "application/pdf", "language": "zh",
                       "datePublished": ocds.iso(tender.published_at)}],
    }
    bureau = ocds.bureau_party({"buyer", "procuringEntity"})
    assert tender.published_at is not None  # only published tenders have releases (``releases`` asks for them)
    out = [ocds.release(oc, f"{oc}-tender", tender.published_at, ["tender"], parties=[bureau], tender=tender_section)]
    for amendment in tender.amendments:
        out.append(ocds.release(oc, f"{oc}-amendment-{amendment.version}", amendment.published_at, ["tenderAmendment"],
                                tender={"id": tender_section["id"], "tenderPeriod": {
                                    "endDate": ocds.iso(amendment.deadline_after)},
                                    "amendments": [{"id": str(amendment.version), "date": ocds.iso(amendment.published_at),
                                                    "rationale": amendment.reason}]}))
    if opening is not None and lot.opened_at is not None and bids:
        # Bids only after the opening (招标投标法 第22条), in the bids extension's shape; a 流标 lot's
        # bids were never opened and stay sealed (no company to name).
        tenderers = [ocds.company_party(b.contractor, {"tenderer"}) for b in bids]
        out.append(ocds.release(
            oc, f"{oc}-opening", opening.opened_at, ["tenderUpdate"], parties=[bureau] + tenderers,
            tender={"id": tender_section["id"], "status": status if tender.state != TenderState.PUBLISHED else "active",
                    "numberOfTenderers": len(bids),
                    "tenderers": [{"id": ocds.party_id(b.contractor), "name": b.contractor.company_name} for b in bids]},
            bids={"details": [{"id": str(b.id), "date": ocds.iso(b.received_at), "status": "valid",
                               "tenderers": [{"id": ocds.party_id(b.contractor), "name": b.contractor.company_name}],
                               "value": ocds.money(b.price)} for b in bids]}))
    elif status in ("unsuccessful", "cancelled") and tender.settled_at:
        out.append(ocds.release(oc, f"{oc}-status", tender.settled_at, ["tenderUpdate"],
                                tender={"id": tender_section["id"], "status": status}))
    if award is not None and award_bid is not None:
        supplier = ocds.company_party(award_bid.contractor, {"supplier", "tenderer"})
        notified = award.notice_issued_at is not None
        out.append(ocds.release(
            oc, f"{oc}-award-{'active' if notified else 'pending'}", award.notice_issued_at or award.proposed_at,
            ["award"], parties=[bureau, supplier],
            awards=[{"id": f"{oc}-award", "title": "中标" if notified else "中标候选人公示",
                     "status": "active" if notified else "pending", "date": ocds.iso(award.notice_issued_at or award.proposed_at),
                     "value": ocds.money(award_bid.price),
                     "suppliers": [{"id": ocds.party_id(award_bid.contractor), "name": award_bid.contractor.company_name}],
                     "items": ocds.items(lot.sites)}]))
    if contract is not None:
        payee = ocds.company_party(contract.contractor, {"supplier", "payee"})
        out.append(ocds.release(
            oc, f"{oc}-contract-{_contract_status(contract.state)}", contract.officer_signed_at or contract.created_at,
            ["contract"], parties=[ocds.bureau_party({"buyer", "procuringEntity", "payer"}), payee],
            contracts=[{"id": contract.number, "awardID": f"{oc}-award", "title": contract.title,
                        "status": _contract_status(contract.state),
                        "period": {"startDate": contract.start_date.isoformat() + "T00:00:00+08:00",
                                   "endDate": end_date(contract.start_date, contract.months).isoformat() + "T23:59:59+08:00"},
                        "value": ocds.money(contract.amount),
                        "dateSigned": ocds.iso(contract.officer_signed_at if contract.contractor_signed_at else None),
                        "items": ocds.items([cs.site for cs in contract.sites if cs.to_date is None])}]))
        for s in statements:
            start, end = month_span(s.month)
            period = {"startDate": ocds.iso(start), "endDate": ocds.iso(end - timedelta(seconds=1))}
            milestone = {"id": f"assessment-{s.month}", "title": f"{s.month} 月度考核", "type": "assessment",
                         "status": "met" if s.score is not None and not s.failing else "notMet",
                         "dateMet": ocds.iso(s.computed_at), "description": f"考核得分 {s.score}，支付系数 {s.coefficient}"}
            implementation: dict[str, Any] = {"milestones": [milestone]}
            if metrics := _month_metrics(s, period):  # the extension wants at least one metric where any is given
                implementation["metrics"] = metrics
            if s.state == "paid" and s.paid_on is not None:
                implementation["transactions"] = [{
                    "id": f"payment-{s.id}", "date": s.paid_on.isoformat() + "T00:00:00+08:00", "value": ocds.money(s.net),
                    "payer": {"id": ocds.BUREAU_ID, "name": ocds.BUREAU_NAME},
                    "payee": {"id": ocds.party_id(contract.contractor), "name": contract.contractor.company_name},
                    # The certificate PDF is for the bureau and the company; the public page lists the payment.
                    "uri": ocds.absolute(base_url, f"/public/payments?month={s.month}")}]
            out.append(ocds.release(oc, f"{oc}-implementation-{s.month}", _statement_date(s), ["implementation"],
                                    contracts=[{"id": contract.number, "awardID": f"{oc}-award",
                                                "implementation": implementation}]))
    return out


#: The penalty metrics, one per rule of the contract (DESIGN §4.7), by statement line kind.
PENALTY_METRICS = {"penalty_overdue": ("penalties-overdue-cases", "超期整改案卷扣款"),
                   "penalty_complaint": ("penalties-complaints", "经查实投诉扣款"),
                   "penalty_media_county": ("penalties-media-county", "县级媒体曝光扣款"),
                   "penalty_media_city": ("penalties-media-city", "市级媒体曝光扣款")}


def _month_metrics(s: PaymentStatement, period: dict[str, Any]) -> list[dict[str, Any]]:
    """The month's results in the metrics extension: the assessment score (a measure, 0–100) and,
    per penalty rule, the month's deduction (a value in CNY) with its count in words. Observation ids
    carry the month, so a record's compiled release keeps every month side by side."""
    metrics: list[dict[str, Any]] = []
    if s.score is not None:
        metrics.append({"id": "monthly-assessment-score", "title": "月度考核得分",
                        "description": "四化（洁化、绿化、序化、亮化）检查的合同月度得分，按面积加权（满分 100）",
                        "observations": [{"id": f"score-{s.month}", "period": period, "measure": float(s.score),
                                          "unit": {"name": "分"}}]})
    for line in s.lines:
        if line.kind in PENALTY_METRICS and line.amount:
            metric_id, title = PENALTY_METRICS[line.kind]
            metrics.append({"id": metric_id, "title": title, "description": line.label,
                            "observations": [{"id": f"{metric_id}-{s.month}", "period": period,
                                              "value": ocds.money(abs(line.amount))}]})
    return metrics


def _statement_date(s: PaymentStatement) -> datetime:
    return s.approved_at or s.computed_at


@dataclass(frozen=True)
class ReleaseQuery:
    #: Releases dated at or after this moment.
    since: datetime | None = None
    ocid: str | None = None
    #: Releases dated in this calendar year (the bureau's), for the bulk files.
    year: int | None = None
    #: Cursor paging: releases after this (date, id) in the stable order. The list is still built
    #: whole in memory; the cursor makes pages stable, not cheaper.
    after: tuple[str, str] | None = None
    page: int = 1
    per_page: int = 100


@dataclass(frozen=True)
class Released:
    """A page of releases in the stable order (date, then id), how many match in all, and where the
    next page starts (None: this is the last)."""

    releases: list[dict[str, Any]]
    total: int
    after: tuple[str, str] | None


def _key(r: dict[str, Any]) -> tuple[str, str]:
    # Dates are all written at +08:00 (ocds.iso), so their text orders as their moments do.
    return (r["date"], r["id"])


def releases(session: Session, clock: Clock, prefix: str, query: ReleaseQuery, base_url: str) -> Released:
    """All public releases in a stable order (date, then id), filtered and paged."""

    stmt = (select(Tender).where(Tender.state != TenderState.DRAFT, Tender.published_at.is_not(None))
            .options(selectinload(Tender.lots).selectinload(Lot.sites), selectinload(Tender.amendments),
                     selectinload(Tender.enquiries)).order_by(Tender.id))
    if query.ocid:
        parts = query.ocid.split("-")
        tender_id, lot_id = (parse_id(parts[-2]), parse_id(parts[-1])) if len(parts) >= 4 else (None, None)
        if tender_id is None or lot_id is None or query.ocid != ocds.ocid(prefix, tender_id, lot_id):
            raise InvalidInput("Unknown ocid {ocid}.", ocid=query.ocid)
        stmt = stmt.where(Tender.id == tender_id)
    if query.year is not None:  # a tender's releases are all dated at or after its publication
        stmt = stmt.where(Tender.published_at < day_start(date(query.year + 1, 1, 1)))
    tender_list = list(session.scalars(stmt).unique())
    tenders.refresh_many(session, clock, tender_list)  # states at this second, derived, not written
    tender_ids = [t.id for t in tender_list]
    openings = {o.tender_id: o for o in session.scalars(select(OpeningRecord).where(OpeningRecord.tender_id.in_(tender_ids)))}
    lot_ids = [l.id for t in tender_list for l in t.lots]
    bids: dict[int, list[Bid]] = {}
    for b in session.scalars(select(Bid).where(Bid.lot_id.in_(lot_ids), Bid.state == "submitted").order_by(Bid.id)).unique():
        bids.setdefault(b.lot_id, []).append(b)
    awards = {a.lot_id: a for a in session.scalars(select(Award).where(Award.lot_id.in_(lot_ids)))}
    contracts = {c.lot_id: c for c in session.scalars(select(Contract).where(Contract.lot_id.in_(lot_ids))
                                                      .options(selectinload(Contract.sites))).unique()}
    statements: dict[int, list[PaymentStatement]] = {}
    for s in session.scalars(select(PaymentStatement).where(
            PaymentStatement.contract_id.in_([c.id for c in contracts.values()]), PaymentStatement.kind == "monthly",
            PaymentStatement.state.in_(["approved", "paid"])).options(selectinload(PaymentStatement.lines))
            .order_by(PaymentStatement.month)).unique():
        statements.setdefault(s.contract_id, []).append(s)
    out: list[dict[str, Any]] = []
    for tender in tender_list:
        opening = openings.get(tender.id)
        for lot in tender.lots:
            if query.ocid and ocds.ocid(prefix, tender.id, lot.id) != query.ocid:
                continue
            lot_bids = bids.get(lot.id, []) if opening is not None and lot.state != "unsuccessful" else []
            award = awards.get(lot.id)
            award_bid = next((b for b in lot_bids if award and b.id == award.bid_id), None)
            contract = contracts.get(lot.id)
            out += lot_releases(prefix, base_url, tender, lot, opening, lot_bids, award, award_bid, contract,
                                statements.get(contract.id, []) if contract else [])
    if query.since:
        since = ocds.iso(query.since) or ""
        out = [r for r in out if r["date"] >= since]
    if query.year is not None:
        out = [r for r in out if r["date"].startswith(f"{query.year:04d}-")]
    out.sort(key=_key)
    total = len(out)
    if query.after is not None:
        after = query.after
        out = [r for r in out if _key(r) > after]
        page = out[:query.per_page]
    else:
        start = (query.page - 1) * query.per_page
        page = out[start:start + query.per_page]
        out = out[start:]
    return Released(page, total, _key(page[-1]) if len(out) > len(page) and page else None)


def release_years(session: Session, clock: Clock, prefix: str, base_url: str) -> list[tuple[int, int]]:
    """The calendar years that have releases, newest first, with how many each has (the bulk files)."""
    found = releases(session, clock, prefix, ReleaseQuery(per_page=10_000_000), base_url).releases
    years: dict[int, int] = {}
    for r in found:
        years[int(r["date"][:4])] = years.get(int(r["date"][:4]), 0) + 1
    return sorted(years.items(), reverse=True)


def record(session: Session, clock: Clock, prefix: str, ocid_: str, base_url: str) -> dict[str, Any]:
    """One contracting process's record: links to its releases and the compiled release, merged by
    the standard's merge routine."""
    found = releases(session, clock, prefix, ReleaseQuery(ocid=ocid_, per_page=10_000_000), base_url).releases
    if not found:
        raise NotFound("No contracting process {ocid}.", ocid=ocid_)
    return _record(ocid_, found, base_url)


def _record(ocid_: str, found: list[dict[str, Any]], base_url: str) -> dict[str, Any]:
    """The record of one ocid from all its releases."""
    return {"ocid": ocid_, "releases": [{"url": ocds.absolute(base_url, f"/api/v1/public/ocds/releases?ocid={ocid_}"
                                                              f"&per_page=1000#{r['id']}"),
                                         "date": r["date"], "tag": r["tag"]} for r in found],
            "compiledRelease": ocds.compile_record(found)}


def export(session: Session, clock: Clock, prefix: str, directory: str | os.PathLike[str], base_url: str,
           progress: Callable[[int, int], None] | None = None) -> int:
    """`procure ocds export DIR`: a release package and a record package per ocid, one release package
    per calendar year (the bulk files the portal offers), and the whole release package."""

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    everything = releases(session, clock, prefix, ReleaseQuery(per_page=10_000_000), base_url).releases
    by_ocid: dict[str, list[dict[str, Any]]] = {}
    by_year: dict[str, list[dict[str, Any]]] = {}
    for r in everything:
        by_ocid.setdefault(r["ocid"], []).append(r)
        by_year.setdefault(r["date"][:4], []).append(r)
    now = clock()
    api = ocds.absolute(base_url, "/api/v1/public/ocds")

    def write(name: str, body: dict[str, Any]) -> None:
        (out / name).write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")

    for index, (oc, found) in enumerate(sorted(by_ocid.items()), start=1):
        write(f"{oc}.json", ocds.package(found, f"{api}/releases?ocid={oc}", now, base_url))
        write(f"{oc}-record.json", ocds.record_package([_record(oc, found, base_url)], f"{api}/records/{oc}", now,
                                                      base_url))
        if progress:
            progress(index, len(by_ocid))
    for year, found in sorted(by_year.items()):
        write(f"releases-{year}.json", ocds.package(found, f"{api}/bulk/{year}.json", now, base_url))
    write("release-package.json", ocds.package(everything, f"{api}/releases", now, base_url))
    return len(everything)


# --- the public portal's read models -----------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    contract: Contract
    score: Decimal | None
    failing: bool
    #: "black" (failing), "red" (among the best RED_LIST_SIZE assessed) or None.
    standing: str | None = None


def score_board(session: Session, clock: Clock, month: str) -> list[BoardRow]:
    """红黑榜: the month's contract scores, best first (not assessed last)."""

    contracts = [c for c in session.scalars(select(Contract).where(
        Contract.state.in_(["active", "suspended", "completed", "terminated", "signed"]))
        .options(selectinload(Contract.sites))).unique() if inspection.sites_in_month(c, month)]
    scores = inspection.month_scores(session, contracts, [month])
    rows = []
    for contract in contracts:
        score = scores[(contract.id, month)]
        rows.append(BoardRow(contract, score, score is not None and score < DEFAULT_FAILING_BELOW))
    ranked = sorted(rows, key=lambda r: (r.score is None, -(r.score or 0), r.contract.number))
    return [replace(r, standing=board_standing(rank, r.score, r.failing)) for rank, r in enumerate(ranked, start=1)]


def payments_made(session: Session, month: str | None = None) -> list[PaymentStatement]:
    stmt = select(PaymentStatement).where(PaymentStatement.state == "paid").order_by(PaymentStatement.month.desc(),
                                                                                      PaymentStatement.contract_id)
    if month:
        stmt = stmt.where(PaymentStatement.month == month)
    return list(session.scalars(stmt).unique())


def public_contracts(session: Session) -> list[Contract]:
    return list(session.scalars(select(Contract).where(Contract.state != "draft")
                                .options(selectinload(Contract.sites)).order_by(Contract.number)).unique())


def public_contracts_page(session: Session) -> dict[str, Any]:
    """The public contract register: every contract past its draft, with a map of the sites it
    maintains now and the last day of its term."""
    rows = public_contracts(session)
    points = maps.features(maps.MapPoint(s.site.lon, s.site.lat, s.site.name, f"#contract-{c.id}",
                                         f"{c.number} · {c.contractor.company_name}")
                           for c in rows for s in c.sites if s.to_date is None)
    return {"contracts": rows, "map_points": points, "ends": {c.id: end_date(c.start_date, c.months) for c in rows}}


def last_public_change(session: Session, now: datetime) -> datetime:
    """When public data last changed, for ``Last-Modified``: the newest audit entry that may be
    shown (entries about sealed bids stay out until their tender is opened — 招标投标法 第22条 —
    so not even this time betrays a bid), or the newest moment the clock alone moved a state (a
    deadline, a settling time, a contract's first or last day), whichever is later."""

    # Each look-up walks an index from its end and stops at the first row (no scan of the table).
    moments = [session.scalar(select(AuditEntry.at).where(audit.visible_entries()).order_by(AuditEntry.id.desc()).limit(1))]
    moments.append(session.scalar(select(Tender.bid_deadline).where(
        Tender.state != TenderState.DRAFT, Tender.bid_deadline <= now).order_by(Tender.bid_deadline.desc()).limit(1)))
    settled = session.scalar(select(Tender.bid_deadline).where(
        Tender.state != TenderState.DRAFT, Tender.bid_deadline <= now - SETTLING_TIME)
        .order_by(Tender.bid_deadline.desc()).limit(1))
    moments.append(settled + SETTLING_TIME if settled else None)
    today = now.astimezone(BUREAU_TZ).date()
    started = session.scalar(select(func.max(Contract.start_date)).where(Contract.start_date <= today))
    ended = session.scalar(select(func.max(Contract.ends_on)).where(Contract.ends_on < today))
    for day in (started, ended + timedelta(days=1) if ended else None):
        if day is not None:
            moments.append(datetime.combine(day, time.min, BUREAU_TZ))
    known = [m for m in moments if m is not None]
    return max(known) if known else datetime(2000, 1, 1, tzinfo=BUREAU_TZ)


def case_handling_page(session: Session, month: str) -> dict[str, Any]:
    """The portal's case handling: the month's rates per jurisdiction and the 数字城管 evaluation
    (areas and contractors by name, the bureau's inspectors together — staff are not ranked in public)."""
    _, by_jurisdiction = cases.month_rates(session, month)
    return {"month": month, "rows": by_jurisdiction, "evaluation": reports.evaluation(session, month)}


def portal_home(session: Session, clock: Clock, last_month: str) -> dict[str, Any]:
    """The public portal's front page: the newest tenders, last month's 红黑榜, the audit head."""
    return {"tenders": tenders.list_tenders(session, clock, TenderFilter(), PageRequest(1, 8),
                                            include_drafts=False).items,
            "board": score_board(session, clock, last_month), "audit_head": audit.public_head(session)}
