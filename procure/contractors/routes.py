"""Contractor registration and review: API and pages."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import JSONBody, QueryParameter
from litestar.response import Redirect

from procure.accounts.rules import Permission
from procure.contractors import services
from procure.contractors.schemas import ApproveIn, ContractorOut, ContractorPage, RegistrationIn, RejectIn
from procure.contractors.services import Registration
from procure.documents.services import MAX_DOCUMENT_BYTES
from procure.kernel.i18n import N_
from procure.kernel.errors import Forbidden, InvalidInput, ProcureError
from procure.kernel.pagination import PageRequest
from procure.kernel.web import UploadData, done, AppClock, DB, form_errors, FormData, page, PageNo, PathId, scope_locale
from procure.documents.web import AppStorage
from procure.accounts.web import Me, requires



class ContractorsApi(Controller):
    path = "/api/v1/contractors"
    tags = ["contractors"]

    @post("/", sync_to_thread=True, summary="Self-registration of a company (no login); pending until approved")
    def register(self, data: JSONBody[RegistrationIn], db: DB, clock: AppClock) -> ContractorOut:
        contractor = services.register(db, clock, Registration(
            username=data.username, password=data.password, company_name=data.company_name, uscc=data.uscc,
            sme=data.sme, contact_name=data.contact, contact_phone=data.contact_phone,
            contact_email=data.contact_email, address=data.address, uscc_confirm=data.uscc_confirm))
        return ContractorOut.of(contractor)

    @get("/", sync_to_thread=True, guards=[requires(Permission.CONTRACTORS_REVIEW)], summary="Registrations to review")
    def index(self, db: DB, state_filter: Annotated[str | None, QueryParameter(name="state")] = None,
              page_no: PageNo = 1,
              per_page: Annotated[int, QueryParameter(ge=1, le=200)] = 50) -> ContractorPage:
        result = services.list_contractors(db, PageRequest(page_no, per_page), state_filter)
        return ContractorPage([ContractorOut.of(c) for c in result.items], result.total, page_no, per_page)

    @get("/{contractor_id:int}", sync_to_thread=True, guards=[requires()], summary="A company (officers, or its own)")
    def show(self, contractor_id: PathId, db: DB, user: Me) -> ContractorOut:
        if not user.can(Permission.CONTRACTORS_REVIEW) and user.contractor_id != contractor_id:
            raise Forbidden("You may see only your own company.")
        return ContractorOut.of(services.get(db, contractor_id))

    @post("/{contractor_id:int}/approve", sync_to_thread=True, status_code=200,
          guards=[requires(Permission.CONTRACTORS_REVIEW)], summary="Approve a registration")
    def approve(self, contractor_id: PathId, db: DB, clock: AppClock, user: Me,
                data: JSONBody[ApproveIn | None] = None) -> ContractorOut:
        confirm = bool(data and data.confirm_uscc)
        return ContractorOut.of(services.approve(db, clock, user.actor, contractor_id, confirm_uscc=confirm))

    @post("/{contractor_id:int}/reject", sync_to_thread=True, status_code=200,
          guards=[requires(Permission.CONTRACTORS_REVIEW)], summary="Reject a registration with a reason")
    def reject(self, contractor_id: PathId, data: JSONBody[RejectIn], db: DB, clock: AppClock, user: Me) -> ContractorOut:
        return ContractorOut.of(services.reject(db, clock, user.actor, contractor_id, data.reason))

    @post("/me/documents", sync_to_thread=True, guards=[requires(Permission.BIDS_SUBMIT)],
          request_max_body_size=MAX_DOCUMENT_BYTES + 1024 * 1024, summary="Upload a qualification document")
    def add_document(self, data: UploadData, db: DB, clock: AppClock, storage: AppStorage, user: Me) -> ContractorOut:
        upload = data.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("Attach the file in the form field 'file'.")
        services.add_document(db, clock, storage, user, str(data.get("title", "")), upload.file, upload.filename or "")
        return ContractorOut.of(services.of_user(db, user))


class ContractorPages(Controller):
    include_in_schema = False

    @get("/register", sync_to_thread=False)
    def register_form(self, request: Request) -> Response:
        return page(request, "contractors/register.html", form={}, errors={}, error=None)

    @post("/register", sync_to_thread=True)
    def register(self, request: Request, data: FormData, db: DB, clock: AppClock) -> Response:
        try:
            services.register(db, clock, Registration(
                username=data.get("username", ""), password=data.get("password", ""),
                company_name=data.get("company_name", ""), uscc=data.get("uscc", ""), sme=data.get("sme") == "on",
                contact_name=data.get("contact_name", ""), contact_phone=data.get("contact_phone", ""),
                contact_email=data.get("contact_email", ""), address=data.get("address", ""),
                uscc_confirm=data.get("uscc_confirm") == "on"))
        except ProcureError as exc:
            db.rollback()
            detail, by_field, _ = form_errors(exc, scope_locale(request.scope))
            return page(request, "contractors/register.html", status_code=exc.status_code, form=data,
                        errors=by_field, error=detail)
        return Redirect("/register/done")

    @get("/register/done", sync_to_thread=False)
    def registered(self, request: Request) -> Response:
        """After registering: what happens next (the bureau reviews; until then no bid)."""
        return page(request, "contractors/registered.html")

    @get("/contractors", sync_to_thread=True, guards=[requires(Permission.CONTRACTORS_REVIEW)])
    def review(self, request: Request, db: DB, state_filter: Annotated[str | None, QueryParameter(name="state")] = "pending",
               page_no: PageNo = 1) -> Response:
        result = services.list_contractors(db, PageRequest(page_no, 30), state_filter or None)
        return page(request, "contractors/list.html", result=result, state=state_filter or "", error=None)

    @post("/contractors/{contractor_id:int}/decide", sync_to_thread=True,
          guards=[requires(Permission.CONTRACTORS_REVIEW)])
    def decide(self, request: Request, contractor_id: PathId, data: FormData, db: DB, clock: AppClock,
               user: Me) -> Response:
        try:
            if data.get("decision") == "approve":
                services.approve(db, clock, user.actor, contractor_id, confirm_uscc=data.get("confirm_uscc") == "on")
            else:
                services.reject(db, clock, user.actor, contractor_id, data.get("reason", ""))
        except ProcureError as exc:
            db.rollback()
            detail, _, _ = form_errors(exc, scope_locale(request.scope))
            result = services.list_contractors(db, PageRequest(1, 30), "pending")
            return page(request, "contractors/list.html", status_code=exc.status_code, result=result,
                        state="pending", error=detail)
        said = N_("Approved: the company can now bid.") if data.get("decision") == "approve" else \
            N_("Rejected: the company is told why.")
        return done("/contractors", request, said)

    @get("/company", sync_to_thread=True, guards=[requires(Permission.BIDS_SUBMIT)])
    def company(self, request: Request, db: DB, user: Me) -> Response:
        return page(request, "contractors/company.html", company=services.of_user(db, user), error=None)

    @post("/company/documents", sync_to_thread=True, guards=[requires(Permission.BIDS_SUBMIT)],
          request_max_body_size=MAX_DOCUMENT_BYTES + 1024 * 1024)
    def add_document(self, request: Request, data: UploadData, db: DB, clock: AppClock, storage: AppStorage,
                     user: Me) -> Response:
        try:
            upload = data.get("file")
            if not isinstance(upload, UploadFile):
                raise InvalidInput("Attach the file in the form field 'file'.")
            services.add_document(db, clock, storage, user, str(data.get("title", "")), upload.file,
                                  upload.filename or "")
        except ProcureError as exc:
            db.rollback()
            detail, _, _ = form_errors(exc, scope_locale(request.scope))
            return page(request, "contractors/company.html", status_code=exc.status_code,
                        company=services.of_user(db, user), error=detail)
        return done("/company", request, N_("The document is added."))
