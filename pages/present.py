"""大屏展示: the meeting deck on the meeting room's screen, or a dashboard of live tiles.

Opened from the navigation (the sidebar's period and unit) or directly by URL, e.g.
``/present?period=2025Q4&scope=G01&slide=3&auto=20&theme=light&layout=dashboard``:

* ``period``: a quarter (2025Q4) or a year (2025) with data; default the sidebar's last quarter.
* ``scope``: hospital, a general branch id (G01) or a branch id (B01); default the sidebar's unit.
* ``sections``: comma-separated section keys (vanguard,assessment...); default all.
* ``slide``: the screen to show, 1 = the title screen; kept up to date in the URL.
* ``auto``: seconds between screens (at least 5; 0 or absent: off).
* ``theme``: dark (default: white on black) or light (red and white).
* ``layout``: slides (default: the short deck's screens in turn) or dashboard (up to six tiles
  of the key findings on one screen, refreshed every minute so an import shows at once).

The screen is a 1920×1080 stage that a small script scales to the window (1920×1080: 1:1,
3840×2160: 2×), so type, charts and numbers keep their proportions and fill the screen; every
screen carries the hospital's name, the unit, the period and the data date. The controls sit on
the stage's lower edge and show only while the mouse moves (3 s), never on a still projection.
Keys: → or space next, ← previous, F full screen (Streamlit button shortcuts and the script).
Nothing from the data goes through HTML: titles are Markdown with every special character
escaped (``markdown_escape``), figures ``st.metric`` with escaped labels, charts plotly with data
text escaped; the style sheet and the script are constants. URL parameters are checked against
the known periods, units, sections, themes and layouts, and a rejected one is never repeated on
the page (a link could carry Markdown for a phishing link).

Idle timeout: a button press is a full rerun, which renews the session like any other click.
Auto-advance (and the dashboard's refresh) runs only the fragment that draws the screen
(``st.fragment(run_every=...)``), which does not run dashboard.py and so does not renew the
session: a projected slideshow does not keep an unattended login alive. Once the configured
idle time has passed since the last full run, the fragment asks for a full rerun, which ends the
expired session and shows the login form.
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

STAGE_WIDTH, STAGE_HEIGHT = 1920, 1080  # px: the stage every screen is laid out on
# Charts get their size in stage pixels: Streamlit measures a container on screen, which the
# scaled stage would double at 3840×2160.
CHART_WIDTH, CHART_HEIGHT = 1250, 770  # a chart screen's chart
TILE_CHART_WIDTH, TILE_CHART_HEIGHT = 560, 300
TILE_CATEGORIES = 12  # a tile's chart: more bars than this would be unreadable that small
MIN_AUTO = 5  # seconds
AUTO_CHOICES = (0, 5, 10, 20, 30, 60)
DASHBOARD_REFRESH = 60  # seconds between the dashboard's refreshes
DASHBOARD_TILES = 6
THEMES = {"dark": "深色", "light": "浅色（红白）"}
LAYOUTS = {"slides": "逐页展示", "dashboard": "仪表盘"}
CHART_THEMES = {"dark": "present", "light": "present_light"}
STATE = "present"  # session_state key of this page's state: {"request": ..., "slide": int}

# Constant style sheet (no data in it). The stage is the main block container, fixed at
# 1920×1080 and scaled by --present-scale (set by PRESENT_JS); the theme's colours are custom
# properties chosen by the key of the stage's container (present_stage_dark / _light).
# Streamlit's chrome and the sidebar are hidden.
PRESENT_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"], footer, #MainMenu {
  display: none !important;
}
html, body, .stApp { overflow: hidden !important; }
.stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] { background: var(--present-bg, #000) !important; }
.stApp:has(.st-key-present_stage_dark) { --present-bg: #000000; --present-ink: #FFFFFF; --present-muted: #BDBDBD;
  --present-figure: #FFC940; --present-rule: #FF4D5E; --present-band: #141414; --present-control: #1A1A1A; }
.stApp:has(.st-key-present_stage_light) { --present-bg: #FFFFFF; --present-ink: #1A1A1A; --present-muted: #555555;
  --present-figure: #C8102E; --present-rule: #C8102E; --present-band: #C8102E; --present-control: #FFFFFF; }
[data-testid="stMainBlockContainer"] {
  position: fixed !important; left: var(--present-x, 0px); top: var(--present-y, 0px);
  width: 1920px !important; height: 1080px !important; max-width: none !important; padding: 0 !important;
  zoom: var(--present-scale, 1); overflow: hidden;
  background: var(--present-bg); color: var(--present-ink);
}
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: 0 !important; }
[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]:has(> .stHtml) { display: none; }
.st-key-present_header { height: 64px !important; flex: none !important; padding: 0 48px; background: var(--present-band); }
.st-key-present_header p { font-size: 24px !important; line-height: 64px !important; margin: 0 !important;
  color: #FFFFFF !important; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.stApp:has(.st-key-present_stage_dark) .st-key-present_header p { color: var(--present-muted) !important; }
.st-key-present_title { height: 150px !important; flex: none !important; padding: 14px 48px 0 48px; box-sizing: border-box;
  border-bottom: 6px solid var(--present-rule); }
.st-key-present_title h1, .st-key-present_title h1 * { font-size: 50px !important; font-weight: 700 !important;
  line-height: 1.25 !important; color: var(--present-ink) !important; padding: 0 !important; margin: 0 !important; }
.st-key-present_body { height: 806px !important; flex: none !important; padding: 10px 48px 0 48px; box-sizing: border-box; }
.st-key-present_body [data-testid="stHorizontalBlock"] { align-items: center; height: 100%; }
/* Streamlit sizes a plotly figure by its box as measured on screen, which the stage's zoom
   enlarges: the box is shrunk by the same factor, so the figure gets its size in stage pixels. */
.st-key-present_body [data-testid="stFullScreenFrame"]:has([data-testid="stPlotlyChart"]),
.st-key-present_body [data-testid="stPlotlyChart"] { width: calc(1250px / var(--present-scale, 1)) !important;
  height: calc(770px / var(--present-scale, 1)) !important; overflow: visible !important; }
[class*="st-key-present_stage_"] .js-plotly-plot { overflow: visible !important; }
[class*="st-key-present_tile_"] [data-testid="stFullScreenFrame"]:has([data-testid="stPlotlyChart"]),
[class*="st-key-present_tile_"] [data-testid="stPlotlyChart"] { width: calc(560px / var(--present-scale, 1)) !important;
  height: calc(300px / var(--present-scale, 1)) !important; overflow: visible !important; }
.st-key-present_cover { height: 956px !important; flex: none !important; display: flex; flex-direction: column; justify-content: center;
  padding: 0 120px; box-sizing: border-box; text-align: center; }
.st-key-present_cover * { text-align: center !important; justify-content: center; }
.st-key-present_cover h1, .st-key-present_cover h1 * { font-size: 84px !important; line-height: 1.25 !important;
  color: var(--present-ink) !important; margin-bottom: 40px !important; }
.st-key-present_cover p { font-size: 40px !important; color: var(--present-muted) !important; margin: 12px 0 !important; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * { font-size: 150px !important;
  color: var(--present-figure) !important; font-weight: 700 !important; line-height: 1.1 !important; }
.st-key-present_figures_4 [data-testid="stMetricValue"], .st-key-present_figures_4 [data-testid="stMetricValue"] *,
.st-key-present_figures_5 [data-testid="stMetricValue"], .st-key-present_figures_5 [data-testid="stMetricValue"] *,
.st-key-present_figures_6 [data-testid="stMetricValue"], .st-key-present_figures_6 [data-testid="stMetricValue"] * {
  font-size: 112px !important; }
.st-key-present_side [data-testid="stMetricValue"], .st-key-present_side [data-testid="stMetricValue"] * {
  font-size: 120px !important; }
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * { font-size: 38px !important;
  color: var(--present-ink) !important; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * { font-size: 28px !important;
  color: var(--present-muted) !important; opacity: 1 !important; }
[class*="st-key-present_figures"] { height: 100%; justify-content: space-evenly; }
[class*="st-key-present_figures"] [data-testid="stColumn"] { padding: 24px 0; }
[data-testid="stMetric"] + div, [data-testid="stElementContainer"]:has([data-testid="stMetric"]) { margin-bottom: 8px; }
.st-key-present_footer { height: 60px !important; flex: none !important; padding: 0 48px; }
.st-key-present_footer p { font-size: 22px !important; line-height: 60px !important; color: var(--present-muted) !important;
  margin: 0 !important; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.st-key-present_grid { height: 896px !important; flex: none !important; padding: 16px 36px 0 36px; box-sizing: border-box; }
[class*="st-key-present_tile_"] { border: 2px solid var(--present-muted); border-radius: 12px; padding: 12px 20px;
  height: 428px !important; box-sizing: border-box; overflow: hidden; }
[class*="st-key-present_tile_"] h3, [class*="st-key-present_tile_"] h3 * { font-size: 28px !important;
  color: var(--present-ink) !important; margin: 0 !important; padding: 0 !important; }
[class*="st-key-present_tile_"] [data-testid="stMetricValue"], [class*="st-key-present_tile_"] [data-testid="stMetricValue"] * {
  font-size: 64px !important; }
[class*="st-key-present_tile_"] [data-testid="stMetricLabel"], [class*="st-key-present_tile_"] [data-testid="stMetricLabel"] * {
  font-size: 24px !important; }
.st-key-present_controls { position: fixed !important; left: 50%; bottom: 20px; transform: translateX(-50%);
  width: auto !important; padding: 12px 20px; border-radius: 14px; background: var(--present-control);
  box-shadow: 0 4px 24px rgba(0, 0, 0, 0.45); z-index: 1000;
  visibility: hidden; opacity: 0; transition: opacity 0.3s, visibility 0s linear 0.3s; }
body.present-awake .st-key-present_controls, .st-key-present_controls:hover, .st-key-present_controls:focus-within {
  visibility: visible; opacity: 1; transition: opacity 0.2s; }
body:not(.present-awake) .stApp { cursor: none; }
.st-key-present_controls button { font-size: 20px !important; }
.st-key-present_controls a, .st-key-present_controls a * { color: var(--present-muted) !important; }
.stApp:has(.st-key-present_stage_dark) .st-key-present_controls button,
.stApp:has(.st-key-present_stage_dark) .st-key-present_controls [data-baseweb="select"] > div {
  background: #262626 !important; color: #FFFFFF !important; border-color: #555555 !important; }
[data-testid="stAlertContainer"] { margin: 8px 48px !important; font-size: 22px; }
</style>
"""

