"""The deck's template: our default, or the hospital's own .pptx/.potx, and what a deck reads from it.

Most hospitals have a mandatory slide template (党徽, colours, fonts). A deck is written into a
copy of it: its slide master and layouts carry the decoration, its theme the colours and fonts.
The renderer therefore places content only and refers to the theme: decorative fills and
figures use the theme's accent colours (``MSO_THEME_COLOR.ACCENT_1``), text takes the theme's
fonts (``fonts``). Data marks keep ``analysis.palette``'s meanings on any template.

``default_template()`` builds ours in code (nothing binary in the repository): a Chinese
government meeting deck, red and white, 微软雅黑 (LibreOffice and WPS substitute 思源黑体/Noto
Sans CJK where YaHei is missing): a red band with a gold rule on the cover, a red bar and a red
rule under the title on every other layout. ``check(data)`` validates an upload and returns it
as .pptx bytes (a .potx's main part is relabelled: python-pptx opens presentations only).
``open_deck(data)`` opens a template with its slides removed. ``Layouts`` and ``fonts`` say
which layouts and fonts to use. Imports nothing of the report package.
"""

from __future__ import annotations

import copy
import io
import zipfile
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.dml import MSO_THEME_COLOR
from pptx.enum.shapes import MSO_SHAPE, PP_PLACEHOLDER
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

FONT = "Microsoft YaHei"  # the default template's Latin and East Asian font
MAX_BYTES = 30 * 1024 * 1024
SLIDE_WIDTH, SLIDE_HEIGHT = Inches(13.333), Inches(7.5)

PRESENTATION = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
TEMPLATE = "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml"
CONTENT_TYPES = "[Content_Types].xml"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"

# The default theme's colours: the brand red and gold for decoration, then the meanings of
# analysis.palette (so that a user's own chart in the deck starts from the same colours).
DEFAULT_COLOURS = {
    "dk1": "222222", "lt1": "FFFFFF", "dk2": "7A0C1E", "lt2": "F4F4F4", "accent1": "C8102E", "accent2": "D4A017",
    "accent3": "2166AC", "accent4": "E08214", "accent5": "8C8C8C", "accent6": "3A3A3A", "hlink": "2166AC",
    "folHlink": "6A3D9A",
}


class TemplateError(ValueError):
    """An uploaded template that cannot be used (the message says why, in Chinese)."""


# --------------------------------------------------------------------------- reading templates


def check(data: bytes, name: str = "模板") -> bytes:
    """An uploaded .pptx or .potx as .pptx bytes, or ``TemplateError`` saying what is wrong.

    Parameters
    ----------
    data : the file's bytes.
    name : the file name, for the message.

    Returns
    -------
    bytes
        The template as a presentation (a .potx relabelled), with its slides kept (``open_deck``
        drops them when a deck is made).
    """
    if len(data) > MAX_BYTES:
        raise TemplateError(f"{name}：文件超过 {MAX_BYTES // (1024 * 1024)} MB")
    try:
        pptx_bytes = _as_presentation(data)
        prs = Presentation(io.BytesIO(pptx_bytes))
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, ValueError) as exc:
        raise TemplateError(f"{name}：不是 PowerPoint 演示文稿或模板（.pptx/.potx）") from exc
    if not prs.slide_masters or not len(prs.slide_layouts):
        raise TemplateError(f"{name}：没有幻灯片母版或版式")
    if Layouts(prs).content is None:
        raise TemplateError(f"{name}：没有带标题占位符的版式（需要“仅标题”或“标题和内容”版式）")
    return pptx_bytes


def _as_presentation(data: bytes) -> bytes:
    """``data`` with a template's main part relabelled as a presentation's (other parts untouched)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    types = etree.fromstring(source.read(CONTENT_TYPES))
    relabelled = False
    for override in types.iter(f"{{{CT_NS}}}Override"):
        if override.get("ContentType") == TEMPLATE:
            override.set("ContentType", PRESENTATION)
            relabelled = True
    if not relabelled:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = etree.tostring(types, xml_declaration=True, encoding="UTF-8", standalone=True) \
                if item.filename == CONTENT_TYPES else source.read(item.filename)
            target.writestr(item, body)
    return out.getvalue()


def open_deck(data: bytes | None) -> Presentation:
    """A presentation to write a deck into: ``data`` (checked .pptx bytes) or the default template,
    with every slide it came with removed (their parts are not saved)."""
    prs = Presentation(io.BytesIO(data if data is not None else default_template()))
    slide_ids = prs.slides._sldIdLst
    for slide_id in list(slide_ids):
        prs.part.drop_rel(slide_id.rId)
        slide_ids.remove(slide_id)
    return prs


@dataclass(frozen=True)
class Fonts:
    """The theme's fonts: headings (major) and body (minor), each a Latin and an East Asian face."""

    heading_latin: str
    heading_ea: str
    body_latin: str
    body_ea: str


