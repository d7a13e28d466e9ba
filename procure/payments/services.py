"""Monthly settlement (DESIGN §4.7): runs, statements, finance approval, payment, retention.

A run loads everything it needs in a fixed number of queries — contracts with their sites and
variations, the month's inspections, cases, complaints, exposures and existing statements — and
then computes in memory: the number of SQL statements does not grow with the number of
contracts (see bench/payments_month.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeAlias

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.orm import Session, selectinload

from procure.accounts import policy
from procure.accounts.models import User
from procure.accounts import services as accounts
from procure.accounts.rules import Permission
from procure.accounts.services import CurrentUser
from procure.audit import services as audit
from procure.audit.services import Actor
from procure.cases.models import Case
from procure.cases.rules import CaseSource, CaseState
from procure.cases.rules import is_overdue as case_is_overdue
from procure.kernel.i18n import N_, gettext, key_label
from procure.kernel.money import format_amount
from procure.kernel.clock import day_start, Clock, local_date, parse_date
from procure.contracts import services as contracts
from procure.contracts.models import Contract, ContractSite, Variation
from procure.contracts.rules import ContractState, add_months, end_date
from procure.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from procure.inspection import rules as inspection_rules
from procure.inspection.models import Inspection
from procure.kernel.clock import month_bounds
from procure.payments import rules
from procure.payments.models import MediaExposure, PaymentStatement, StatementEvent, StatementLine
from procure.payments.rules import MonthInputs, PenaltyRules, VariationTerm, line_text

PAYABLE_STATES = (ContractState.SIGNED, ContractState.ACTIVE, ContractState.SUSPENDED, ContractState.COMPLETED,
                  ContractState.TERMINATED)


class StatementState:
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    PAID = "paid"


class StatementAction:
    COMPUTED = "computed"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    PAID = "paid"



def _term_end(contract: Contract) -> date:
    last = end_date(contract.start_date, contract.months)
    if contract.state == ContractState.TERMINATED and contract.ended_at is not None:
        last = min(last, local_date(contract.ended_at))
    return last


@dataclass
class RunResult:
    month: str
    statements: list[PaymentStatement]
    created: int
    replaced: int
    kept: int  # submitted or later: never touched
    not_assessed: list[str]


def run_month(session: Session, clock: Clock, actor: Actor, month: str,
              progress: Callable[[int, int], None] | None = None) -> RunResult:
    """Compute draft statements for every contract in force in the month. Re-running replaces
    drafts only; submitted, approved and paid statements are never touched."""
    first, last = month_bounds(month)
    today = local_date(clock())
    if first > today:
        raise InvalidInput("{month} has not begun: a month can be run from its first day.", month=month)
    in_force = select(Contract.id).where(Contract.state.in_(PAYABLE_STATES), Contract.start_date <= last)
    contracts = [c for c in session.scalars(select(Contract).where(Contract.id.in_(in_force)).order_by(Contract.id)).unique()
                 if _term_end(c) >= first]
    if not contracts:
        raise InvalidInput("No contract was in force in {month}.", month=month)
    # Every further read selects by the same sub-query, never by a list of ids, so each is one
    # statement whatever the size of the district.
    spans: dict[int, list[SpanRow]] = {}
    for span in session.execute(select(ContractSite.contract_id, ContractSite.site_id, ContractSite.area_m2,
                                       ContractSite.from_date, ContractSite.to_date)
                                .where(ContractSite.contract_id.in_(in_force))).all():
        spans.setdefault(span.contract_id, []).append(span)
    variations: dict[int, list[VariationTerm]] = {}
    for v in session.execute(select(Variation.contract_id, Variation.number, Variation.monthly_fee_delta,
                                    Variation.effective_date).where(Variation.contract_id.in_(in_force))).all():
        variations.setdefault(v.contract_id, []).append(VariationTerm(v.number, v.monthly_fee_delta, v.effective_date))
    inspections: dict[int, list[InspectionRow]] = {}
    for row in session.execute(select(Inspection.id, Inspection.contract_id, Inspection.site_id, Inspection.score)
                               .where(Inspection.contract_id.in_(in_force), Inspection.month == month,
                                      Inspection.superseded_by_id.is_(None))).all():
        inspections.setdefault(row.contract_id, []).append(row)
    month_start, month_end = day_start(first), day_start(last + timedelta(days=1))
    as_of = min(month_end, clock())
    overdue: dict[int, list[int]] = {}
    complaints: dict[int, list[int]] = {}
    for case in session.execute(select(Case.id, Case.contract_id, Case.deadline, Case.first_responded_at, Case.state,
                                       Case.source, Case.opened_at)
                                .where(Case.contract_id.in_(in_force), Case.state != CaseState.VOID,
                                       ((Case.deadline >= month_start) & (Case.deadline < month_end))
                                       | ((Case.opened_at >= month_start) & (Case.opened_at < month_end)))).all():
        # DESIGN §4.7: an overdue case counts in the month its deadline falls in, when it was answered
        # after the deadline or is still unanswered at that month's end.
        if month_start <= case.deadline < month_end \
                and case_is_overdue(case.state, case.deadline, case.first_responded_at, as_of):
            overdue.setdefault(case.contract_id, []).append(case.id)
        # A substantiated complaint: a citizen report an inspector verified into a case that month.
        if case.source == CaseSource.CITIZEN and month_start <= case.opened_at < month_end:
            complaints.setdefault(case.contract_id, []).append(case.id)
    media: dict[int, list[str]] = {}
    for contract_id, level in session.execute(select(MediaExposure.contract_id, MediaExposure.level).where(
            MediaExposure.contract_id.in_(in_force), MediaExposure.reported_on >= first,
            MediaExposure.reported_on <= last)).all():
        media.setdefault(contract_id, []).append(level)
    existing = {s.contract_id: s for s in session.scalars(select(PaymentStatement).where(
        PaymentStatement.contract_id.in_(in_force), PaymentStatement.month == month, PaymentStatement.kind == "monthly"))}
    year, mon = first.year, first.month
    now = clock()
    result = RunResult(month, [], 0, 0, 0, [])
    computed_rows: list[tuple[Contract, rules.Statement]] = []
    for index, contract in enumerate(contracts, start=1):
        statement = existing.get(contract.id)
        if statement is not None and statement.state != StatementState.DRAFT:
            result.kept += 1
            continue
        score = _score(spans.get(contract.id, []), inspections.get(contract.id, []), first, last)
        computed_rows.append((contract, rules.compute(MonthInputs(
            year=year, month=mon, monthly_fee=contract.monthly_fee, term_start=contract.start_date,
            term_end=_term_end(contract),
            variations=variations.get(contract.id, []),
            score=score, table=contract.payment_table, penalty_rules=PenaltyRules.of(contract.penalty_rules),
            retention_rate=contract.retention_rate, overdue_cases=sorted(overdue.get(contract.id, [])),
            complaints=sorted(complaints.get(contract.id, [])),
            media_county=media.get(contract.id, []).count("county"), media_city=media.get(contract.id, []).count("city"),
            inspections=sorted(i.id for i in inspections.get(contract.id, []))))))
        if progress:
            progress(index, len(contracts))
    # Write in bulk: a handful of statements however many contracts there are (no N+1).
    new_rows, updates = [], []
    for contract, computed in computed_rows:
        values = _values(computed, now)
        if not computed.assessed:
            result.not_assessed.append(contract.number)
        if contract.id in existing:
            updates.append({"id": existing[contract.id].id, **values})
        else:
            new_rows.append({"contract_id": contract.id, "month": month, "kind": "monthly", "state": StatementState.DRAFT,
                             "returned_reason": "", "payment_reference": "", **values})
    statement_ids: dict[int, int] = {existing[c.id].id: c.id for c, _ in computed_rows if c.id in existing}
    if updates:
        session.execute(delete(StatementLine).where(StatementLine.statement_id.in_([u["id"] for u in updates])))
        session.execute(update(PaymentStatement), updates)
    if new_rows:
        for created in session.execute(insert(PaymentStatement).returning(PaymentStatement.id, PaymentStatement.contract_id),
                                       new_rows).all():
            statement_ids[created.id] = created.contract_id
    by_contract = {contract_id: statement_id for statement_id, contract_id in statement_ids.items()}
    lines = [{"statement_id": by_contract[contract.id], "position": n, "kind": l.kind, "label": l.label[:255], "params": l.params,
              "quantity": l.quantity, "amount": l.amount, "evidence": l.evidence}
             for contract, computed in computed_rows for n, l in enumerate(computed.lines, start=1)]
    if lines:
        session.execute(insert(StatementLine), lines)
    # The certificate's approval record names people as they sign (display name), as the later
    # submit/approve/pay events do; the audit chain keeps the login name.
    signer = session.get_one(User, actor.id).display_name if actor.id is not None else actor.name
    events = [{"statement_id": sid, "at": now, "actor_id": actor.id, "actor_name": signer, "action": "computed",
               "note": ""} for sid in statement_ids]
    if events:
        session.execute(insert(StatementEvent), events)
    audit.record_many(session, clock, actor, [
        ("statement.compute", "payment_statement", sid, None,
         {"contract": contract_id, "month": month, "payable": _s(computed.payable)})
        for (contract, computed) in computed_rows
        for sid, contract_id in [(by_contract[contract.id], contract.id)]])
    result.created, result.replaced = len(new_rows), len(updates)
    session.commit()
    session.expire_all()
    result.statements = list(session.scalars(select(PaymentStatement).where(
        PaymentStatement.contract_id.in_(in_force), PaymentStatement.month == month, PaymentStatement.kind == "monthly")
        .order_by(PaymentStatement.contract_id)).unique())
    return result


def _s(value: object) -> str | None:
    return None if value is None else str(value)


#: (contract_id, site_id, area_m2, from_date, to_date) of a contract's site spans.
SpanRow: TypeAlias = "Row[int, int, Decimal, date, date | None]"
#: (id, contract_id, site_id, score) of an inspection.
InspectionRow: TypeAlias = "Row[int, int | None, int, Decimal]"


def _score(spans: list[SpanRow], found: list[InspectionRow], first: date, last: date) -> Decimal | None:
    """The contract month score (DESIGN §4.6) from pre-loaded site spans and inspection scores."""
    by_site: dict[int, list[Decimal]] = {}
    for inspection in found:
        by_site.setdefault(inspection.site_id, []).append(inspection.score)
    areas: dict[int, Decimal] = {}
    for span in sorted(spans, key=lambda sp: sp.from_date):
        if span.from_date <= last and (span.to_date is None or span.to_date >= first):
            areas[span.site_id] = span.area_m2
    pairs = [(areas.get(site_id, Decimal(0)), inspection_rules.site_month_score(scores))
             for site_id, scores in by_site.items()]
    return inspection_rules.contract_month_score((a, s) for a, s in pairs if s is not None)


def _values(computed: rules.Statement, now: datetime) -> dict[str, Any]:
    return {
        "assessed": computed.assessed, "base": computed.base, "score": computed.score,
        # k is stored with four decimals (a linear table gives e.g. 0.9100)
        "coefficient": None if computed.coefficient is None else computed.coefficient.quantize(Decimal("0.0001")),
        "failing": computed.failing, "penalties": computed.penalties, "payable": computed.payable,
        "retention": computed.retention, "net": computed.net, "computed_at": now,
    }


# --- the approval flow ------------------------------------------------------------------------------


def certificate_view(session: Session, clock: Clock, statement_id: int, user: CurrentUser) -> dict[str, Any]:
    """The payment certificate (支付证书) PDF's content, for whoever may see the statement."""
    statement = get(session, statement_id, user)
    return {"s": statement, "flag": termination_may_be_proposed(session, statement.contract_id, statement.month),
            "today": local_date(clock())}


