"""大屏展示: the report's findings one per screen, for projecting in a meeting room.

Opened from the navigation (the sidebar's period and unit) or directly by URL, e.g.
``/present?period=2025Q4&scope=G01&slide=3&auto=20``:

* ``period``: a quarter (2025Q4) or a year (2025) with data; default the sidebar's last quarter.
* ``scope``: hospital, a general branch id (G01) or a branch id (B01); default the sidebar's unit.
* ``sections``: comma-separated section keys (vanguard,assessment...); default all.
* ``slide``: the screen to show, 1 = the title screen; kept up to date in the URL.
* ``auto``: seconds between screens (at least 5; 0 or absent: off); the 自动翻页 control at
  the bottom changes it during the meeting.

Keys: → next, ← previous (Streamlit button shortcuts); the buttons at the bottom do the same.
The page hides the sidebar and Streamlit's chrome with a constant style sheet; nothing from
the data goes through HTML: titles, points and metric labels are Markdown with every special
character escaped (``markdown_escape``), figures are ``st.metric``, charts plotly with data text
escaped. URL parameters are checked against the known periods, units and sections, and a
rejected one is never repeated on the page (a link could carry Markdown for a phishing link).

Idle timeout: a button press is a full rerun, which renews the session like any other click.
Auto-advance runs only the fragment that draws the screen (``st.fragment(run_every=...)``),
which does not run dashboard.py and so does not renew the session: a projected slideshow does
not keep an unattended login alive. Once the configured idle time has passed since the last
full run, the fragment asks for a full rerun, which ends the expired session and shows the
login form.
"""

import time

import streamlit as st

from analysis import charts, periods, report
from analysis import config as config_mod
from analysis.formatting import markdown_escape
from analysis.metrics import org
from ui.cache import cached
from ui.filters import sidebar_filters
from ui.login import viewer

# Constant style sheet (no data in it): hide the sidebar, header, toolbar and footer; black
# background, white type sized for the back of the room.
PRESENT_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"], footer, #MainMenu {
  display: none !important;
}
.stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"], [data-testid="stBottomBlockContainer"] {
  background: #000000 !important; color: #FFFFFF !important;
}
[data-testid="stMainBlockContainer"] { padding: 2vh 3vw 1vh 3vw !important; max-width: 100% !important; }
.st-key-present_title h1, .st-key-present_title h1 * { font-size: clamp(28px, 3.3vw, 72px) !important;
  font-weight: 700 !important; line-height: 1.25 !important; color: #FFFFFF !important; padding: 0 !important;
  margin: 0 !important; }