def fonts(prs: Presentation) -> Fonts:
    """The theme's fonts; an East Asian face the theme leaves empty is its 简体 ("Hans") script
    font, else ``FONT``, so Chinese never falls back to a face without CJK glyphs."""
    root = etree.fromstring(_theme_part(prs).blob)

    def faces(tag: str) -> tuple[str, str]:
        font = root.find(f".//{qn(tag)}")
        latin = font.find(qn("a:latin")).get("typeface") or FONT
        ea = font.find(qn("a:ea")).get("typeface") if font.find(qn("a:ea")) is not None else ""
        hans = [s.get("typeface") for s in font.findall(qn("a:font")) if s.get("script") == "Hans"]
        return latin, ea or (hans[0] if hans and hans[0] else FONT)

    major, minor = faces("a:majorFont"), faces("a:minorFont")
    return Fonts(*major, *minor)


def theme_colours(prs: Presentation) -> dict[str, str]:
    """The theme's colour scheme: slot name ('accent1') -> 'RRGGBB' (system colours by their last value)."""
    root = etree.fromstring(_theme_part(prs).blob)
    scheme = root.find(f".//{qn('a:clrScheme')}")
    out = {}
    for slot in scheme:
        colour = slot[0]
        out[etree.QName(slot).localname] = colour.get("val") if colour.tag == qn("a:srgbClr") else colour.get("lastClr")
    return out


def _theme_part(prs: Presentation):
    return prs.slide_master.part.part_related_by(RT.THEME)


class Layouts:
    """The layouts a deck uses from a template: ``cover`` (a title slide: centred title and subtitle),
    ``content`` (a title and nothing else, else a title and a body placeholder to remove); None
    when the template has no such layout."""

    def __init__(self, prs: Presentation) -> None:
        kinds = [(layout, {p.placeholder_format.type for p in layout.placeholders}) for layout in prs.slide_layouts]
        titled = [(layout, types) for layout, types in kinds if types & {PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE}]
        self.cover = next((layout for layout, types in titled if PP_PLACEHOLDER.CENTER_TITLE in types), None)
        content = [layout for layout, types in titled if PP_PLACEHOLDER.TITLE in types]
        only_title = [layout for layout in content if len(_content_placeholders(layout)) == 0]
        self.content = (only_title or content or [None])[0]
        self.cover = self.cover or self.content


def _content_placeholders(layout) -> list:
    """Placeholders other than the title, date, footer and slide number."""
    skip = {PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE, PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.FOOTER,
            PP_PLACEHOLDER.SLIDE_NUMBER}
    return [p for p in layout.placeholders if p.placeholder_format.type not in skip]


# --------------------------------------------------------------------------- the default template


@lru_cache(maxsize=1)
def default_template() -> bytes:
    """Our template as .pptx bytes: python-pptx's default widened to 16:9, with the theme's
    colours and fonts and the red-and-white decoration described in the module notes."""
    prs = Presentation()
    _widen(prs)
    _retheme(prs)
    scratch = prs.slides.add_slide(prs.slide_layouts[6])
    layouts = prs.slide_layouts
    cover, title_only, title_content = layouts[0], layouts[5], layouts[1]
    # Cover: a red band across the upper part, a gold rule under it; the title in white on red.
    _decorate(cover, scratch, [(0, 0, SLIDE_WIDTH, Inches(4.3), MSO_THEME_COLOR.ACCENT_1),
                               (0, Inches(4.3), SLIDE_WIDTH, Inches(0.08), MSO_THEME_COLOR.ACCENT_2),
                               (0, SLIDE_HEIGHT - Inches(0.18), SLIDE_WIDTH, Inches(0.18), MSO_THEME_COLOR.ACCENT_1)])
    _place(cover, PP_PLACEHOLDER.CENTER_TITLE, Inches(0.8), Inches(1.2), SLIDE_WIDTH - Inches(1.6), Inches(2.4))
    _place(cover, PP_PLACEHOLDER.SUBTITLE, Inches(0.8), Inches(4.65), SLIDE_WIDTH - Inches(1.6), Inches(2.2))
    _text_style(cover, PP_PLACEHOLDER.CENTER_TITLE, size=40, bold=True, colour=MSO_THEME_COLOR.BACKGROUND_1, align="ctr")
    _text_style(cover, PP_PLACEHOLDER.SUBTITLE, size=20, bold=False, colour=MSO_THEME_COLOR.TEXT_1, align="ctr")
    # Every other page: a red bar along the top, the title on white with a red rule under it.
    for layout in (title_only, title_content):
        _decorate(layout, scratch, [(0, 0, SLIDE_WIDTH, Inches(0.12), MSO_THEME_COLOR.ACCENT_1),
                                    (Inches(0.45), Inches(1.28), SLIDE_WIDTH - Inches(0.9), Inches(0.045),
                                     MSO_THEME_COLOR.ACCENT_1),
                                    (Inches(0.45), Inches(1.28), Inches(1.6), Inches(0.045), MSO_THEME_COLOR.ACCENT_2)])
        _place(layout, PP_PLACEHOLDER.TITLE, Inches(0.45), Inches(0.22), SLIDE_WIDTH - Inches(0.9), Inches(1.02))
        _text_style(layout, PP_PLACEHOLDER.TITLE, size=26, bold=True, colour=MSO_THEME_COLOR.TEXT_1, align="l")
    _place(title_content, PP_PLACEHOLDER.OBJECT, Inches(0.45), Inches(1.5), SLIDE_WIDTH - Inches(0.9), Inches(5.3))
    drop = prs.slides._sldIdLst[0]
    prs.part.drop_rel(drop.rId)
    prs.slides._sldIdLst.remove(drop)
    prs.core_properties.title = "党建工作汇报模板"
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()