def get(session: Session, statement_id: int, user: CurrentUser | None = None) -> PaymentStatement:
    statement = session.scalar(select(PaymentStatement).where(PaymentStatement.id == statement_id).options(
        selectinload(PaymentStatement.lines), selectinload(PaymentStatement.events)))
    if statement is None or (user is not None and policy.acts_for_company(user)
                             and not policy.owns(user, statement.contract.contractor_id)):
        raise NotFound("Statement {id} does not exist.", id=statement_id)
    return statement


def statement_page(session: Session, clock: Clock, user: CurrentUser, statement_id: int) -> dict[str, Any]:
    """A statement as its page shows it: its lines with the cases and inspections they rest on."""
    statement = get(session, statement_id, user)
    case_ids = [c for line in statement.lines for c in line.evidence.get("cases", [])]
    inspection_ids = [i for line in statement.lines for i in line.evidence.get("inspections", [])]
    cases = list(session.scalars(select(Case).where(Case.id.in_(case_ids))).unique()) if case_ids else []
    inspections = list(session.scalars(select(Inspection).where(Inspection.id.in_(inspection_ids))
                                       .order_by(Inspection.inspected_at)).unique()) if inspection_ids else []
    return {"s": statement, "cases": cases, "inspections": inspections,
            "overdue": is_overdue(statement, local_date(clock())),
            "flag": termination_may_be_proposed(session, statement.contract_id, statement.month),
            # What this person can do next, as submit / decide / pay check it.
            "may_submit": user.can(Permission.PAYMENTS_RUN) and statement.state == StatementState.DRAFT
            and statement.assessed,
            "may_decide": user.can(Permission.PAYMENTS_APPROVE) and statement.state == StatementState.SUBMITTED,
            "may_pay": user.can(Permission.PAYMENTS_APPROVE) and statement.state == StatementState.APPROVED}


