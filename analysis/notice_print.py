"""The printable 亮分公示: one A4 page per branch and quarter for the branch notice board.

Plain HTML with print CSS (A4 portrait, CJK fonts, the table repeating its header on every
page), so any browser prints it or saves it as PDF; every text from the data is escaped.
"""

from __future__ import annotations

import datetime as dt

from analysis.formatting import fixed, html_escape
from analysis.registers.notice import Notice

RATER_NAMES = ("个人自评", "党员互评", "组织评定")

_STYLE = """
@page { size: A4 portrait; margin: 16mm 14mm 18mm 14mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", SimHei, sans-serif;
       color: #222; font-size: 10.5pt; margin: 0; }
h1 { font-size: 17pt; text-align: center; margin: 0 0 4mm; letter-spacing: 0.05em; }
p.meta { text-align: center; color: #555; margin: 0 0 5mm; font-size: 9.5pt; }
table { width: 100%; border-collapse: collapse; }
thead { display: table-header-group; }
th, td { border: 0.6pt solid #888; padding: 1.6mm 1.2mm; text-align: center; }
th { background: #f1e4e4; font-weight: 600; font-size: 9.5pt; }
td.name { text-align: left; white-space: nowrap; }
tr { page-break-inside: avoid; }
tr.top td { background: #fbf3e6; }
p.rule { margin: 5mm 0 0; font-size: 9pt; color: #444; line-height: 1.6; }
p.sign { margin: 8mm 0 0; text-align: right; font-size: 10.5pt; }
"""


def notice_html(notice: Notice, *, published_on: dt.date, top: int = 3) -> str:
    """The 亮分公示 as a complete HTML document (A4 portrait); the first ``top`` ranks shaded."""
    dims = [name for name, _ in notice.dimensions]
    head = "".join(f"<th>{html_escape(d)}</th>" for d in dims)
    body = []
    for r in notice.rows.to_dict("records"):
        cells = "".join(f"<td>{fixed(r[d], 1)}</td>" for d in dims)
        shade = ' class="top"' if r["rank"] <= top else ""
        body.append(f"<tr{shade}><td>{r['rank']}</td><td class=\"name\">{html_escape(r['name'])}</td>{cells}"
                    f"<td><b>{fixed(r['vindex'], 2)}</b></td></tr>")
    weights = "、".join(f"{html_escape(n)} {w * 100:g}%" for n, w in notice.dimensions)
    raters = "、".join(f"{n} {w * 100:g}%" for n, w in zip(RATER_NAMES, notice.rater_weights))
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html_escape(notice.title)}</title>
<style>{_STYLE}</style></head><body>
<h1>{html_escape(notice.title)}</h1>
<p class="meta">共 {len(notice.rows)} 名党员 · 按先锋指数由高到低排列（并列同名次）· 公示日期 {published_on:%Y年%m月%d日}</p>
<table><thead><tr><th>名次</th><th>姓名</th>{head}<th>先锋指数</th></tr></thead>
<tbody>{''.join(body)}</tbody></table>
<p class="rule">说明：各维度得分由{raters}加权而成；先锋指数为各维度得分按权重（{weights}）加权之和。
对公示结果有异议的，请在公示期内向支部委员会反映。</p>
<p class="sign">{html_escape(notice.branch_name)}委员会<br>{published_on:%Y年%m月%d日}</p>
</body></html>
"""

