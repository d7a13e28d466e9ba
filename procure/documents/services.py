"""Storing and reading uploaded documents: checked by content, size-limited, streamed, hashed
(DESIGN §4.2). A sealed bid's documents arrive already encrypted by the bidder's browser
(bidding.sealing): they are stored as the ciphertext they are, and nothing here can open them."""

from __future__ import annotations

import threading
from collections import OrderedDict

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from sqlalchemy.orm import Session

from procure.accounts import policy
from procure.kernel.clock import Clock
from procure.documents import images
from procure.documents.models import Document
from procure.documents.sniff import ALLOWED, detect
from procure.documents.storage import Storage
from procure.kernel.errors import InvalidInput, NotFound, PayloadTooLarge

#: DESIGN §4.2: the default limit of one document.
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
CHUNK = 1 << 20


#: The kind and type of a sealed bid document (ciphertext): nothing of its content is known.
SEALED_KIND = "sealed"
SEALED_CONTENT_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class CheckedUpload:
    fileobj: IO[bytes]
    filename: str
    kind: str
    size: int


def check(fileobj: IO[bytes], filename: str, max_bytes: int = MAX_DOCUMENT_BYTES) -> CheckedUpload:
    """Refuse an empty, oversized or disallowed file before anything is stored."""
    name = os.path.basename((filename or "").replace("\\", "/"))[:255] or "document"
    fileobj.seek(0, os.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(0)
    if size == 0:
        raise InvalidInput("{name} is empty.", name=name, errors=[{"field": "documents", "message": "Empty file."}])
    if size > max_bytes:
        raise PayloadTooLarge("{name} is {size} MB; a document may be at most {limit} MB.", name=name,
                              size=f"{size / 1048576:.1f}", limit=max_bytes // 1048576)
    kind = detect(fileobj)
    if kind is None:
        raise InvalidInput("{name} is not a PDF, JPEG, PNG, DOCX or XLSX file (judged by its content, not its name).",
                           name=name, errors=[{"field": "documents", "message": "File type not allowed."}])
    return CheckedUpload(fileobj, name, kind, size)


def _chunks(fileobj: IO[bytes], digest: "hashlib._Hash") -> Iterator[bytes]:
    fileobj.seek(0)
    while chunk := fileobj.read(CHUNK):
        digest.update(chunk)
        yield chunk


def store(session: Session, clock: Clock, storage: Storage, fileobj: IO[bytes], filename: str, *,
          uploaded_by_id: int | None, checked: CheckedUpload | None = None) -> Document:
    """Stream a file into storage and add its Document row (no commit)."""
    upload = checked or check(fileobj, filename)
    digest = hashlib.sha256()
    blob = storage.put(_chunks(upload.fileobj, digest))
    document = Document(sha256=digest.hexdigest(), size=upload.size, kind=upload.kind,
                        content_type=ALLOWED[upload.kind], filename=upload.filename, storage_key=blob.key,
                        sealed_tender_id=None, uploaded_by_id=uploaded_by_id, created_at=clock())
    session.add(document)
    session.flush()
    return document


def store_sealed(session: Session, clock: Clock, storage: Storage, fileobj: IO[bytes], *, tender_id: int,
                 position: int, max_bytes: int) -> Document:
    """Store a bid document's ciphertext as received: no name, no uploader (either would tell who
    bid), its SHA-256 for the receipt. The bidder's browser checked the plaintext; the opening
    checks it again (bidding.services)."""
    fileobj.seek(0, os.SEEK_END)
    size = fileobj.tell()
    if size > max_bytes:
        raise PayloadTooLarge("Sealed document {index} is {size} MB; a document may be at most {limit} MB.",
                              index=position, size=f"{size / 1048576:.1f}", limit=max_bytes // 1048576)
    digest = hashlib.sha256()
    blob = storage.put(_chunks(fileobj, digest))
    document = Document(sha256=digest.hexdigest(), size=size, kind=SEALED_KIND, content_type=SEALED_CONTENT_TYPE,
                        filename=f"sealed-{position}.bin", storage_key=blob.key, sealed_tender_id=tender_id,
                        uploaded_by_id=None, created_at=clock())
    session.add(document)
    session.flush()
    return document


def read(storage: Storage, document: Document) -> Iterator[bytes]:
    """The document's stored bytes, chunk by chunk (a sealed one's are ciphertext)."""
    handle = storage.open(document.storage_key)

    def raw() -> Iterator[bytes]:
        with handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    return raw()


def read_all(storage: Storage, document: Document) -> bytes:
    return b"".join(read(storage, document))


#: Small copies made lately, by (content hash, edge): a photo is shrunk once, not on every page,
#: thumbnail or PDF that shows it (stored photos never change; the hash names the content).
_SMALL: OrderedDict[tuple[str, int], bytes] = OrderedDict()
_SMALL_LOCK = threading.Lock()
SMALL_COPIES = 512  # a few MB: thumbnails are ~15 KB, printed copies ~60 KB


def small_copy(storage: Storage, document: Document, edge: int = images.THUMB_EDGE) -> bytes:
    """A photo's JPEG at most ``edge`` pixels on its long side (``images.shrink``), remembered.
    Raises ValueError for a document that is not a picture."""
    key = (document.sha256, edge)
    with _SMALL_LOCK:
        if (found := _SMALL.get(key)) is not None:
            _SMALL.move_to_end(key)
            return found
    small = images.shrink(read_all(storage, document), edge)
    with _SMALL_LOCK:
        _SMALL[key] = small
        while len(_SMALL) > SMALL_COPIES:
            _SMALL.popitem(last=False)
    return small


#: How a document is linked to the companies whose evidence it is. Each domain that links
#: documents to its records (contractors, inspection, cases) adds one query here when it is
#: imported, so documents depends on none of them.
OwnerLink = Callable[[Session, int], Iterable[int]]
OWNER_LINKS: list[OwnerLink] = []


def owner_link(fn: OwnerLink) -> OwnerLink:
    OWNER_LINKS.append(fn)
    return fn


def readable(session: Session, user: policy.Person | None, document_id: int) -> Document:
    """An unsealed document (photo, qualification file) if ``accounts.policy.may_read_document``
    allows this reader; sealed bid documents are read only through the bidding service. A
    document the reader may not see answers as one that does not exist (no existence oracle)."""
    document = session.get(Document, document_id)
    if document is None or document.sealed_tender_id is not None:
        raise NotFound("Document {id} does not exist.", id=document_id)
    owners = {c for link in OWNER_LINKS for c in link(session, document.id)} if policy.acts_for_company(user) else set()
    if not policy.may_read_document(user, uploaded_by_id=document.uploaded_by_id, owner_company_ids=owners):
        raise NotFound("Document {id} does not exist.", id=document_id)
    return document