def _event(session: Session, statement: PaymentStatement, clock: Clock, user: CurrentUser, action: str, note: str = "") -> None:
    statement.events.append(StatementEvent(at=clock(), actor_id=user.id, actor_name=user.display_name, action=action,
                                           note=note))
    audit.record(session, clock, user.actor, f"statement.{action}", "payment_statement", statement.id, None,
                 {"state": statement.state, "note": note})


def _tell(session: Session, clock: Clock, statement: PaymentStatement, user_ids: list[int], message: str,
          **params: str) -> None:
    """A statement's step, told to whoever acts next or is paid (no commit)."""
    accounts.notify(session, clock, user_ids, message, f"/payments/statements/{statement.id}",
                    number=statement.contract.number, month=statement.month,
                    amount=format_amount(statement.net) if statement.net is not None else "—",
                    due=statement.due_date.isoformat() if statement.due_date else "—", **params)


def submit(session: Session, clock: Clock, user: CurrentUser, statement_id: int) -> PaymentStatement:
    statement = get(session, statement_id)
    if statement.state != StatementState.DRAFT:
        raise Conflict("This statement is {state}; only a draft can be submitted.", state=statement.state)
    if not statement.assessed:
        raise Conflict("The month was not assessed (no inspected site): the statement cannot be submitted.")
    statement.state, statement.submitted_at, statement.submitted_by_id = StatementState.SUBMITTED, clock(), user.id
    _event(session, statement, clock, user, "submitted")
    _tell(session, clock, statement, accounts.logins_with(session, Permission.PAYMENTS_APPROVE),
          N_("Statement {number} {month} awaits your approval: {amount}."))
    session.commit()
    return statement


