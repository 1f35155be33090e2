"""Bulletins as HTML and as DOCX laid out like a Chinese official document (GB/T 9704 style:
red masthead, issue number, issuing body and date, numbered sections in 仿宋/黑体), with the
charts drawn by matplotlib in a CJK font."""

from __future__ import annotations

import base64
import datetime as dt
import io
import logging
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from docx import Document  # noqa: E402
from docx.enum.table import WD_TABLE_ALIGNMENT  # noqa: E402
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING  # noqa: E402
from docx.oxml import OxmlElement  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from docx.shared import Cm, Pt, RGBColor  # noqa: E402
from jinja2 import Environment, FileSystemLoader, select_autoescape  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from services.publish.bulletins import rate_text  # noqa: E402
from yuqing.core.levels import LEVEL_COLOURS  # noqa: E402

log = logging.getLogger(__name__)

# Fonts the charts may use, best first; Debian's fonts-noto-cjk provides the first.
CJK_FONT_NAMES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "Source Han Sans SC",
                  "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback", "AR PL UMing CN", "SimHei")
CHART_COLOURS = {"red": "#c0392b", "orange": "#e67e22", "yellow": "#d4ac0d", "blue": "#2e86c1", "grey": "#7f8c8d"}
SECTION_NUMBERS = "一二三四五六七八九十"
SHANGHAI_OFFSET = dt.timezone(dt.timedelta(hours=8))

# Official-document fonts named in the DOCX; the reader's Word supplies them.
TITLE_FONT, BODY_FONT, HEADING_FONT, SUBHEADING_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"
RED = RGBColor(0xE0, 0x00, 0x00)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed CJK font, or None (charts then carry no Chinese text; the captions
    in the document still do)."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    found = next((name for name in CJK_FONT_NAMES if name in installed), None)
    if found is None:
        log.warning("no CJK font installed: bulletin charts are drawn without Chinese labels "
                    "(install fonts-noto-cjk)")
    return found


def _label(chinese: str, plain: str) -> str:
    return chinese if cjk_font() else plain


def _figure(width: float = 6.4, height: float = 2.6):
    font = cjk_font()
    style = {"font.size": 9, "axes.spines.top": False, "axes.spines.right": False}
    if font:
        style.update({"font.family": "sans-serif", "font.sans-serif": [font, "DejaVu Sans"],
                      "axes.unicode_minus": False})
    with plt.rc_context(style):
        figure, axes = plt.subplots(figsize=(width, height), dpi=110)
    return figure, axes, style


def _png(figure, style) -> bytes:
    buffer = io.BytesIO()
    with plt.rc_context(style):
        figure.tight_layout()
        figure.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


def level_chart(by_level: list[dict]) -> bytes:
    figure, axes, style = _figure(6.4, 2.4)
    with plt.rc_context(style):
        names = [_label(row["name"], row["code"]) for row in by_level]
        bars = axes.bar(names, [row["count"] for row in by_level],
                        color=[CHART_COLOURS[LEVEL_COLOURS[row["code"]]] for row in by_level])
        axes.bar_label(bars, fontsize=8)
        axes.set_ylabel(_label("事件数", "events"))
        axes.set_title(_label("事件分级分布", "events by level"))
    return _png(figure, style)


def trend_chart(trend: list[dict], title: str) -> bytes:
    """Heat over time (Asia/Shanghai) for one event."""
    figure, axes, style = _figure()
    with plt.rc_context(style):
        times = [dt.datetime.fromisoformat(point["at"]) for point in trend]
        heats = [point["heat"] for point in trend]
        if times:
            axes.plot(times, heats, color=CHART_COLOURS["red"], marker="o", markersize=3, linewidth=1.5)
            axes.fill_between(times, heats, color=CHART_COLOURS["red"], alpha=0.08)
            if times[0] == times[-1]:      # one reading: an hour around it, not an empty range
                axes.set_xlim(times[0] - dt.timedelta(minutes=30), times[0] + dt.timedelta(minutes=30))
        else:
            axes.text(0.5, 0.5, _label("暂无热度数据", "no data"), ha="center", va="center", transform=axes.transAxes)
            axes.set_xticks([])
        if times:
            axes.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d %H:%M", tz=SHANGHAI_OFFSET))
            axes.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=6, tz=SHANGHAI_OFFSET))
        axes.set_ylim(0, max([100.0 if not heats else max(heats) * 1.15, 1.0]))
        axes.set_ylabel(_label("热度指数", "heat"))
        axes.set_title(_label(title[:30], "heat trend"))
        axes.grid(axis="y", alpha=0.3)
    return _png(figure, style)


