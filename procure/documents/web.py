"""The documents domain's request dependencies: the file storage and the PDF renderer."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import NamedDependency

from procure.documents.pdf import PdfRenderer
from procure.documents.storage import Storage

AppStorage = NamedDependency[Storage]
Pdf = NamedDependency[PdfRenderer]


def provide_storage(state: State) -> Storage:
    return state.storage


def provide_pdf(state: State) -> PdfRenderer:
    return state.pdf