# Constant script: scale the stage to the window, show the controls for 3 s after the mouse
# moves, and the keys Streamlit's shortcuts do not cover (space: next; F: full screen).
PRESENT_JS = """
<script>
(() => {
  const root = document.documentElement;
  const fit = () => {
    const scale = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
    root.style.setProperty("--present-scale", scale);
    root.style.setProperty("--present-x", ((window.innerWidth - 1920 * scale) / 2 / scale) + "px");
    root.style.setProperty("--present-y", ((window.innerHeight - 1080 * scale) / 2 / scale) + "px");
  };
  fit();
  if (window.__presentInstalled) return;
  window.__presentInstalled = true;
  window.addEventListener("resize", fit);
  let timer = null;
  const wake = () => {
    document.body.classList.add("present-awake");
    clearTimeout(timer);
    timer = setTimeout(() => document.body.classList.remove("present-awake"), 3000);
  };
  document.addEventListener("mousemove", wake);
  document.addEventListener("keydown", (event) => {
    if (!document.querySelector("[class*='st-key-present_stage_']")) return;  // another page of the app
    const target = event.target;
    if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) return;
    if (event.key === " ") {
      event.preventDefault();
      const next = document.querySelector(".st-key-present_next button");
      if (next) next.click();
    } else if (event.key === "f" || event.key === "F") {
      if (document.fullscreenElement) document.exitFullscreen(); else root.requestFullscreen();
    }
  });
})();
</script>
"""