def charts(content: dict) -> dict[str, bytes]:
    """Every chart a bulletin shows: "levels" (periodic kinds) and one heat trend per key event."""
    drawn = {}
    if content["overview"].get("by_level"):
        drawn["levels"] = level_chart(content["overview"]["by_level"])
    for event in content["key_events"]:
        drawn[f"trend-{event['event_id']}"] = trend_chart(event["trend"], event["title"])
    return drawn


# --- HTML -----------------------------------------------------------------------------------

_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def html(content: dict, drawn: dict[str, bytes]) -> bytes:
    images = {name: "data:image/png;base64," + base64.b64encode(data).decode("ascii") for name, data in drawn.items()}
    page = _templates.get_template("bulletin.html").render(b=content, images=images, numbers=SECTION_NUMBERS,
                                                           percent=rate_text)
    return page.encode("utf-8")


# --- DOCX -----------------------------------------------------------------------------------

def _font(run, name: str, size: float, bold: bool = False, colour: RGBColor | None = None) -> None:
    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    run.font.size = Pt(size)
    run.font.bold = bold
    if colour is not None:
        run.font.color.rgb = colour


def _paragraph(document, text: str = "", *, font: str = BODY_FONT, size: float = 16, bold: bool = False,
               align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = True, colour: RGBColor | None = None):
    paragraph = document.add_paragraph()
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(28)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if text:
        _font(paragraph.add_run(text), font, size, bold, colour)
    return paragraph


def _red_rule(paragraph) -> None:
    """The red line under the masthead: a bottom border on the issuing-body paragraph."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "6"), ("w:color", "E00000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _page_number_footer(section) -> None:
    """Centred "— N —" page numbers, as official documents print them."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run("— "), BODY_FONT, 14)
    run = paragraph.add_run()
    _font(run, BODY_FONT, 14)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)
    _font(paragraph.add_run(" —"), BODY_FONT, 14)


def _table(document, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), HEADING_FONT, 12)
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(str(text)), BODY_FONT, 12)
    document.add_paragraph()


def _counts(rows: list[dict], limit: int = 12) -> str:
    shown = "，".join(f"{row['name']}{row['count']}" for row in rows[:limit] if row["count"])
    return shown or "无"