def _widen(prs: Presentation) -> None:
    """4:3 to 16:9: shapes positioned on the master and layouts themselves are stretched sideways."""
    factor = SLIDE_WIDTH / prs.slide_width
    prs.slide_width, prs.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    for shape in list(prs.slide_master.shapes) + [s for layout in prs.slide_layouts for s in layout.shapes]:
        if getattr(shape._element, "xfrm", None) is not None:
            shape.left, shape.width = Emu(round(shape.left * factor)), Emu(round(shape.width * factor))


def _retheme(prs: Presentation) -> None:
    """Name the theme, set its colours (``DEFAULT_COLOURS``) and its fonts (``FONT`` for both scripts)."""
    part = _theme_part(prs)
    root = etree.fromstring(part.blob)
    root.set("name", "党建汇报")
    scheme = root.find(f".//{qn('a:clrScheme')}")
    scheme.set("name", "党建汇报")
    for slot, hex_colour in DEFAULT_COLOURS.items():
        element = scheme.find(qn(f"a:{slot}"))
        for child in list(element):
            element.remove(child)
        etree.SubElement(element, qn("a:srgbClr")).set("val", hex_colour)
    for font in root.iter(qn("a:majorFont"), qn("a:minorFont")):
        font.find(qn("a:latin")).set("typeface", FONT)
        font.find(qn("a:ea")).set("typeface", FONT)
        for script in font.findall(qn("a:font")):
            if script.get("script") == "Hans":
                script.set("typeface", FONT)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _decorate(layout, scratch, bands: list[tuple]) -> None:
    """Rectangles filled with theme colours, put behind the layout's placeholders.

    python-pptx draws shapes on slides only: each is drawn on ``scratch`` and its element moved
    to the layout (an autoshape has no relationship to carry along), with an id of the layout's.
    """
    tree = layout.shapes._spTree
    next_id = max([int(e.get("id")) for e in tree.iter(qn("p:cNvPr"))] + [1]) + 1
    for offset, (x, y, cx, cy, colour) in enumerate(bands):
        shape = scratch.shapes.add_shape(MSO_SHAPE.RECTANGLE, x, y, cx, cy)
        shape.fill.solid()
        shape.fill.fore_color.theme_color = colour
        shape.line.fill.background()
        shape.shadow.inherit = False
        element = copy.deepcopy(shape._element)
        element.find(f".//{qn('p:cNvPr')}").set("id", str(next_id + offset))
        tree.insert(2 + offset, element)  # after nvGrpSpPr and grpSpPr: behind everything else
        scratch.shapes._spTree.remove(shape._element)


def _place(layout, kind, x, y, cx, cy) -> None:
    for placeholder in layout.placeholders:
        if placeholder.placeholder_format.type == kind:
            placeholder.left, placeholder.top, placeholder.width, placeholder.height = x, y, cx, cy


def _text_style(layout, kind, *, size: float, bold: bool, colour, align: str) -> None:
    """The first level's paragraph style of a layout placeholder (what its slides' text inherits)."""
    for placeholder in layout.placeholders:
        if placeholder.placeholder_format.type != kind:
            continue
        body = placeholder._element.txBody
        style = body.find(qn("a:lstStyle"))
        if style is None:
            style = etree.SubElement(body, qn("a:lstStyle"))
            body.insert(1, style)
        for child in list(style):
            style.remove(child)
        level = etree.SubElement(style, qn("a:lvl1pPr"))
        level.set("marL", "0")
        level.set("indent", "0")
        level.set("algn", align)
        etree.SubElement(level, qn("a:buNone"))
        defaults = etree.SubElement(level, qn("a:defRPr"))
        defaults.set("sz", str(int(Pt(size).pt * 100)))
        defaults.set("b", "1" if bold else "0")
        fill = etree.SubElement(defaults, qn("a:solidFill"))
        etree.SubElement(fill, qn("a:schemeClr")).set("val", _SCHEME_NAMES[colour])


_SCHEME_NAMES = {MSO_THEME_COLOR.BACKGROUND_1: "bg1", MSO_THEME_COLOR.TEXT_1: "tx1", MSO_THEME_COLOR.ACCENT_1: "accent1"}


def rgb(hex_colour: str) -> RGBColor:
    """'#2166AC' as python-pptx's colour."""
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


__all__ = ["TemplateError", "Fonts", "Layouts", "check", "open_deck", "fonts", "theme_colours", "default_template",
           "rgb", "FONT", "MAX_BYTES"]
