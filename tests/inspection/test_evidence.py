"""Evidence everyone concerned can open (issue 14): the company sees its own inspections and their
photos, photos show as thumbnails, the printed record carries its photos and its inspector, and a
case shows its "before" photo, where it is and the inspection that found it."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader

from procure.inspection import services
from procure.inspection.models import Inspection
from procure.inspection.services import FindingInput
from tests.factories import ContractFactory, UserFactory
from tests.inspection.world import build


@pytest.fixture()
def field(session, clock, settings):
    return build(session, clock, settings.storage_dir.parent)


def photo(width: int = 1600, height: int = 1200) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 60)).save(out, "JPEG")
    out.seek(0)
    return out


@pytest.fixture()
def inspected(session, clock, field, settings):
    """One inspection of the field's first site: a finding that opens a case, photographed."""
    template = services.current_template(session, "road")
    defect = next(i for i in template.items if i.rectification_hours)
    done = services.submit(session, clock, field.storage, field.inspector, site_id=field.sites[0].id,
                           inspected_at=None, findings=[FindingInput(defect.code, 2, "北侧")],
                           photos={defect.code: [("现场.jpg", photo())]})
    session.commit()
    return done, defect


def test_the_company_reads_its_own_inspection_and_nobody_elses(client, page_login, session, field, inspected):
    done, defect = inspected
    page_login(client, field.contractor.username)
    shown = client.get(f"/inspections/{done.inspection.id}")
    assert shown.status_code == 200 and defect.standard in shown.text
    assert defect.code not in shown.text  # items by their standard's text, never by code
    document_id = done.inspection.photos[0].document_id
    assert f'src="/documents/{document_id}/thumb"' in shown.text
    other = UserFactory(role="contractor", contractor_id=ContractFactory().contractor.id)
    session.commit()
    page_login(client, other.username)
    assert client.get(f"/inspections/{done.inspection.id}").status_code == 404
    assert client.get(f"/inspections/{done.inspection.id}/report.pdf").status_code == 404
    assert client.get(f"/documents/{document_id}/thumb").status_code == 404


def test_a_thumbnail_is_a_small_jpeg_of_the_photo(client, page_login, field, inspected):
    done, _ = inspected
    page_login(client, field.officer.username)
    document_id = done.inspection.photos[0].document_id
    thumb = client.get(f"/documents/{document_id}/thumb")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert "private" in thumb.headers["cache-control"]
    with Image.open(io.BytesIO(thumb.content)) as small:
        assert max(small.size) == 320 and small.size == (320, 240)
    full = client.get(f"/documents/{document_id}")
    assert full.headers["content-disposition"].startswith("inline")  # a tapped thumbnail opens the photo
    assert len(thumb.content) < len(full.content) / 3


def test_the_printed_record_has_its_photos_and_inspector(client, page_login, field, inspected):
    done, defect = inspected
    page_login(client, field.contractor.username)
    pdf = client.get(f"/inspections/{done.inspection.id}/report.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert f"检查人：{field.inspector.display_name}" in text
    assert "现场照片（1 张）" in text and defect.standard[:10] in text
    assert sum(len(page.images) for page in reader.pages) == 1


def test_a_case_shows_before_where_and_what_found_it(client, page_login, field, inspected):
    done, _ = inspected
    case_id = done.cases[0]
    page_login(client, field.contractor.username)
    client.cookies.set("procure_lang", "en")
    shown = client.get(f"/cases/{case_id}")
    assert shown.status_code == 200
    assert f'href="/inspections/{done.inspection.id}"' in shown.text
    assert f'src="/documents/{done.inspection.photos[0].document_id}/thumb"' in shown.text
    assert "Before the fix" in shown.text and str(field.sites[0].lat) in shown.text


def test_photos_are_kept_when_the_inspection_is_refused(client, page_login, session, clock, field):
    """Two findings that need photos, only one photo taken: the form is refused and comes back with
    the photo kept (hidden kept_<item> fields and its thumbnail); sent again with the second photo,
    both are on the inspection. A kept id that is not the inspector's own attaches nothing."""
    import re

    from tests.conftest import csrf_token

    template = services.current_template(session, "road")
    needing = [i for i in template.items if i.photo_required][:2]
    assert len(needing) == 2
    page_login(client, field.inspector.username)
    url = f"/inspect/site/{field.sites[1].id}"
    form = {f"count_{i.code}": "1" for i in needing} | {"_csrf_token": csrf_token(client, url)}
    refused = client.post(url, data=form, files={f"photo_{needing[0].code}": ("a.jpg", photo().getvalue(), "image/jpeg")})
    assert refused.status_code == 400
    kept = re.findall(rf'name="kept_{needing[0].code}" value="(\d+)"', refused.text)
    assert len(kept) == 1 and f'src="/documents/{kept[0]}/thumb"' in refused.text
    stranger = UserFactory(role="inspector")
    session.commit()
    from procure.documents import services as documents

    foreign = documents.store(session, clock, field.storage, photo(), "x.jpg", uploaded_by_id=stranger.id)
    session.commit()
    again = form | {f"kept_{needing[0].code}": kept[0], f"kept_{needing[1].code}": str(foreign.id),
                    "_csrf_token": csrf_token(client, url)}
    done = client.post(url, data=again, files={f"photo_{needing[1].code}": ("b.jpg", photo().getvalue(), "image/jpeg")},
                       follow_redirects=False)
    assert done.status_code in (302, 303), done.text[:400]
    inspection_id = int(done.headers["location"].split("/")[2].split("?")[0])
    attached = {p.document_id for p in session.get(Inspection, inspection_id).photos}
    assert int(kept[0]) in attached and foreign.id not in attached and len(attached) == 2
