"""Contracts: API (DESIGN §6) and pages (register, detail, signing, variations)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from procure.accounts.services import CurrentUser
from procure.kernel.i18n import N_
from procure.kernel.clock import Clock

from typing import Annotated

from litestar import Controller, Request, Response, get, patch, post
from litestar.params import FromQuery, JSONBody, QueryParameter


from procure.accounts.rules import Permission
from procure.kernel.clock import local_date
from procure.contracts import services
from procure.contracts.models import Contract
from procure.contracts.schemas import ContractOut, ContractPage, ReasonIn, TermsIn, VariationIn, VariationOut
from procure.contracts.services import ContractFilter
from procure.kernel.pagination import PageRequest
from procure.sites.schemas import SiteOut
from procure.kernel.web import scope_locale, pdf_response
from procure.kernel.web import AppClock, attempt, DB, FormData, page, PageNo, PathId, QueryId
from procure.accounts.web import Me, requires
from procure.documents.web import Pdf

READERS = requires(Permission.CONTRACTS_READ)


def out(contract: Contract, clock: Clock) -> ContractOut:
    return ContractOut.of(contract, services.term_end(contract), services.signing_late(contract, local_date(clock())))


def _filter(state: str | None, contractor_id: int | None, jurisdiction: str | None, expiring: int | None) -> ContractFilter:
    return ContractFilter(state=state or None, contractor_id=contractor_id, jurisdiction=jurisdiction or None,
                          expiring_within_days=expiring)


class ContractsApi(Controller):
    path = "/api/v1"
    tags = ["contracts"]

    @get("/contracts", sync_to_thread=True, guards=[READERS],
         summary="The contract register (contractors: their own) with filters")
    def index(self, db: DB, clock: AppClock, user: Me,
              state_filter: Annotated[str | None, QueryParameter(name="state")] = None,
              contractor_id: QueryId = None, jurisdiction: FromQuery[str | None] = None,
              expiring_within_days: Annotated[int | None, QueryParameter(ge=0, le=36500)] = None,
              page_no: PageNo = 1,
              per_page: Annotated[int, QueryParameter(ge=1, le=200)] = 50) -> ContractPage:
        result = services.register(db, clock, _filter(state_filter, contractor_id, jurisdiction, expiring_within_days),
                                   PageRequest(page_no, per_page), user, with_sites=True)
        return ContractPage([out(c, clock) for c in result.items], result.total, page_no, per_page)

    @get("/contracts/{contract_id:int}", sync_to_thread=True, guards=[READERS], summary="One contract")
    def show(self, contract_id: PathId, db: DB, clock: AppClock, user: Me) -> ContractOut:
        return out(services.get(db, clock, contract_id, user), clock)

    @patch("/contracts/{contract_id:int}", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)],
           summary="Adjust terms before signing")
    def update(self, contract_id: PathId, data: JSONBody[TermsIn], db: DB, clock: AppClock, user: Me) -> ContractOut:
        return out(services.update_terms(db, clock, user.actor, contract_id, data), clock)

    @post("/contracts/{contract_id:int}/sign", sync_to_thread=True, status_code=200,
          guards=[requires(Permission.CONTRACTS_SIGN)], summary="Sign (the contractor, then or before the bureau)")
    def sign(self, contract_id: PathId, db: DB, clock: AppClock, user: Me) -> ContractOut:
        return out(services.sign(db, clock, user, contract_id), clock)

    @post("/contracts/{contract_id:int}/variations", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)],
          summary="A variation: add_site, remove_site or change_area, with effective date and fee delta")
    def variation(self, contract_id: PathId, data: JSONBody[VariationIn], db: DB, clock: AppClock, user: Me) -> VariationOut:
        v = services.add_variation(db, clock, user.actor, contract_id, data)
        return VariationOut(v.number, v.kind, v.site_id, None if v.area_before is None else str(v.area_before),
                            None if v.area_after is None else str(v.area_after), v.effective_date,
                            str(v.monthly_fee_delta), str(v.added_value), v.reason)

    @post("/contracts/{contract_id:int}/terminate", sync_to_thread=True, status_code=200,
          guards=[requires(Permission.TENDERS_MANAGE)], summary="Terminate with a reason")
    def terminate(self, contract_id: PathId, data: JSONBody[ReasonIn], db: DB, clock: AppClock, user: Me) -> ContractOut:
        return out(services.terminate(db, clock, user.actor, contract_id, data.reason), clock)

    @post("/contracts/{contract_id:int}/suspend", sync_to_thread=True, status_code=200,
          guards=[requires(Permission.TENDERS_MANAGE)], summary="Suspend with a reason")
    def suspend(self, contract_id: PathId, data: JSONBody[ReasonIn], db: DB, clock: AppClock, user: Me) -> ContractOut:
        return out(services.suspend(db, clock, user.actor, contract_id, data.reason), clock)

    @post("/contracts/{contract_id:int}/resume", sync_to_thread=True, status_code=200,
          guards=[requires(Permission.TENDERS_MANAGE)], summary="Resume a suspended contract")
    def resume(self, contract_id: PathId, db: DB, clock: AppClock, user: Me) -> ContractOut:
        return out(services.resume(db, clock, user.actor, contract_id), clock)

    @get("/contracts/{contract_id:int}/contract.pdf", sync_to_thread=True, guards=[READERS],
         media_type="application/pdf", summary="The contract document (PDF)")
    def pdf(self, request: Request, contract_id: PathId, db: DB, clock: AppClock, user: Me, pdf: Pdf) -> Response:
        document = services.contract_document(db, clock, user, contract_id) | {"locale": scope_locale(request.scope)}
        return pdf_response(pdf.render("pdf/contract.html", document),
                            f"{document['contract'].number}.pdf")

    @get("/sites/uncovered", sync_to_thread=True, guards=[requires(Permission.SITES_READ)],
         summary="Handed-over sites no live contract covers today")
    def uncovered(self, db: DB, clock: AppClock, jurisdiction: FromQuery[str | None] = None) -> list[SiteOut]:
        return [SiteOut.of(s) for s in services.uncovered_sites(db, clock, jurisdiction)]


class ContractPages(Controller):
    include_in_schema = False

    @get("/contracts", sync_to_thread=True, guards=[READERS])
    def index(self, request: Request, db: DB, clock: AppClock, user: Me,
              state_filter: Annotated[str | None, QueryParameter(name="state")] = None,
              jurisdiction: FromQuery[str | None] = None, expiring: FromQuery[str | None] = None,
              page_no: PageNo = 1) -> Response:
        flt = _filter(state_filter, None, jurisdiction, 90 if expiring else None)
        return page(request, "contracts/list.html", state=state_filter or "", jurisdiction=jurisdiction or "",
                    expiring=bool(expiring), **services.register_page(db, clock, user, flt, PageRequest(page_no, 30)))

    @get("/contracts/{contract_id:int}", sync_to_thread=True, guards=[READERS])
    def show(self, request: Request, contract_id: PathId, db: DB, clock: AppClock, user: Me) -> Response:
        return self._detail(request, db, clock, user, contract_id)

    def _detail(self, request: Request, db: Session, clock: Clock, user: CurrentUser, contract_id: int, *, status: int = 200,
                error: str | None = None) -> Response:
        return page(request, "contracts/detail.html", status_code=status, error=error,
                    **services.contract_page(db, clock, user, contract_id))

    def _act(self, request: Request, db: Session, clock: Clock, user: CurrentUser, contract_id: int, action: Callable[[], object],
             said: str | None = None) -> Response:
        return attempt(request, db, action, success=f"/contracts/{contract_id}", said=said, on_error=lambda status, message: self._detail(
            request, db, clock, user, contract_id, status=status, error=message))

    @post("/contracts/{contract_id:int}/sign", sync_to_thread=True, guards=[requires(Permission.CONTRACTS_SIGN)])
    def sign(self, request: Request, contract_id: PathId, db: DB, clock: AppClock, user: Me) -> Response:
        return self._act(request, db, clock, user, contract_id, lambda: services.sign(db, clock, user, contract_id),
                         said=N_("Signed."))

    @post("/contracts/{contract_id:int}/terms", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)])
    def terms(self, request: Request, contract_id: PathId, data: FormData, db: DB, clock: AppClock, user: Me) -> Response:
        changes = {k: v for k, v in data.items() if k in services.TERM_FIELDS}  # the rest is the form's own (CSRF)
        return self._act(request, db, clock, user, contract_id,
                         lambda: services.update_terms(db, clock, user.actor, contract_id, changes),
                         said=N_("The terms are saved."))

    @post("/contracts/{contract_id:int}/variations", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)])
    def variation(self, request: Request, contract_id: PathId, data: FormData, db: DB, clock: AppClock,
                  user: Me) -> Response:
        return self._act(request, db, clock, user, contract_id,
                         lambda: services.add_variation(db, clock, user.actor, contract_id, dict(data)),
                         said=N_("The variation is recorded; the company is told."))

    @post("/contracts/{contract_id:int}/end", sync_to_thread=True, guards=[requires(Permission.TENDERS_MANAGE)])
    def end(self, request: Request, contract_id: PathId, data: FormData, db: DB, clock: AppClock, user: Me) -> Response:
        actions = {"terminate": services.terminate, "suspend": services.suspend}
        if data.get("action") == "resume":
            return self._act(request, db, clock, user, contract_id, lambda: services.resume(db, clock, user.actor, contract_id),
                              said=N_("The contract is in force again."))
        chosen = actions.get(str(data.get("action")), services.terminate)
        return self._act(request, db, clock, user, contract_id,
                         lambda: chosen(db, clock, user.actor, contract_id, data.get("reason", "")),
                         said=N_("The contract's state is changed; the company is told."))

    @get("/contracts/{contract_id:int}/contract.pdf", sync_to_thread=True, guards=[READERS])
    def pdf(self, request: Request, contract_id: PathId, db: DB, clock: AppClock, user: Me, pdf: Pdf) -> Response:
        document = services.contract_document(db, clock, user, contract_id) | {"locale": scope_locale(request.scope)}
        return pdf_response(pdf.render("pdf/contract.html", document),
                            f"{document['contract'].number}.pdf")