def approve(session: Session, clock: Clock, user: CurrentUser, statement_id: int) -> PaymentStatement:
    """Maker-checker: whoever submitted a statement cannot approve it."""
    statement = get(session, statement_id)
    if statement.state != StatementState.SUBMITTED:
        raise Conflict("This statement is {state}; only a submitted one can be approved.", state=statement.state)
    if statement.submitted_by_id == user.id:
        raise Forbidden("You submitted this statement; someone else must approve it (maker-checker).")
    now = clock()
    statement.state, statement.approved_at, statement.approved_by_id = StatementState.APPROVED, now, user.id
    statement.due_date = rules.due_date(local_date(now))
    _event(session, statement, clock, user, "approved")
    _tell(session, clock, statement, accounts.company_logins(session, statement.contract.contractor_id)
          + ([statement.submitted_by_id] if statement.submitted_by_id else []),
          N_("Statement {number} {month} is approved: {amount} is due by {due}."))
    session.commit()
    return statement


def return_to_draft(session: Session, clock: Clock, user: CurrentUser, statement_id: int, reason: str) -> PaymentStatement:
    statement = get(session, statement_id)
    if statement.state != StatementState.SUBMITTED:
        raise Conflict("Only a submitted statement can be returned.")
    if not reason.strip():
        raise InvalidInput("Give the reason for returning it.", errors=[{"field": "reason", "message": "Required."}])
    statement.state, statement.returned_reason = StatementState.DRAFT, reason.strip()
    submitter = statement.submitted_by_id
    statement.submitted_at = statement.submitted_by_id = None
    _event(session, statement, clock, user, "returned", reason.strip())
    _tell(session, clock, statement, [submitter] if submitter else accounts.logins_with(session, Permission.PAYMENTS_RUN),
          N_("Statement {number} {month} was returned: {reason}"), reason=reason.strip())
    session.commit()
    return statement