def docx(content: dict, drawn: dict[str, bytes]) -> bytes:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    _page_number_footer(section)
    released = content.get("released_at") or content["generated_at"]
    properties = document.core_properties
    properties.title = content["title"]
    properties.author = content["issuer"]
    properties.created = properties.modified = dt.datetime.fromisoformat(released).astimezone(dt.UTC).replace(tzinfo=None)

    centre = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(document, content["masthead"], font=TITLE_FONT, size=30, align=centre, indent=False, colour=RED)
    number = f"第{content['number']}期" if content.get("number") else "（送审稿）"
    _paragraph(document, number, size=16, align=centre, indent=False)
    issuer = _paragraph(document, "", indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
    day = dt.date.fromisoformat(released[:10])
    _font(issuer.add_run(f"{content['issuer']}"), BODY_FONT, 16)
    _font(issuer.add_run(f"\t\t\t{day.year}年{day.month}月{day.day}日"), BODY_FONT, 16)
    _red_rule(issuer)
    _paragraph(document, "", indent=False)
    _paragraph(document, content["title"], font=TITLE_FONT, size=22, align=centre, indent=False)
    _paragraph(document, "", indent=False)

    for index, (heading, writer) in enumerate(_sections(content)):
        _paragraph(document, f"{SECTION_NUMBERS[index]}、{heading}", font=HEADING_FONT, size=16)
        writer(document, drawn)

    _paragraph(document, "", indent=False)
    closing = _paragraph(document, f"报：{content['recipients']}。", size=14, indent=False)
    _red_rule(closing)
    _paragraph(document, f"{content['issuer']}　　{day.year}年{day.month}月{day.day}日印发", size=14, indent=False)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _sections(content: dict):
    o, h = content["overview"], content["handling"]
    per_event = content["kind"] in ("special", "continuous", "review")

    def overview(document, drawn):
        _paragraph(document, o["summary"])
        if not per_event:
            _paragraph(document, f"按来源：{_counts(o['by_source'])}。")
            _paragraph(document, f"按平台：{_counts(o['by_platform'])}。")
            _paragraph(document, f"按类别：{_counts(o['by_category'])}。")
            _paragraph(document, f"按属地：{_counts(o['by_township'])}。")
            _table(document, ["级别", *[row["name"] for row in o["by_level"]]],
                   [["事件数", *[row["count"] for row in o["by_level"]]]])
            if "levels" in drawn:
                _picture(document, drawn["levels"], "图1  事件分级分布")

    def key_events(document, drawn):
        if not content["key_events"]:
            _paragraph(document, "本期无重点舆情事件。")
        for number, event in enumerate(content["key_events"], start=1):
            _paragraph(document, f"（{SECTION_NUMBERS[number - 1] if number <= 10 else number}）{event['title']}",
                       font=SUBHEADING_FONT, size=16)
            t = event["timeliness"]
            _paragraph(document, (
                f"{event['discovered_at'][:16].replace('T', ' ')}发现，属地{event['locality_name']}，"
                f"定为{event['level_name']}级，相关信息{event['item_count']}条，热度指数{event['heat']:.1f}。"
                f"责任单位：{event['lead_unit'] or '未交办'}（{event['handling_state'] or '—'}）。"
                f"首次回应{_minutes(t['first_response'])}；权威发布{_minutes(t['authoritative_release'])}。"))
            key = f"trend-{event['event_id']}"
            if key in drawn:
                _picture(document, drawn[key], f"{event['title'][:40]} 热度走势")

    def handling(document, drawn):
        _paragraph(document, (
            f"本期交办{h['assignments']}件，已反馈{h['answered']}件，已办结{h['closed']}件；按时签收率"
            f"{rate_text(h['ack_on_time_rate'])}，环节按时率{rate_text(h['step_on_time_rate'])}；超时{h['overdue_total']}次，"
            f"督办{h['supervised_total']}次。"))
        if h["overdue"]:
            _table(document, ["单位", "环节", "应完成时间", "超时（分钟）"],
                   [[d["unit_name"], d["step_name"], d["due_at"][:16].replace("T", " "), d["late_minutes"]]
                    for d in h["overdue"][:20]])
        if h["supervised"]:
            _table(document, ["督办单位", "环节", "督办时间"],
                   [[s["unit_name"], s["step_name"], s["at"][:16].replace("T", " ")] for s in h["supervised"][:20]])
        if h["scorecards"]:
            _table(document, ["单位", "交办", "按时签收率", "超时环节", "督办", "问责"],
                   [[c["unit_name"], c["assignments"], rate_text(c["on_time_rate"]), c["overdue_steps"], c["supervised"],
                     c["accountability"]] for c in h["scorecards"][:30]])

    def typical(document, drawn):
        for case in content["typical_cases"]:
            _paragraph(document, f"{case['title']}：{case['summary']}")
        if not content["typical_cases"]:
            _paragraph(document, "本期无典型案例。")

    def assessment(document, drawn):
        for block in content["assessment"].split("\n"):
            if block.strip():
                _paragraph(document, block.strip())
        _paragraph(document, "下步工作：", font=SUBHEADING_FONT)
        for block in content["next_steps"].split("\n"):
            if block.strip():
                _paragraph(document, block.strip())

    sections = [("总体情况" if not per_event else "事件概况", overview), ("重点舆情", key_events), ("处置情况", handling)]
    if not per_event:
        sections.append(("典型案例", typical))
    sections.append(("研判与下步工作" if content["kind"] != "review" else "总结评估", assessment))
    return sections


def _minutes(measure: dict) -> str:
    if measure["minutes"] is None:
        return "尚未完成" + (f"（时限{measure['limit']}）" if measure["limit"] else "")
    verdict = {True: "，按时", False: "，超时", None: ""}[measure["on_time"]]
    return f"用时{measure['minutes']:.0f}分钟" + (f"（时限{measure['limit']}{verdict}）" if measure["limit"] else "")


def _picture(document, png: bytes, caption: str) -> None:
    document.add_picture(io.BytesIO(png), width=Cm(15))
    document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(document, caption, font=SUBHEADING_FONT, size=12, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