plain = markdown_escape


def _number(value: str | None) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


filters = sidebar_filters(in_url=False)  # the dashboard's filter state; this page has its own URL, no sidebar
scope = viewer()
st.html(PRESENT_CSS)
st.html(PRESENT_JS, unsafe_allow_javascript=True)

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
# Auto-advance, theme and layout: from the URL when the page opens, then from the controls.
if "present_auto" not in st.session_state:
    wanted_auto = _number(params.get("auto")) or 0
    st.session_state["present_auto"] = max(MIN_AUTO, wanted_auto) if wanted_auto > 0 else 0
st.session_state.setdefault("present_theme", params.get("theme") if params.get("theme") in THEMES else "dark")
st.session_state.setdefault("present_layout", params.get("layout") if params.get("layout") in LAYOUTS else "slides")
auto, theme, layout = st.session_state["present_auto"], st.session_state["present_theme"], st.session_state["present_layout"]

request = {"period": period, "unit": unit, "sections": sections}
deck = cached(report.build_report, **request)
screens = [None, *deck.deck_findings]  # None: the title screen
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
    if theme != "dark":
        wanted["theme"] = theme
    if layout != "slides":
        wanted["layout"] = layout
    if params.get("sections"):
        wanted["sections"] = ",".join(sections)
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


def move(step: int) -> None:
    state["slide"] = min(max(state["slide"] + step, 1), len(screens))


# ------------------------------------------------------------------ drawing


def header() -> None:
    with st.container(key="present_header", horizontal=True):
        st.markdown(plain(f"{deck.hospital} · {deck.unit_label} · {deck.period.label} · {deck.data_date_label}"))


def cover() -> None:
    with st.container(key="present_cover"):
        st.title(plain(deck.title), anchor=False)
        meeting = "　".join(p for p in (deck.meeting.name, deck.meeting.presenter) if p)
        if meeting:
            st.markdown(plain(meeting))
        st.markdown(plain(f"{deck.hospital} · {deck.unit_label}"))
        st.markdown(plain(deck.data_date_label))
        if deck.is_demo:
            st.markdown(plain("演示数据：全部人员与数据均为程序合成"))