def pay(session: Session, clock: Clock, user: CurrentUser, statement_id: int, paid_on: date | None,
        reference: str) -> PaymentStatement:
    statement = get(session, statement_id)
    if statement.state != StatementState.APPROVED:
        raise Conflict("Only an approved statement can be paid; this one is {state}.", state=statement.state)
    paid_on = paid_on or local_date(clock())
    errors = []
    if not reference.strip():
        errors.append({"field": "reference", "message": "Required."})
    if statement.approved_at and paid_on < local_date(statement.approved_at):
        errors.append({"field": "paid_on", "message": "A payment cannot precede the approval."})
    if paid_on > local_date(clock()):
        errors.append({"field": "paid_on", "message": "A payment cannot be dated in the future."})
    if errors:
        raise InvalidInput("The payment has errors.", errors=errors)
    statement.state, statement.paid_on, statement.payment_reference = StatementState.PAID, paid_on, reference.strip()[:64]
    _event(session, statement, clock, user, "paid", f"{paid_on.isoformat()} {reference.strip()}")
    _tell(session, clock, statement, accounts.company_logins(session, statement.contract.contractor_id),
          N_("Statement {number} {month} is paid: {amount} on {date}."), date=paid_on.isoformat())
    session.commit()
    return statement


def release_retention(session: Session, clock: Clock, user: CurrentUser, contract_id: int) -> PaymentStatement:
    """After the defects-liability period, a statement paying back the retention withheld."""
    contract = session.get(Contract, contract_id)
    if contract is None:
        raise NotFound("Contract {id} does not exist.", id=contract_id)
    release_from = add_months(_term_end(contract) + timedelta(days=1), contract.defects_liability_months)
    if local_date(clock()) < release_from:
        raise Conflict("The defects-liability period runs until {day}; the retention is released after it.",
                       day=(release_from - timedelta(days=1)).isoformat())
    held = sum((s.retention or Decimal(0) for s in session.scalars(select(PaymentStatement).where(
        PaymentStatement.contract_id == contract.id, PaymentStatement.kind == "monthly",
        PaymentStatement.state == StatementState.PAID))), Decimal("0.00"))
    month = local_date(clock()).strftime("%Y-%m")
    if session.scalar(select(PaymentStatement.id).where(PaymentStatement.contract_id == contract.id,
                                                        PaymentStatement.kind == "retention")) is not None:
        raise Conflict("The retention of this contract has already been released.")
    statement = PaymentStatement(
        contract_id=contract.id, month=month, kind="retention", state=StatementState.SUBMITTED, assessed=True,
        base=held, score=None, coefficient=None, failing=False, penalties=Decimal("0.00"), payable=held,
        retention=Decimal("0.00"), net=held, computed_at=clock(), submitted_at=clock(), submitted_by_id=user.id,
        returned_reason="", payment_reference="",
        lines=[StatementLine(position=1, kind="retention_release",
                             label=line_text("zh_CN", "retention_release", {}, ""), params={},
                             quantity=Decimal(0), amount=held, evidence={})])
    session.add(statement)
    session.flush()
    _event(session, statement, clock, user, "submitted", "retention release")
    session.commit()
    return statement


# --- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementFilter:
    month: str | None = None
    state: str | None = None
    contract_id: int | None = None
    overdue: bool = False


def list_statements(session: Session, clock: Clock, user: CurrentUser, flt: StatementFilter, *,
                    with_lines: bool = False) -> list[PaymentStatement]:
    """The statements ``user`` may see, filtered; with their lines and events when asked (the API
    answers them, the list page does not)."""
    stmt = select(PaymentStatement).order_by(PaymentStatement.month.desc(), PaymentStatement.contract_id)
    if with_lines:
        stmt = stmt.options(selectinload(PaymentStatement.lines), selectinload(PaymentStatement.events))
    if policy.acts_for_company(user):
        stmt = stmt.join(Contract).where(policy.company_filter(user, Contract.contractor_id))
    if flt.month:
        month_bounds(flt.month)
        stmt = stmt.where(PaymentStatement.month == flt.month)
    if flt.state:
        stmt = stmt.where(PaymentStatement.state == flt.state)
    if flt.contract_id:
        stmt = stmt.where(PaymentStatement.contract_id == flt.contract_id)
    if flt.overdue:
        stmt = stmt.where(PaymentStatement.state == StatementState.APPROVED, PaymentStatement.due_date < local_date(clock()))
    return list(session.scalars(stmt).unique())


def is_overdue(statement: PaymentStatement, today: date) -> bool:
    return statement.state == StatementState.APPROVED and statement.due_date is not None and statement.due_date < today


def failing_flags(session: Session, contract_id: int) -> dict[str, bool]:
    return dict(session.execute(select(PaymentStatement.month, PaymentStatement.failing).where(
        PaymentStatement.contract_id == contract_id, PaymentStatement.kind == "monthly")).all())


