import asyncio
import concurrent.futures
import base64
import io
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest
import weasyprint

from procure.documents.pdf import PdfRenderer, PdfResourceError, dt, money

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# 1x1 transparent PNG
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8cfc0f01f0005000201a5e2d1f50000000049454e44ae426082")


def sample_context() -> dict:
    lots = [{"name": f"第{i}标段", "scope": "余杭街道道路保洁、绿化养护及附属设施日常维修",
             "ceiling": Decimal("1234567.5") + i} for i in range(1, 61)]
    return {"lots": lots, "published_at": datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)}


def text_of(pdf: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "".join(page.extract_text() for page in reader.pages)


@pytest.fixture(scope="module")
def rendered_sample() -> bytes:
    return PdfRenderer(TEMPLATES).render("pdf/sample.html", sample_context())


def test_the_sample_notice_prints_in_chinese_over_two_pages(rendered_sample):
    assert rendered_sample.startswith(b"%PDF")
    pages, text = text_of(rendered_sample)
    assert pages >= 2
    assert "养护项目招标公告" in text
    assert "杭州市余杭区城市管理局" in text
    assert "2026-11-26 10:00" in text  # 02:00 UTC printed in Shanghai time
    assert "1,234,568.50" in text
    assert f"1 / {pages}" in text and f"{pages} / {pages}" in text
    # thead repeats on every page
    assert text.count("最高限价") == pages


def test_every_glyph_including_page_numbers_uses_the_cjk_sans(rendered_sample):
    reader = pypdf.PdfReader(io.BytesIO(rendered_sample))
    fonts = {font.get_object()["/BaseFont"] for page in reader.pages
             for font in page["/Resources"]["/Font"].values()}
    assert fonts and all("Noto-Sans-CJK-SC" in font for font in fonts), fonts


def test_a_cached_pdf_is_returned_without_rendering_again(tmp_path, monkeypatch):
    renderer = PdfRenderer(TEMPLATES, cache_dir=tmp_path / "cache")
    first = renderer.render("pdf/sample.html", sample_context())
    assert [p.suffix for p in (tmp_path / "cache").iterdir()] == [".pdf"]

    def no_rendering(*args, **kwargs):
        raise AssertionError("WeasyPrint called for a cached PDF")

    monkeypatch.setattr(weasyprint, "HTML", no_rendering)
    assert renderer.render("pdf/sample.html", sample_context()) == first
    with pytest.raises(AssertionError):
        renderer.render("pdf/sample.html", sample_context() | {"bureau": "另一个单位"})


def test_without_a_cache_dir_every_render_is_fresh(tmp_path, monkeypatch):
    write_template(tmp_path, "tiny.html", "<p>{{ word }}</p>")
    renderer = PdfRenderer(tmp_path)
    calls = []
    real = weasyprint.HTML
    monkeypatch.setattr(weasyprint, "HTML", lambda **kw: calls.append(kw) or real(**kw))
    renderer.render("tiny.html", {"word": "甲"})
    renderer.render("tiny.html", {"word": "甲"})
    assert len(calls) == 2
    assert calls[0]["base_url"] == tmp_path.resolve().as_uri() + "/"


def test_render_async_runs_off_the_event_loop(tmp_path):
    write_template(tmp_path, "tiny.html", "<p>{{ word }}</p>")
    renderer = PdfRenderer(tmp_path)
    # A thread of its own: Playwright's sync API may already run an event loop in this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pdf = pool.submit(asyncio.run, renderer.render_async("tiny.html", {"word": "异步"})).result()
    assert "异步" in text_of(pdf)[1]


def test_context_is_escaped(tmp_path):
    write_template(tmp_path, "tiny.html", "<p>{{ word }}</p>")
    pdf = PdfRenderer(tmp_path).render("tiny.html", {"word": "<b>投标人</b>"})
    assert "<b>投标人</b>" in text_of(pdf)[1]


def test_a_remote_image_fails_loudly(tmp_path):
    write_template(tmp_path, "remote.html", '<p>印章</p><img src="http://example.com/x.png">')
    with pytest.raises(PdfResourceError, match="example.com"):
        PdfRenderer(tmp_path).render("remote.html", {})


def test_a_missing_image_fails_loudly(tmp_path):
    write_template(tmp_path, "missing.html", '<img src="seal.png">')
    with pytest.raises(PdfResourceError, match="seal.png"):
        PdfRenderer(tmp_path).render("missing.html", {})


def test_a_local_file_outside_the_templates_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "seal.png").write_bytes(PIXEL)
    templates = tmp_path / "templates"
    write_template(templates, "leak.html", '<img src="{{ src }}">')
    with pytest.raises(PdfResourceError):
        PdfRenderer(templates).render("leak.html", {"src": (outside / "seal.png").as_uri()})
    # unless that folder is named as allowed
    pdf = PdfRenderer(templates, file_roots=[outside]).render("leak.html", {"src": (outside / "seal.png").as_uri()})
    assert pdf.startswith(b"%PDF")


def test_local_and_inline_images_are_allowed(tmp_path):
    (tmp_path / "seal.png").write_bytes(PIXEL)
    write_template(tmp_path, "images.html",
                   '<img src="seal.png"><img src="data:image/png;base64,{{ b64 }}">')
    pdf = PdfRenderer(tmp_path).render("images.html", {"b64": base64.b64encode(PIXEL).decode()})
    assert pdf.startswith(b"%PDF")


def test_money_filter():
    assert money(Decimal("1234.5")) == "1,234.50"
    assert money(Decimal("0")) == "0.00"
    assert money(None) == "—"


def test_dt_filter_prints_shanghai_time():
    assert dt(datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc)) == "2027-01-01 00:30"
    assert dt(None) == "—"
    with pytest.raises(ValueError):
        dt(datetime(2026, 12, 31, 16, 30))


def test_the_filters_are_installed_on_the_environment(tmp_path):
    environment = PdfRenderer(tmp_path).environment
    template = environment.from_string("{{ price | money }} {{ at | dt }}")
    assert template.render(price=Decimal("5"), at=datetime(2026, 1, 1, tzinfo=timezone.utc)) == "5.00 2026-01-01 08:00"


def write_template(folder: Path, name: str, body: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f'<!DOCTYPE html><html><body style="font-family: \'Noto Sans CJK SC\', sans-serif">'
                               f"{body}</body></html>", encoding="utf-8")
