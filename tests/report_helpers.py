"""What the report tests share: the hospital report's period, scope and meeting, reading a deck back,
a hospital's own template made in code, and LibreOffice's conversion to PDF and PNG."""

from __future__ import annotations

import copy
import datetime as dt
import io
import math
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.util import Inches

from analysis import db, periods, report
from analysis.report.model import TREND_QUARTERS, Meeting
from analysis.scope import Scope

SCOPE = Scope.committee("test")
PERIOD = "2025Q4"
FIRST = periods.shift(PERIOD, -(TREND_QUARTERS - 1))
# After the period: 组织生活 is judged as of the period's end (2025-12-31), so results are fixed.
NOW = dt.datetime(2026, 1, 15, 9, 30)
END = dt.date(2025, 12, 31)


@contextmanager
def read_only(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = db.open_database(path, read_only=True)
    try:
        yield con
    finally:
        con.close()


MEETING = Meeting("2025年第4季度支部书记例会", dt.date(2026, 1, 16), "党委办公室")


def hospital_report(con: duckdb.DuckDBPyConnection, length: str = "short") -> report.Report:
    """The whole hospital's report for ``PERIOD``, every section, for ``MEETING``, generated at ``NOW``."""
    return report.build_report(con, scope=SCOPE, period=PERIOD, now=NOW, meeting=MEETING, length=length)


def slides_by_name(prs) -> dict:
    return {slide._element.cSld.get("name"): slide for slide in prs.slides}


def chart_of(slide):
    charts = [shape.chart for shape in slide.shapes if shape.has_chart]
    assert len(charts) == 1, "one native chart per finding slide"
    return charts[0]


def series_values(chart) -> list[list[float | None]]:
    return [list(s.values) for s in chart.plots[0].series]


def close(actual, expected) -> bool:
    """Equal as numbers, None matching NaN/None (a suppressed or missing value)."""
    if len(actual) != len(expected):
        return False
    for a, e in zip(actual, expected):
        e = None if e is None or (isinstance(e, float) and math.isnan(e)) else float(e)
        if (a is None) != (e is None) or (a is not None and not math.isclose(a, e, rel_tol=1e-9, abs_tol=1e-9)):
            return False
    return True


def slide_text(slide) -> str:
    """Every text of a slide, its shapes' and its notes' (for what a reader or presenter sees)."""
    texts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
    return "\n".join(texts + [slide.notes_slide.notes_text_frame.text])


# --------------------------------------------------------------------------- a hospital's template

TEMPLATE_ACCENT = "00704A"  # the hospital's own green, not a colour of ours
TEMPLATE_HEADING_FONT, TEMPLATE_BODY_FONT = "方正黑体", "方正仿宋"
LOGO = "医院徽标"


def hospital_template(*, potx: bool = True) -> bytes:
    """A hospital's template made here: python-pptx's 4:3 default with its own theme (accent green,
    方正 fonts) and a logo on the slide master, saved as a .potx (a template's content type) or .pptx."""
    prs = Presentation()
    theme = prs.slide_master.part.part_related_by(RT.THEME)
    root = etree.fromstring(theme.blob)
    root.find(f".//{qn('a:accent1')}")[0].set("val", TEMPLATE_ACCENT)
    root.find(f".//{qn('a:majorFont')}").find(qn("a:ea")).set("typeface", TEMPLATE_HEADING_FONT)
    root.find(f".//{qn('a:minorFont')}").find(qn("a:ea")).set("typeface", TEMPLATE_BODY_FONT)
    theme._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    scratch = prs.slides.add_slide(prs.slide_layouts[6])
    logo = scratch.shapes.add_shape(MSO_SHAPE.OVAL, Inches(9.0), Inches(0.1), Inches(0.7), Inches(0.7))
    logo.name = LOGO
    logo.fill.solid()
    logo.fill.fore_color.rgb = RGBColor.from_string(TEMPLATE_ACCENT)
    prs.slide_master.shapes._spTree.append(copy.deepcopy(logo._element))
    # The template keeps a sample slide, as real ones do: decks must not carry it.
    scratch.shapes._spTree.remove(logo._element)
    scratch.shapes.add_textbox(Inches(1), Inches(1), Inches(4), Inches(1)).text_frame.text = "模板示例页"
    buffer = io.BytesIO()
    prs.save(buffer)
    if not potx:
        return buffer.getvalue()
    source, out = zipfile.ZipFile(io.BytesIO(buffer.getvalue())), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"presentationml.presentation.main+xml", b"presentationml.template.main+xml")
            target.writestr(item, data)
    return out.getvalue()


# --------------------------------------------------------------------------- LibreOffice

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
requires_libreoffice = pytest.mark.skipif(
    SOFFICE is None or not Path(SOFFICE).resolve().parent.joinpath("swriter").exists(),
    reason="LibreOffice (Impress and Writer) is not installed: .ci/run installs libreoffice-impress, "
           "libreoffice-writer and poppler-utils")


def to_pdf(document: Path) -> Path:
    """``document`` (.pptx/.docx) converted by LibreOffice beside it, with a private profile
    (parallel workers must not share one)."""
    profile = document.parent / "lo-profile"
    result = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(document.parent), str(document)],
        capture_output=True, text=True, timeout=300,
    )
    pdf = document.with_suffix(".pdf")
    assert result.returncode == 0 and pdf.exists(), result.stdout + result.stderr
    return pdf


def pdf_pages(pdf: Path) -> int:
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"Pages:\s+(\d+)", out).group(1))
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))


def page_images(pdf: Path, prefix: Path, dpi: int = 50) -> list[Path]:
    """Every page of ``pdf`` as a PNG (``prefix``-N.png), for a person to look at and the test to check."""
    prefix.parent.mkdir(parents=True, exist_ok=True)
    for old in prefix.parent.glob(f"{prefix.name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(prefix)], check=True, timeout=300)
    return sorted(prefix.parent.glob(f"{prefix.name}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def is_blank(image: Path) -> bool:
    from PIL import Image

    with Image.open(image) as im:
        colours = im.convert("RGB").getcolors(maxcolors=1 << 20)
    return colours is not None and len(colours) <= 20