def failing_record(session: Session, contract_id: int) -> tuple[list[str], bool]:
    """The contract's failing months, and whether three of them ever came in a row."""
    failing = failing_flags(session, contract_id)
    months = sorted(m for m, bad in failing.items() if bad)
    return months, any(rules.consecutive_failing(failing, m) for m in months)


@contracts.contract_page_panels.handler
def _contract_page_panel(session: Session, contract: Contract) -> dict[str, Any]:
    failing_months, flagged = failing_record(session, contract.id)
    return {"failing_months": failing_months, "termination_flag": flagged}


def termination_may_be_proposed(session: Session, contract_id: int, month: str) -> bool:
    return rules.consecutive_failing(failing_flags(session, contract_id), month)


def record_exposure(session: Session, clock: Clock, user: CurrentUser, contract_id: int, reported_on: object, level: str,
                    outlet: str, note: str = "") -> MediaExposure:
    if session.get(Contract, contract_id) is None:
        raise NotFound("Contract {id} does not exist.", id=contract_id)
    try:
        day = parse_date(reported_on)
    except ValueError:
        day = None
    errors: list[dict[str, Any]] = []
    if day is None:
        errors.append({"field": "reported_on", "message": "Not a date; use YYYY-MM-DD."})
    if level not in ("county", "city"):
        errors.append({"field": "level", "message": "Use county or city."})
    if not outlet.strip():
        errors.append({"field": "outlet", "message": "Required."})
    if errors:
        raise InvalidInput("The exposure has errors.", errors=errors)
    exposure = MediaExposure(contract_id=contract_id, reported_on=day, level=level, outlet=outlet.strip()[:128],
                             note=note.strip(), created_by_id=user.id)
    session.add(exposure)
    session.flush()
    audit.record(session, clock, user.actor, "penalty.media", "contract", contract_id, None,
                 {"date": str(day), "level": level, "outlet": exposure.outlet})
    session.commit()
    return exposure


#: The ledger's columns (msgids): headed in the reader's language, the API's and the page's alike.
LEDGER_COLUMNS = [N_("Contract"), N_("Contractor"), N_("Month"), N_("State"), N_("Base"), N_("Score"), N_("Coefficient k"),
                  N_("Penalties"), N_("Payable A"), N_("Retention"), N_("Net due N"), N_("Due date"), N_("Paid on"),
                  N_("Payment reference")]


def ledger_rows(statements: list[PaymentStatement], locale: str = "zh_CN") -> list[list[object]]:
    """One row per statement; its state named in the reader's language (never a code)."""
    return [[s.contract.number, s.contract.contractor.company_name, s.month, key_label(locale, "statement", s.state),
             s.base, s.score, s.coefficient, s.penalties, s.payable, s.retention, s.net, s.due_date, s.paid_on,
             s.payment_reference] for s in statements]


def ledger_csv(statements: list[PaymentStatement], locale: str = "zh_CN") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([gettext(locale, c) for c in LEDGER_COLUMNS])
    for row in ledger_rows(statements, locale):
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode("utf-8-sig")  # Excel in a Chinese locale reads UTF-8 with a BOM


def ledger_xlsx(statements: list[PaymentStatement], locale: str = "zh_CN") -> bytes:
    from openpyxl import Workbook  # openpyxl (slow to import) only when a ledger is downloaded

    book = Workbook()
    sheet = book.active
    sheet.title = gettext(locale, "Payment ledger")
    sheet.append([gettext(locale, c) for c in LEDGER_COLUMNS])
    for row in ledger_rows(statements, locale):
        sheet.append(row)  # Decimals stay exact in the file; Excel shows them as numbers
    for column in "EHIJK":
        for cell in sheet[column][1:]:
            cell.number_format = "#,##0.00"
    for cell in sheet[1]:
        cell.style = "Headline 4"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def statements_page(session: Session, clock: Clock, user: CurrentUser, flt: StatementFilter) -> dict[str, Any]:
    """The statement list, those past their payment term flagged; for finance also every
    approved statement overdue for payment, whatever the filter."""
    rows = list_statements(session, clock, user, flt)
    today = local_date(clock())
    overdue = list_statements(session, clock, user, StatementFilter(overdue=True)) \
        if user.can(Permission.PAYMENTS_APPROVE) else []
    return {"rows": rows, "overdue_rows": overdue, "late": {s.id for s in rows if is_overdue(s, today)}}