def figure_metric(figure: report.model.Figure) -> None:
    st.metric(plain(figure.label), figure.value)
    if figure.detail:
        st.caption(plain(figure.detail))


def finding_screen(finding: report.Finding, index: int) -> None:
    with st.container(key="present_title"):
        st.title(plain(finding.title), anchor=False)
    with st.container(key="present_body"):
        if finding.chart is not None:
            chart, side = st.columns([7, 3], vertical_alignment="center")
            with chart:
                st.plotly_chart(charts.report_figure(finding.chart, theme=CHART_THEMES[theme], height=CHART_HEIGHT,
                                                     width=CHART_WIDTH),
                                config={"displayModeBar": False, "staticPlot": True}, theme=None, width=CHART_WIDTH,
                                key=f"present_chart_{index}")
            if finding.figures:
                with side, st.container(key="present_side"):
                    figure_metric(finding.figures[0])
            return
        figures = finding.figures[:6]
        with st.container(key=f"present_figures_{len(figures)}"):
            per_row = 3 if len(figures) > 4 else max(len(figures), 1)
            for start in range(0, len(figures), per_row):
                for column, figure in zip(st.columns(per_row), figures[start:start + per_row]):
                    with column:
                        figure_metric(figure)


def footer(index: int) -> None:
    current = screens[index - 1]
    section = "封面" if current is None else report.SECTIONS[current.section]
    text = f"{index} / {len(screens)} · {section}"
    if current is not None:
        text += f" · {deck.source_line(current)}"
    if auto:
        text += f" · 每 {auto} 秒自动翻页"
    with st.container(key="present_footer"):
        st.markdown(plain(text))


def dashboard() -> None:
    """Up to six key findings as tiles: the section, the headline figure, a small chart."""
    tiles = [f for f in deck.deck_findings if f.figures and f.key != "overview.summary"][:DASHBOARD_TILES]
    with st.container(key="present_grid"):
        for start in range(0, len(tiles), 3):
            for column, finding in zip(st.columns(3), tiles[start:start + 3]):
                with column, st.container(key=f"present_tile_{finding.key.replace('.', '_')}"):
                    st.subheader(plain(f"{report.SECTIONS[finding.section]} · {finding.figures[0].label}"),
                                 anchor=False)
                    st.metric(finding.figures[0].label, finding.figures[0].value, label_visibility="collapsed")
                    if finding.chart is None or len(finding.chart.categories) > TILE_CATEGORIES:
                        st.caption(plain(finding.title))
                    else:
                        st.plotly_chart(charts.report_figure(finding.chart, theme=CHART_THEMES[theme],
                                                             height=TILE_CHART_HEIGHT, width=TILE_CHART_WIDTH,
                                                             type_scale=0.7),
                                        config={"displayModeBar": False, "staticPlot": True}, theme=None,
                                        width=TILE_CHART_WIDTH, key=f"present_minichart_{finding.key}")
    with st.container(key="present_footer"):
        st.markdown(plain(f"仪表盘 · {len(tiles)} 项重点结论 · 每 {DASHBOARD_REFRESH} 秒刷新"))


@st.fragment(run_every=(DASHBOARD_REFRESH if layout == "dashboard" else auto) or None)
def screen() -> None:
    if not st.session_state.pop("present_full_run", False):
        # A timed rerun of this fragment alone: not user activity (dashboard.py did not run).
        idle = config_mod.load().login.idle.total_seconds()
        if time.time() - st.session_state.get("present_last_full_run", 0) > idle + 5:
            st.rerun(scope="app")  # the full run ends the idle session and shows the login form
        if layout == "slides":
            state["slide"] = state["slide"] % len(screens) + 1
    index = state["slide"]
    _url()
    with st.container(key=f"present_stage_{theme}"):  # the style sheet picks the theme's colours by this key
        header()
        if layout == "dashboard":
            dashboard()
            return
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
                 format_func=lambda s: "不自动翻页" if s == 0 else f"每 {s} 秒自动翻页", width=190)
    st.selectbox("配色", list(THEMES), key="present_theme", format_func=THEMES.get, label_visibility="collapsed",
                 width=170)
    st.selectbox("布局", list(LAYOUTS), key="present_layout", format_func=LAYOUTS.get, label_visibility="collapsed",
                 width=140)
    st.page_link("pages/report.py", label="生成汇报材料", icon=":material/slideshow:")
    st.page_link("pages/overview.py", label="退出大屏", icon=":material/logout:")
