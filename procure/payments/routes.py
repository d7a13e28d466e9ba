"""Payments: API (DESIGN §6), the officer's and finance's pages, certificates and ledgers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery, JSONBody, QueryParameter

from sqlalchemy.orm import Session

from procure.accounts.rules import Permission
from procure.accounts.services import CurrentUser
from procure.kernel.i18n import N_
from procure.kernel.clock import Clock, local_date
from procure.kernel.errors import ProcureError
from procure.kernel.clock import last_complete_month
from procure.documents.pdf import PdfRenderer
from procure.payments import services
from procure.payments.models import PaymentStatement
from procure.payments.schemas import ExposureIn, PayIn, ReasonIn, RunIn, RunOut, StatementOut
from procure.payments.services import RunResult, StatementFilter
from procure.kernel import inputs
from procure.kernel.web import pdf_response
from procure.kernel.web import AppClock, attempt, DB, form_errors, FormData, page, PathId, QueryId, scope_locale
from procure.accounts.web import Me, requires
from procure.documents.web import Pdf



def out(statement: PaymentStatement, clock: Clock) -> StatementOut:
    return StatementOut.of(statement, services.is_overdue(statement, local_date(clock())))


def certificate(pdf: PdfRenderer, context: dict[str, Any], locale: str) -> Response:
    statement = context["s"]
    return pdf_response(pdf.render("pdf/payment_certificate.html", context | {"locale": locale}),
                        f"支付证书-{statement.contract.number}-{statement.month}.pdf")


class PaymentsApi(Controller):
    path = "/api/v1"
    tags = ["payments"]

    @post("/payments/runs", sync_to_thread=True, guards=[requires(Permission.PAYMENTS_RUN)],
          summary="Compute the month's draft statements (idempotent; never touches submitted ones)")
    def run(self, data: JSONBody[RunIn], db: DB, clock: AppClock, user: Me) -> RunOut:
        result = services.run_month(db, clock, user.actor, data.month)
        return RunOut(result.month, result.created, result.replaced, result.kept, result.not_assessed,
                      [out(s, clock) for s in result.statements])

    @get("/payment-statements", sync_to_thread=True, guards=[requires(Permission.PAYMENTS_READ)],
         summary="Statements (contractors: their own); filters month, state, contract_id, overdue")
    def index(self, db: DB, clock: AppClock, user: Me, month: FromQuery[str | None] = None,
              state_filter: Annotated[str | None, QueryParameter(name="state")] = None,
              contract_id: QueryId = None, overdue: FromQuery[bool] = False) -> list[StatementOut]:
        rows = services.list_statements(db, clock, user, StatementFilter(month, state_filter, contract_id, overdue),
                                        with_lines=True)
        return [out(s, clock) for s in rows]

    @get("/payment-statements/{statement_id:int}", sync_to_thread=True, guards=[requires(Permission.PAYMENTS_READ)],
         summary="A statement: base, score, coefficient, penalties, payable, retention, net, lines, state")
    def show(self, statement_id: PathId, db: DB, clock: AppClock, user: Me) -> StatementOut:
        return out(services.get(db, statement_id, user), clock)

    @post("/payment-statements/{statement_id:int}/submit", sync_to_thread=True, status_code=200,
          guards=[requires(Permission.PAYMENTS_RUN)], summary="Submit to finance")
    def submit(self, statement_id: PathId, db: DB, clock: AppClock, user: Me) -> StatementOut:
        return out(services.submit(db, clock, user, statement_id), clock)

    @post("/payment-statements/{statement_id:int}/approve", sync_to_thread=True, status_code=200,
          guards=[requires(Permission.PAYMENTS_APPROVE)], summary="Approve (not by the one who submitted)")
    def approve(self, statement_id: PathId, db: DB, clock: AppClock, user: Me) -> StatementOut:
        return out(services.approve(db, clock, user, statement_id), clock)

    @post("/payment-statements/{statement_id:int}/return", sync_to_thread=True, status_code=200,
          guards=[requires(Permission.PAYMENTS_APPROVE)], summary="Return to draft with a reason")
    def return_(self, statement_id: PathId, data: JSONBody[ReasonIn], db: DB, clock: AppClock, user: Me) -> StatementOut:
        return out(services.return_to_draft(db, clock, user, statement_id, data.reason), clock)

    @post("/payment-statements/{statement_id:int}/pay", sync_to_thread=True, status_code=200,
          guards=[requires(Permission.PAYMENTS_APPROVE)], summary="Record the payment {paid_on, reference}")
    def pay(self, statement_id: PathId, data: JSONBody[PayIn], db: DB, clock: AppClock, user: Me) -> StatementOut:
        return out(services.pay(db, clock, user, statement_id, data.paid_on, data.reference), clock)

    @get("/payment-statements/{statement_id:int}/certificate.pdf", sync_to_thread=True,
         guards=[requires(Permission.PAYMENTS_READ)], media_type="application/pdf", summary="支付证书 PDF")
    def certificate(self, request: Request, statement_id: PathId, db: DB, clock: AppClock, user: Me, pdf: Pdf) -> Response:
        return certificate(pdf, services.certificate_view(db, clock, statement_id, user), scope_locale(request.scope))

    @get("/payments/ledger.csv", sync_to_thread=True, guards=[requires(Permission.PAYMENTS_APPROVE)],
         summary="A month's statements as CSV (UTF-8 with BOM)")
    def ledger_csv(self, request: Request, month: FromQuery[str], db: DB, clock: AppClock, user: Me) -> Response:
        rows = services.list_statements(db, clock, user, StatementFilter(month=month))
        return Response(services.ledger_csv(rows, scope_locale(request.scope)), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename=ledger-{month}.csv"})

    @get("/payments/ledger.xlsx", sync_to_thread=True, guards=[requires(Permission.PAYMENTS_APPROVE)],
         summary="A month's statements as XLSX")
    def ledger_xlsx(self, request: Request, month: FromQuery[str], db: DB, clock: AppClock, user: Me) -> Response:
        rows = services.list_statements(db, clock, user, StatementFilter(month=month))
        return Response(services.ledger_xlsx(rows, scope_locale(request.scope)),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename=ledger-{month}.xlsx"})

    @post("/contracts/{contract_id:int}/retention-release", sync_to_thread=True,
          guards=[requires(Permission.PAYMENTS_APPROVE)], summary="Release the retention after the defects-liability period")
    def release(self, contract_id: PathId, db: DB, clock: AppClock, user: Me) -> StatementOut:
        return out(services.release_retention(db, clock, user, contract_id), clock)

    @post("/contracts/{contract_id:int}/media-exposures", sync_to_thread=True, guards=[requires(Permission.PAYMENTS_RUN)],
          summary="Record a media exposure (county or city) for the month's penalty")
    def exposure(self, contract_id: PathId, data: JSONBody[ExposureIn], db: DB, clock: AppClock, user: Me) -> dict[str, Any]:
        e = services.record_exposure(db, clock, user, contract_id, data.reported_on, data.level, data.outlet, data.note)
        return {"id": e.id, "reported_on": e.reported_on, "level": e.level}


class PaymentPages(Controller):
    include_in_schema = False

    @get("/payments", sync_to_thread=True, guards=[requires(Permission.PAYMENTS_READ)])
    def index(self, request: Request, db: DB, clock: AppClock, user: Me, month: FromQuery[str | None] = None,
              state_filter: Annotated[str | None, QueryParameter(name="state")] = None) -> Response:
        return self._index(request, db, clock, user, month, state_filter)

    def _index(self, request: Request, db: Session, clock: Clock, user: CurrentUser, month: str | None, state: str | None, *,
               status: int = 200, error: str | None = None, result: RunResult | None = None) -> Response:
        if state is None and user.can(Permission.PAYMENTS_APPROVE):
            state = "submitted"  # finance lands on its queue
        month = month or (None if user.can(Permission.PAYMENTS_APPROVE) else last_complete_month(clock()))
        return page(request, "payments/list.html", status_code=status, month=month or "", state=state or "",
                    error=error, result=result,
                    **services.statements_page(db, clock, user, StatementFilter(month=month, state=state or None)))

    @post("/payments/run", sync_to_thread=True, guards=[requires(Permission.PAYMENTS_RUN)])
    def run(self, request: Request, data: FormData, db: DB, clock: AppClock, user: Me) -> Response:
        month = str(data.get("month", ""))
        try:
            result = services.run_month(db, clock, user.actor, month)
        except ProcureError as exc:
            db.rollback()
            detail, _, _ = form_errors(exc, scope_locale(request.scope))
            return self._index(request, db, clock, user, month or None, None, status=exc.status_code, error=detail)
        return self._index(request, db, clock, user, month, None, result=result)

    @get("/payments/statements/{statement_id:int}", sync_to_thread=True, guards=[requires(Permission.PAYMENTS_READ)])
    def show(self, request: Request, statement_id: PathId, db: DB, clock: AppClock, user: Me) -> Response:
        return self._detail(request, db, clock, user, statement_id)

    def _detail(self, request: Request, db: Session, clock: Clock, user: CurrentUser, statement_id: int, *, status: int = 200,
                error: str | None = None) -> Response:
        return page(request, "payments/detail.html", status_code=status, error=error,
                    **services.statement_page(db, clock, user, statement_id))

    def _act(self, request: Request, db: Session, clock: Clock, user: CurrentUser, statement_id: int,
             action: Callable[[], object], said: str | None = None) -> Response:
        return attempt(request, db, action, success=f"/payments/statements/{statement_id}", said=said,
                       on_error=lambda status, message: self._detail(request, db, clock, user, statement_id,
                                                                     status=status, error=message))

    @post("/payments/statements/{statement_id:int}/submit", sync_to_thread=True, guards=[requires(Permission.PAYMENTS_RUN)])
    def submit(self, request: Request, statement_id: PathId, db: DB, clock: AppClock, user: Me) -> Response:
        return self._act(request, db, clock, user, statement_id, lambda: services.submit(db, clock, user, statement_id),
                         said=N_("Submitted to finance for approval."))

    @post("/payments/statements/{statement_id:int}/decide", sync_to_thread=True,
          guards=[requires(Permission.PAYMENTS_APPROVE)])
    def decide(self, request: Request, statement_id: PathId, data: FormData, db: DB, clock: AppClock, user: Me) -> Response:
        if data.get("decision") == "approve":
            return self._act(request, db, clock, user, statement_id, lambda: services.approve(db, clock, user, statement_id),
                             said=N_("Approved: payment is due within 30 days."))
        return self._act(request, db, clock, user, statement_id,
                         lambda: services.return_to_draft(db, clock, user, statement_id, data.get("reason", "")),
                         said=N_("Returned to the officer with your reason."))

    @post("/payments/statements/{statement_id:int}/pay", sync_to_thread=True, guards=[requires(Permission.PAYMENTS_APPROVE)])
    def pay(self, request: Request, statement_id: PathId, data: FormData, db: DB, clock: AppClock, user: Me) -> Response:
        def record() -> object:
            payment = inputs.convert(PayIn, {"paid_on": data.get("paid_on"), "reference": data.get("reference")})
            return services.pay(db, clock, user, statement_id, payment.paid_on, payment.reference)

        return self._act(request, db, clock, user, statement_id, record, said=N_("Payment recorded."))

    @get("/payments/statements/{statement_id:int}/certificate.pdf", sync_to_thread=True,
         guards=[requires(Permission.PAYMENTS_READ)])
    def certificate(self, request: Request, statement_id: PathId, db: DB, clock: AppClock, user: Me, pdf: Pdf) -> Response:
        return certificate(pdf, services.certificate_view(db, clock, statement_id, user), scope_locale(request.scope))

    @get("/payments/ledger.csv", sync_to_thread=True, guards=[requires(Permission.PAYMENTS_APPROVE)])
    def ledger_csv(self, request: Request, month: FromQuery[str], db: DB, clock: AppClock, user: Me) -> Response:
        rows = services.list_statements(db, clock, user, StatementFilter(month=month))
        return Response(services.ledger_csv(rows, scope_locale(request.scope)), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename=ledger-{month}.csv"})

    @get("/payments/ledger.xlsx", sync_to_thread=True, guards=[requires(Permission.PAYMENTS_APPROVE)])
    def ledger_xlsx(self, request: Request, month: FromQuery[str], db: DB, clock: AppClock, user: Me) -> Response:
        rows = services.list_statements(db, clock, user, StatementFilter(month=month))
        return Response(services.ledger_xlsx(rows, scope_locale(request.scope)),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename=ledger-{month}.xlsx"})
