from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.kernel.db import AwareDateTime, Base


class Contractor(Base):
    """供应商/养护单位: a company that registers itself and, once approved, may bid."""

    __tablename__ = "contractor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    #: The code failed its GB 32100 check and the company insisted; an officer must confirm it.
    uscc_check_failed: Mapped[bool] = mapped_column(Boolean, default=False)
    uscc_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    sme: Mapped[bool] = mapped_column(Boolean, default=False)  # 中小企业
    contact_name: Mapped[str] = mapped_column(String(64), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    contact_email: Mapped[str] = mapped_column(String(128), default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    state: Mapped[str] = mapped_column(String(16), index=True)  # pending | approved | rejected
    registered_at: Mapped[datetime] = mapped_column(AwareDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")

    documents: Mapped[list[ContractorDocument]] = relationship(
        back_populates="contractor", order_by="ContractorDocument.id", cascade="all, delete-orphan")

    def audit_view(self) -> dict:
        return {"company_name": self.company_name, "uscc": self.uscc, "sme": self.sme, "state": self.state,
                "uscc_check_failed": self.uscc_check_failed}


class ContractorDocument(Base):
    """A qualification document (营业执照, 资质证书 …) of a contractor."""

    __tablename__ = "contractor_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractor.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))
    title: Mapped[str] = mapped_column(String(128))

    contractor: Mapped[Contractor] = relationship(back_populates="documents")
    document: Mapped["Document"] = relationship(lazy="joined")  # noqa: F821


from procure.documents.models import Document  # noqa: E402  (resolves the relationship above)