.st-key-present_title { border-bottom: 0.5vh solid #FF4D5E; padding-bottom: 1.2vh; }
.st-key-present_cover p { font-size: clamp(24px, 2.4vw, 52px) !important; color: #E0E0E0 !important; }
.st-key-present_cover h1, .st-key-present_cover h1 * { font-size: clamp(44px, 5.2vw, 120px) !important;
  color: #FFFFFF !important; line-height: 1.2 !important; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * { font-size: clamp(64px, 8.5vw, 220px) !important;
  color: #FFC940 !important; font-weight: 700 !important; line-height: 1.1 !important; }
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * { font-size: clamp(22px, 2.1vw, 44px) !important;
  color: #FFFFFF !important; }
.st-key-present_figures_3 [data-testid="stMetricValue"], .st-key-present_figures_3 [data-testid="stMetricValue"] * {
  font-size: clamp(56px, 7vw, 180px) !important; }
.st-key-present_figures_4 [data-testid="stMetricValue"], .st-key-present_figures_4 [data-testid="stMetricValue"] * {
  font-size: clamp(48px, 5.2vw, 140px) !important; }
[class*="st-key-present_figures"] [data-testid="stCaptionContainer"],
[class*="st-key-present_figures"] [data-testid="stCaptionContainer"] * {
  font-size: clamp(18px, 1.5vw, 32px) !important; color: #E0E0E0 !important; opacity: 1 !important; }
.st-key-present_points li, .st-key-present_points p { font-size: clamp(22px, 2vw, 42px) !important;
  color: #FFFFFF !important; line-height: 1.45 !important; }
.st-key-present_footer p { font-size: clamp(14px, 1.1vw, 24px) !important; color: #BDBDBD !important; margin: 0; }
.st-key-present_controls button { background: #1A1A1A !important; color: #FFFFFF !important;
  border: 1px solid #555555 !important; }
.st-key-present_controls a, .st-key-present_controls a * { color: #BDBDBD !important; }
.st-key-present_auto div, .st-key-present_auto input {
  background-color: #1A1A1A !important; color: #FFFFFF !important; border-color: #555555 !important; }
.st-key-present_auto svg { fill: #FFFFFF !important; }
</style>
"""

MIN_AUTO = 5  # seconds
AUTO_CHOICES = (0, 5, 10, 20, 30, 60)
STATE = "present"  # session_state key of this page's state: {"request": ..., "slide": int}

plain = markdown_escape


def _number(value: str | None) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


filters = sidebar_filters()  # keeps the dashboard's filter state; the sidebar itself is hidden here
scope = viewer()
st.html(PRESENT_CSS)

# ------------------------------------------------------------------ what to show (URL first)
params = st.query_params.to_dict()
problems: list[str] = []
choices = cached(report.period_choices)
known_periods = {*choices["quarter"], *choices["year"]}
try:
    period = report.parse_period(params.get("period") or filters.last).code
except ValueError:
    period = None
if period not in known_periods:
    if "period" in params:
        problems.append(f"网址中的期间无效或没有数据，已改用{periods.label(filters.last)}。")
    period = filters.last
units = cached(org.units)
known_units = set(units["branch_id"]) | set(units["general_branch_id"].dropna())
unit = params.get("scope", filters.unit or "hospital")
if unit in ("", "hospital", "全院"):
    unit = None
elif unit not in known_units:
    problems.append("网址中的范围不存在，已改为全院。")
    unit = None
try:
    sections = report.parse_sections(params.get("sections") or None)
except ValueError:
    problems.append("网址中的内容（sections）无效，已显示全部内容。")
    sections = tuple(report.SECTIONS)
# Auto-advance: from the URL when the page opens, then from the 自动翻页 control.
if "present_auto" not in st.session_state:
    wanted_auto = _number(params.get("auto")) or 0
    st.session_state["present_auto"] = max(MIN_AUTO, wanted_auto) if wanted_auto > 0 else 0
auto = st.session_state["present_auto"]

request = {"period": period, "unit": unit, "sections": sections}
deck = cached(report.build_report, **request)
screens = [None, *deck.findings]  # None: the title screen
state = st.session_state.get(STATE)
if state is None or state["request"] != request:
    wanted = _number(params.get("slide")) or 1
    state = st.session_state[STATE] = {"request": request, "slide": min(max(wanted, 1), len(screens))}
# This run is a full run: the fragment below must not advance on it.
st.session_state["present_full_run"] = True
st.session_state["present_last_full_run"] = time.time()


def _url() -> None:
    """Keep the URL in step (a refresh or a shared link shows the same screen)."""
    wanted = {"period": period, "scope": unit or "hospital", "slide": str(state["slide"])}
    if auto:
        wanted["auto"] = str(auto)
    if params.get("sections"):
        wanted["sections"] = ",".join(sections)
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


def move(step: int) -> None:
    state["slide"] = min(max(state["slide"] + step, 1), len(screens))


# ------------------------------------------------------------------ drawing


def cover() -> None:
    with st.container(key="present_cover"):
        st.title(plain(deck.title), anchor=False)
        st.markdown(plain(deck.subtitle))
        st.markdown(plain(f"{len(deck.findings)} 项结论 · 生成于 {deck.generated_label}"))
        if deck.is_demo:
            st.markdown(plain("演示数据：全部人员与数据均为程序合成"))


def finding_screen(finding: report.Finding, index: int) -> None:
    with st.container(key="present_title"):
        st.title(plain(finding.title), anchor=False)
    if finding.chart is not None:
        st.plotly_chart(charts.report_figure(finding.chart, theme="present", height=640),
                        config={"displayModeBar": False, "staticPlot": True}, theme=None, key=f"present_chart_{index}")
        return
    figures = finding.figures[:4]
    if figures:
        with st.container(key=f"present_figures_{len(figures)}"):
            for column, figure in zip(st.columns(len(figures)), figures):
                column.metric(plain(figure.label), figure.value)
                if figure.detail:
                    column.caption(plain(figure.detail))
    if finding.points:
        with st.container(key="present_points"):
            st.markdown("\n".join(f"- {plain(p)}" for p in finding.points[:6]))


def footer(index: int) -> None:
    section = "封面" if screens[index - 1] is None else report.SECTIONS[screens[index - 1].section]
    text = f"{index} / {len(screens)} · {section} · {deck.unit_label} · {deck.period.label}"
    if auto:
        text += f" · 每 {auto} 秒自动翻页"
    with st.container(key="present_footer"):
        st.markdown(plain(text))


@st.fragment(run_every=auto or None)
def screen() -> None:
    if not st.session_state.pop("present_full_run", False):
        # A timed rerun of this fragment alone: not user activity (dashboard.py did not run).
        idle = config_mod.load().login.idle.total_seconds()
        if time.time() - st.session_state.get("present_last_full_run", 0) > idle + 5:
            st.rerun(scope="app")  # the full run ends the idle session and shows the login form
        state["slide"] = state["slide"] % len(screens) + 1
    index = state["slide"]
    _url()
    current = screens[index - 1]
    if current is None:
        cover()
    else:
        finding_screen(current, index)
    footer(index)


for problem in problems:
    st.warning(problem)
screen()

with st.container(key="present_controls", horizontal=True, vertical_alignment="center"):
    st.button("◀ 上一页", key="present_prev", shortcut="Left", on_click=move, args=(-1,))
    st.button("下一页 ▶", key="present_next", shortcut="Right", on_click=move, args=(1,))
    st.selectbox("自动翻页", sorted(set(AUTO_CHOICES) | {auto}), key="present_auto", label_visibility="collapsed",
                 format_func=lambda s: "不自动翻页" if s == 0 else f"每 {s} 秒自动翻页", width=180)
    st.page_link("pages/report.py", label="生成汇报材料", icon=":material/slideshow:")
    st.page_link("pages/overview.py", label="退出大屏", icon=":material/logout:")
