"""Reports for officers and admins: 考评, contractor trends and scorecards, budget against spend."""

from __future__ import annotations

import io
from typing import Annotated, Any

from sqlalchemy.orm import Session

from litestar import Controller, Request, Response, get
from litestar.params import FromQuery, QueryParameter


from procure.accounts.rules import Permission
from procure.kernel.clock import Clock, local_date
from procure.kernel.clock import last_complete_month, month_bounds
from procure.reports import services, svgchart
from procure.kernel.web import scope_locale, pdf_response
from procure.kernel.web import DB, AppClock, page
from procure.documents.web import Pdf
from procure.accounts.web import requires

REPORTS = requires(Permission.BUDGET_READ)


def _month(raw: str | None, clock: Clock) -> str:
    month = raw or last_complete_month(clock())
    month_bounds(month)
    return month


def kaoping_xlsx(rows: list[services.KaopingRow], contractors: list[services.ContractorRow], month: str,
                 evaluation: services.Evaluation) -> bytes:
    from openpyxl import Workbook  # openpyxl (slow to import) only when a sheet is downloaded

    book = Workbook()
    sheet = book.active
    sheet.title = f"考评 {month}"
    sheet.append(["属地", "养护对象", "已检查", "平均得分", "不合格", "应处置案卷", "按时处置率%", "结案率%", "返工率%"])
    for r in rows:
        sheet.append([r.jurisdiction.name, r.sites, r.inspected, r.mean_score, r.failing_sites, r.cases.due,
                      r.cases.on_time_rate, r.cases.closure_rate, r.cases.rework_rate])
    second = book.create_sheet("养护单位")
    second.append(["养护单位", *[m for m, _ in (contractors[0].trend if contractors else [])], "不合格月数", "扣款", "已支付",
                   "综合评分", "等级"])
    for c in contractors:
        second.append([c.contractor.company_name, *[s for _, s in c.trend], c.failing_months, c.penalties, c.paid,
                       c.card.total, c.card.standing])
    third = book.create_sheet("数字城管评价")
    third.append(["区域", "立案数", "发现率%", "监督举报率%", "应处置数", "处置率%", "按时处置率%", "结案率%", "按期结案率%", "返工率%",
                  "综合指标值", "等级"])
    for e in [evaluation.district, *evaluation.areas]:
        c = e.counts
        third.append(["全区" if e.subject is None else e.subject.name, c.registered, c.discovery_rate, c.public_report_rate,
                      c.due, c.handling_rate, c.on_time_handling_rate, c.closure_rate, c.on_time_closure_rate,
                      c.rework_rate, e.composite, e.band])
    third.append([])
    third.append(["养护单位", "应处置数", "按时处置率%", "结案率%", "返工率%", "综合指标值", "等级"])
    for e in evaluation.contractors:
        c = e.counts
        third.append([e.subject.company_name, c.due, c.on_time_handling_rate, c.closure_rate, c.rework_rate, e.composite,
                      e.band])
    third.append([])
    third.append(["巡查员", "上报数", "有效上报率%", "漏报数", "漏报率%", "综合指标值", "等级"])
    for e in evaluation.inspectors:
        c = e.counts
        third.append([e.subject.display_name, c.reported, c.valid_report_rate, c.missed, c.miss_rate, e.composite, e.band])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def kaoping_view(db: Session, clock: Clock, month: str) -> dict[str, Any]:
    """The 考评 page and PDF: the service's read model with each contractor's trend drawn as SVG
    (drawing is presentation, so it stays on the web side)."""
    context = services.kaoping_page(db, clock, month)
    context["charts"] = {c.contractor.id: svgchart.trend(c.trend) for c in context["contractors"]}
    context["evaluation_charts"] = svgchart.evaluation_charts(context["evaluation"])
    return context


class ReportPages(Controller):
    path = "/reports"
    include_in_schema = False
    guards = [REPORTS]

    @get("/kaoping", sync_to_thread=True)
    def kaoping(self, request: Request, db: DB, clock: AppClock, month: FromQuery[str | None] = None) -> Response:
        return page(request, "reports/kaoping.html", **kaoping_view(db, clock, _month(month, clock)))

    @get("/kaoping.xlsx", sync_to_thread=True)
    def kaoping_xlsx(self, db: DB, clock: AppClock, month: FromQuery[str | None] = None) -> Response:
        month = _month(month, clock)
        context = services.kaoping_page(db, clock, month)
        content = kaoping_xlsx(context["rows"], context["contractors"], month, context["evaluation"])
        return Response(content, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename=kaoping-{month}.xlsx"})

    @get("/kaoping.pdf", sync_to_thread=True)
    def kaoping_pdf(self, request: Request, db: DB, clock: AppClock, pdf: Pdf, month: FromQuery[str | None] = None) -> Response:
        month = _month(month, clock)
        context = kaoping_view(db, clock, month) | {"locale": scope_locale(request.scope)}
        return pdf_response(pdf.render("pdf/kaoping.html", context), f"考评-{month}.pdf")

    @get("/budget", sync_to_thread=True)
    def budget(self, request: Request, db: DB, clock: AppClock, year: Annotated[int | None, QueryParameter(ge=2000, le=2100)] = None) -> Response:
        year = year or local_date(clock()).year
        return page(request, "reports/budget.html", year=year, **services.budget_page(db, clock, year))
