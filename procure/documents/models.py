from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from procure.kernel.db import AwareDateTime, Base


class Document(Base):
    """An uploaded file: its bytes live in content-addressed storage under ``storage_key``.

    ``sha256`` is the hash of the file as uploaded (what a receipt shows). A sealed bid document
    (``sealed_tender_id`` set) is the bidder's ciphertext (bidding.sealing), with no name and no
    uploader; the opening replaces it with the plaintext, checked against the bidder's manifest.
    """

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(8))  # pdf | jpeg | png | docx | xlsx
    content_type: Mapped[str] = mapped_column(String(128))
    filename: Mapped[str] = mapped_column(String(255))
    storage_key: Mapped[str] = mapped_column(String(64))
    sealed_tender_id: Mapped[int | None] = mapped_column(ForeignKey("tender.id"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
