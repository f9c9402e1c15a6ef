"""Parsing 问卷星 (wjx.cn) survey exports into the long form of the survey_* tables.

问卷星 offers two downloads of the same answers:

* "按选项文本" (readable, file name ending ``_0``): one column per question; a multiple choice is
  one cell of the chosen options joined by "┋", a ranking one cell joined by "→", an option with
  a fill-in reads "其他【请注明】〖柜台〗", and "(跳过)" / "(空)" mark a skipped or empty answer.
* "按选项序号" (numbered, ``_2``): a single choice is its option's 1-based number; multiple
  choice and ranking become one column per option ("第5题(医疗质量)") holding 0/1 or the rank;
  negative codes (-2, -3) mark a question skipped or not shown.

In both, a matrix question spans one column per row item: the first is headed
"N、题干 (矩阵单选题 *必答)—行项1", the following ones by the bare row text.

Real exports vary (metadata order and extra columns, missing type suffixes, unnumbered trailing
questions, .xls/.xlsx/.csv in several encodings), so columns are recognised by the shape of
their header and data rather than by position, and only what cannot be placed is refused, with
the column named. No answer is dropped; nothing identifying (IP address, exact time, user id)
is kept.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import pandas as pd

from analysis import config as config_mod
from analysis.ingest import option_order, read

Variant = Literal["text", "numbered"]
Kind = Literal["cell", "matrix", "option_columns"]

# Cells meaning "no answer" in either variant.
MISSING_MARKERS = frozenset({"", "(跳过)", "（跳过）", "(空)", "（空）"})
# Codes 问卷星 writes for "skipped" / "not shown" in the numbered variant. In coded columns every
# negative number is missing; in free-text columns only these, so a typed "-5" survives.
SKIP_CODES = frozenset({"-2", "-3"})

METADATA_ROLES = {
    "序号": "id",
    "答卷序号": "id",
    "答卷编号": "id",
    "提交答卷时间": "submitted",
    "提交时间": "submitted",
    "填写时间": "submitted",
    "所用时间": "duration",
    "答题用时": "duration",
    "填写用时": "duration",
    "来源": "channel",
}
# Recognised so they are not mistaken for questions, and deliberately never stored: they
# identify people (IP, user ids, nicknames) or time them more exactly than the date.
IGNORED_METADATA = frozenset({
    "来源详情", "来自IP", "IP", "IP地址", "IP所在地", "IP属地", "地理位置", "总分", "得分", "考试成绩",
    "用户ID", "用户名", "第三方用户ID", "外部用户ID", "昵称", "微信昵称", "自定义字段",
    "开始答题时间", "开始时间", "结束时间", "答题时长", "填写设备", "设备", "浏览器", "操作系统",
})

# Headers that mark a 问卷星 export (two of them are enough; see is_export_header).
EXPORT_HEADERS = frozenset({
    "序号", "答卷序号", "提交答卷时间", "提交时间", "所用时间", "答题用时", "来源", "来源详情", "来自IP",
})

# "N、题干": 问卷星 uses "、"; a "." is accepted when it is not a decimal point ("1.5倍").
QUESTION_RE = re.compile(r"(\d+)\s*(?:、|．|\.(?!\d))\s*(.*)", re.S)
# Numbered-variant option column: "第5题(医疗质量)" or "5(医疗质量)".
OPTION_COLUMN_RE = re.compile(r"(?:第\s*(\d+)\s*题|(\d+))\s*[(（](.*)[)）]", re.S)
SUFFIX_RE = re.compile(r"[(（]([^()（）]*)[)）]")
# 问卷星 joins a matrix question and its first row with an em dash. After a type suffix any dash
# is accepted (re-saved files change it); in an untyped header only the em dashes, since "-"
# also appears in ordinary question text ("2023-2024年").
DASHES = "—－–-"
EM_DASHES = "—－"
# Checked in order: "矩阵单选题" is a matrix, not a single choice.
TYPE_KEYWORDS = (
    ("矩阵", "matrix"),
    ("排序", "ranking"),
    ("多选", "multiple"),
    ("单选", "single"),
    ("下拉", "single"),
    ("量表", "single"),
    ("判断", "single"),
    ("评分", "single"),
    ("填空", "text"),
    ("简答", "text"),
    ("问答", "text"),
    ("文本", "text"),
)
FILL_PATTERN = r"^(.*?)\s*〖(.*)〗$"
CODE_PATTERN = r"^(-?\d+)(?:\.0+)?\s*(?:〖(.*)〗)?$"
# A value that could sit in a matrix cell of either variant: a code (4) or a score (4分).
SCALE_PATTERN = r"-?\d+(?:\.\d+)?\s*分?"
TITLE_SUFFIX_RE = re.compile(r"(?:_\d+_\d+)?_(?P<variant>[02])$")
DOWNLOAD_COPY_RE = re.compile(r"\s*[(（]\d+[)）]$")  # "调查_0 (1).xls" from a repeated download
DURATION_PATTERN = r"^(?:(\d+)\s*(?:小时|时))?\s*(?:(\d+)\s*分钟?)?\s*(?:(\d+)\s*秒?)?$"
DATE_PATTERN = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})"

# Untyped columns are read as a choice when their answers repeat a few values, else as text.
MAX_INFERRED_OPTIONS = 20
FREE_TEXT_WORDS = ("建议", "意见", "填写", "请写", "说明", "描述", "原因", "看法", "想法")
PROMPT_ENDINGS = (":", "：", "?", "？")
MATRIX_FIT = 0.8  # share of a column's answers that must look like its matrix's answers
NUMBERED_FIT = 0.9  # share of coded cells that must be numbers for an unnamed file to be "numbered"


class SurveyFormatError(ValueError):
    """A file that cannot be read as a 问卷星 export; says where, in Chinese and in English.

    ``row`` is the row number Excel shows (header is row 1), ``column`` the header text; both
    are None when the problem is not tied to one. ``str()`` gives the English message.
    """

    def __init__(
        self,
        file: str,
        message_zh: str,
        message_en: str,
        *,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.column = column
        where_zh = [f"文件“{file}”"]
        where_en = [f"file '{file}'"]
        if row is not None:
            where_zh.append(f"第 {row} 行")
            where_en.append(f"row {row}")
        if column is not None:
            where_zh.append(f"列“{column}”")
            where_en.append(f"column '{column}'")
        self.message_zh = "，".join(where_zh) + "：" + message_zh
        self.message_en = ", ".join(where_en) + ": " + message_en
        super().__init__(self.message_en)


@dataclass
class ParsedSurvey:
    """One survey in the long form of the ``survey_*`` tables (column names as in the DB).

    questions: question_no, text, qtype (single|multiple|matrix|ranking|text), required, ordinal,
               order_rule (how the options were ordered: option_order.ORDER_RULES; None for text)
    items:     question_no, item_no, text (item 0 = the question for non-matrix questions)
    options:   question_no, option_no, text, value (float, NaN for nominal options), position
               (1, 2, ... in display order), code (the questionnaire's option number, NA if unknown)
    responses: response_id, submitted_on (datetime.date or None), duration_s (Int64), channel
    answers:   response_id, question_no, item_no, option_no (Int64), rank (Int64), text
    """

    title: str
    variant: Variant
    questions: pd.DataFrame
    items: pd.DataFrame
    options: pd.DataFrame
    responses: pd.DataFrame
    answers: pd.DataFrame


@dataclass(frozen=True)
class _Question:
    """Where one question lives in the sheet, and what its header says about it."""

    no: int
    text: str
    qtype: str | None  # None until inferred from the data
    typed: bool  # qtype came from a header suffix
    required: bool
    kind: Kind
    columns: tuple[int, ...]  # grid column positions
    headers: tuple[str, ...]
    items: tuple[str, ...] = ()  # matrix row texts
    options: tuple[str, ...] = ()  # option texts of "第N题(…)" columns


@dataclass(frozen=True)
class _Sheet:
    label: str
    variant: Variant
    body: pd.DataFrame  # stripped strings, '' when empty; index = 0-based grid row
    roles: dict[str, int]  # metadata role -> column position
    questions: tuple[_Question, ...]


def is_export_header(headers: tuple[str, ...] | list[str]) -> bool:
    """Whether a header row is a 问卷星 export's (it has two of its metadata headers)."""
    return sum(1 for h in headers if re.sub(r"\s+", "", str(h or "")) in EXPORT_HEADERS) >= 2


# --- reading -----------------------------------------------------------------------------


def _read_grid(path: Path, label: str) -> pd.DataFrame:
    """The first sheet (or the CSV) as stripped strings, '' for empty cells, without a header.

    The format is taken from the content, not the extension: "xls" downloads are sometimes
    really CSV or xlsx files.
    """
    raw = path.read_bytes()
    if raw.startswith((read.OLE2_MAGIC, read.ZIP_MAGIC)):
        source, options = io.BytesIO(raw), {"engine": "calamine"}
        read_frame = pd.read_excel
    else:
        try:
            encoding, _ = read.text_encoding(path)
        except read.FileProblem as exc:
            raise SurveyFormatError(label, exc.message_zh, exc.message_en) from None
        text = raw.decode(encoding)
        first_line = text.split("\n", 1)[0]
        separator = "\t" if first_line.count("\t") > first_line.count(",") else ","
        # Blank lines are kept so that row numbers in messages match what Excel shows.
        source, options = io.StringIO(text), {"sep": separator, "skip_blank_lines": False}
        read_frame = pd.read_csv
    try:
        grid = read_frame(source, header=None, dtype=str, keep_default_na=False, **options)
    except Exception as exc:  # the readers raise many unrelated types for a damaged file
        raise SurveyFormatError(label, f"无法读取文件（{exc}）", f"cannot read the file ({exc})") from exc
    return grid.fillna("").astype(str).apply(lambda column: column.str.strip())


def _title_and_hint(label: str) -> tuple[str, Variant | None]:
    """Survey title from the file name, and the variant its "_0"/"_2" ending announces."""
    stem = DOWNLOAD_COPY_RE.sub("", Path(label).stem)
    match = TITLE_SUFFIX_RE.search(stem)
    if not match or match.start() == 0:
        return stem, None
    hint: Variant = "text" if match["variant"] == "0" else "numbered"
    return stem[: match.start()], hint


# --- layout ------------------------------------------------------------------------------


def _metadata_role(header: str) -> str | None:
    """'id', 'submitted', 'duration', 'channel', 'ignored', or None for a non-metadata header."""
    key = re.sub(r"\s+", "", header).upper()  # "来自 ip" is still the IP column
    if key in METADATA_ROLES:
        return METADATA_ROLES[key]
    return "ignored" if key in IGNORED_METADATA else None


def _suffix_type(suffix: str) -> str | None:
    for keyword, qtype in TYPE_KEYWORDS:
        if keyword in suffix:
            return qtype
    return None


def _split_question_header(rest: str) -> tuple[str, str | None, bool, str | None]:
    """Split "题干 (矩阵单选题 *必答)—行项" into (text, qtype or None, required, row text or None).

    The type suffix is the last parenthesis that names a type or "必答" and ends the header or
    is followed by a dash; earlier parentheses belong to the question text ("(1分表示…)").
    """
    for match in reversed(list(SUFFIX_RE.finditer(rest))):
        tail = rest[match.end():].strip()
        if tail and tail[0] not in DASHES:
            continue
        qtype = _suffix_type(match.group(1))
        required = "必答" in match.group(1)
        if qtype is None and not required:
            continue
        return rest[: match.start()].strip(), qtype, required, (tail[1:].strip() or None) if tail else None
    return rest.strip(), None, False, None


def _last_dash(text: str) -> int | None:
    positions = [text.rfind(dash) for dash in EM_DASHES]
    best = max(positions)
    return best if best > 0 else None


def _answered(values: pd.Series) -> pd.Series:
    return values[~values.isin(MISSING_MARKERS)]


# Answers repeat a few distinct values, and pandas runs regexes in Python cell by cell: the two
# helpers below run them once per distinct value, which keeps large exports fast.


def _extract(cells: pd.Series, pattern: str) -> pd.DataFrame:
    """``cells.str.extract(pattern)``, computed once per distinct value."""
    unique = pd.Series(cells.unique(), dtype="str")
    parts = unique.str.extract(pattern).set_axis(pd.Index(unique))
    return parts.reindex(cells.to_numpy()).set_axis(cells.index)


def _fullmatch(cells: pd.Series, pattern: str) -> pd.Series:
    """``cells.str.fullmatch(pattern)``, computed once per distinct value."""
    unique = pd.Series(cells.unique(), dtype="str")
    return cells.isin(unique[unique.str.fullmatch(pattern)])


def _continues_matrix(question: _Question | None, header: str, values: pd.Series, body: pd.DataFrame) -> bool:
    """Whether an unnamed column is the next row of the matrix just before it.

    Judged by the data, because row texts are free: a continuation holds the same kind of
    answers as the matrix ("4分", codes). An unanswered column continues it unless its header
    reads like a question prompt ("请选择省份城市与地区:").
    """
    if question is None:
        return False
    untyped_matrix = question.kind == "cell" and question.qtype is None and _last_dash(question.text) is not None
    if question.kind != "matrix" and not untyped_matrix:
        return False
    answered = _answered(values)
    if answered.empty:
        return not header.endswith(PROMPT_ENDINGS)
    seen = pd.concat([_answered(body[pos]) for pos in question.columns]).unique()
    fits = answered.isin(seen) | _fullmatch(answered, SCALE_PATTERN)
    return bool(fits.mean() >= MATRIX_FIT)


def _as_matrix(question: _Question) -> _Question:
    """An untyped "题干—行项" question turned into a matrix once a continuation row is found."""
    cut = _last_dash(question.text)
    assert cut is not None
    return replace(
        question, text=question.text[:cut].strip(), qtype="matrix", kind="matrix",
        items=(question.text[cut + 1:].strip(),),
    )


def _column_letter(pos: int) -> str:
    letters = ""
    pos += 1
    while pos:
        pos, rem = divmod(pos - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def _layout(headers: list[str], body: pd.DataFrame, label: str) -> tuple[dict[str, int], tuple[_Question, ...]]:
    """Place every column: metadata, question, matrix row, option column or trailing question.

    Unrecognised columns are accepted only after the last question (问卷星 appends questions
    such as "请选择省份城市与地区:" unnumbered there); anywhere else the layout is not understood.
    Returns (metadata role -> column position, the questions in column order).
    """
    reader = _LayoutReader(body, label)
    for pos, header in enumerate(headers):
        reader.place(pos, header)
    return reader.result()


class _LayoutReader:
    """The layout of a sheet as read so far, column by column from the left."""

    def __init__(self, body: pd.DataFrame, label: str) -> None:
        self.body = body
        self.label = label
        self.roles: dict[str, int] = {}
        self.questions: list[_Question] = []
        self.by_no: dict[int, int] = {}  # question number -> index in questions
        self.trailing: list[tuple[int, str]] = []  # (position, header) of unrecognised columns
        self.current: int | None = None  # index of the question the previous column belonged to

    def place(self, pos: int, header: str) -> None:
        """Place column ``pos``, or refuse the file (SurveyFormatError)."""
        values = self.body[pos]
        last = self.questions[self.current] if self.current is not None else None
        if not header:
            if (values != "").any():
                raise SurveyFormatError(
                    self.label, f"第 {_column_letter(pos)} 列没有标题，却有数据",
                    f"column {_column_letter(pos)} has data but no header",
                )
        elif role := _metadata_role(header):
            self.roles.setdefault(role, pos)
            self.current = None
        elif question_match := QUESTION_RE.fullmatch(header):
            self._question(pos, header, question_match, last)
        elif option_match := OPTION_COLUMN_RE.fullmatch(header):
            self._option_column(pos, header, option_match, last)
        elif _continues_matrix(last, header, values, self.body):
            matrix = _as_matrix(last) if last.kind == "cell" else last
            self._extend(matrix, pos, header, items=(header,))
        else:
            self.trailing.append((pos, header))
            self.current = None

    def result(self) -> tuple[dict[str, int], tuple[_Question, ...]]:
        """The roles and questions; unrecognised trailing columns become text questions numbered on."""
        if not self.questions:
            raise SurveyFormatError(
                self.label, "找不到题目列（应有“1、题目”这样的列名）",
                "no question columns found (expected headers such as '1、题目')",
            )
        next_no = max(self.by_no) + 1
        trailing = [_Question(next_no + offset, header, "text", False, False, "cell", (pos,), (header,))
                    for offset, (pos, header) in enumerate(self.trailing)]
        return self.roles, tuple(self.questions + trailing)

    def _question(self, pos: int, header: str, match: re.Match, last: _Question | None) -> None:
        """A "N、题干 (类型)" column: a new question, or the next row of the matrix before it."""
        self._refuse_misplaced(header)
        no = int(match.group(1))
        text, qtype, required, row_text = _split_question_header(match.group(2))
        if qtype == "matrix" and last is not None and last.kind == "matrix" and last.no == no:
            # Some exports repeat "N、题干—行项" on every row of a matrix.
            self._extend(last, pos, header, items=(row_text or f"第{len(last.items) + 1}行",))
            return
        kind: Kind = "matrix" if qtype == "matrix" else "cell"
        items = (row_text or "第1行",) if kind == "matrix" else ()
        self._add(_Question(no, text, qtype, qtype is not None, required, kind, (pos,), (header,), items))

    def _option_column(self, pos: int, header: str, match: re.Match, last: _Question | None) -> None:
        """A "第N题(选项)" column: a new question, or the next option of the question before it."""
        self._refuse_misplaced(header)
        no = int(match.group(1) or match.group(2))
        option = match.group(3).strip()
        if last is not None and last.kind == "option_columns" and last.no == no:
            self._extend(last, pos, header, options=(option,))
            return
        self._add(_Question(no, f"第{no}题", None, False, False, "option_columns", (pos,), (header,),
                            options=(option,)))

    def _add(self, question: _Question) -> None:
        no, header = question.no, question.headers[0]
        if no < 1:
            raise SurveyFormatError(self.label, f"题号必须从 1 开始，实为 {no}", f"question numbers start at 1, got {no}",
                                    column=header)
        if no in self.by_no:
            raise SurveyFormatError(
                self.label, f"第 {no} 题出现了不止一次", f"question {no} appears more than once", column=header
            )
        self.questions.append(question)
        self.current = len(self.questions) - 1
        self.by_no[no] = self.current

    def _extend(self, question: _Question, pos: int, header: str, *, items: tuple[str, ...] = (),
                options: tuple[str, ...] = ()) -> None:
        """Column ``pos`` joins ``question`` (the current one, possibly just turned into a matrix)."""
        self.questions[self.current] = replace(
            question, columns=question.columns + (pos,), headers=question.headers + (header,),
            items=question.items + items, options=question.options + options,
        )

    def _refuse_misplaced(self, header: str) -> None:
        """Unrecognised columns may only follow the last question."""
        if self.trailing:
            odd = self.trailing[0][1]
            raise SurveyFormatError(
                self.label,
                "无法识别的列：它不是问卷星的元数据列、题目列（“N、题目”）、矩阵的行或选项列"
                f"（“第N题(选项)”），而且后面还有题目列（如“{header}”）",
                "unrecognised column: not 问卷星 metadata, a question (\"N、…\"), a matrix row or an "
                f"option column (\"第N题(…)\"), and followed by question columns (e.g. '{header}')",
                column=odd,
            )


def _find_header_row(grid: pd.DataFrame, label: str) -> int:
    """The first row that looks like 问卷星 headers (a title line may sit above it)."""
    for row in range(min(len(grid), read.HEADER_SEARCH_ROWS)):
        cells = grid.iloc[row]
        if any(
            _metadata_role(cell) or QUESTION_RE.fullmatch(cell) or OPTION_COLUMN_RE.fullmatch(cell)
            for cell in cells
            if cell
        ):
            return row
    raise SurveyFormatError(
        label,
        "找不到标题行（应含“序号”“提交答卷时间”或“1、题目”这样的列名）",
        "no header row found (expected headers such as '序号', '提交答卷时间' or '1、题目')",
    )


def _detect_variant(questions: tuple[_Question, ...], body: pd.DataFrame, hint: Variant | None) -> Variant:
    """Readable or numbered: from the structure first, then the file name, then the data."""
    if any(q.kind == "option_columns" for q in questions):
        return "numbered"
    if any(q.kind == "cell" and q.qtype in ("multiple", "ranking") for q in questions):
        return "text"
    if hint is not None:
        return hint
    coded = [
        _answered(body[pos])
        for q in questions
        if q.qtype in ("single", "matrix")
        for pos in q.columns
    ]
    cells = pd.concat(coded) if coded else pd.Series([], dtype=str)
    if cells.empty:
        return "text"
    return "numbered" if _fullmatch(cells, CODE_PATTERN).mean() >= NUMBERED_FIT else "text"


def _load_sheet(path: Path, label: str) -> _Sheet:
    grid = _read_grid(path, label)
    header_row = _find_header_row(grid, label)
    headers = grid.iloc[header_row].tolist()
    body = grid.iloc[header_row + 1:]
    body = body[(body != "").any(axis=1)]
    roles, questions = _layout(headers, body, label)
    variant = _detect_variant(questions, body, _title_and_hint(label)[1])
    return _Sheet(label, variant, body, roles, questions)


# --- types -------------------------------------------------------------------------------


def _few_distinct(keys: pd.Series, text: str) -> bool:
    if any(word in text for word in FREE_TEXT_WORDS):
        return False
    distinct = keys.nunique()
    return distinct <= MAX_INFERRED_OPTIONS and distinct * 2 <= len(keys)


def _infer_cell_type(values: pd.Series, variant: Variant, text: str) -> str:
    """Type of a one-column question whose header has no type suffix, read from its answers."""
    answered = _answered(values)
    if variant == "numbered":
        answered = answered[~answered.isin(SKIP_CODES)]
        coded = _fullmatch(answered, CODE_PATTERN).all()
        return "single" if not answered.empty and coded and _few_distinct(answered, text) else "text"
    if answered.str.contains("┋", regex=False).any():
        return "multiple"
    if answered.str.contains("→", regex=False).any():
        return "ranking"
    if answered.str.contains("〖", regex=False).any():  # fill-ins exist only on choice options
        return "single"
    keys, _ = _split_fill(answered)
    return "single" if not answered.empty and _few_distinct(keys, text) else "text"


def _cell_types(variant: Variant) -> tuple[str, ...]:
    """Types a one-column question can have: numbered exports split multiple choice and ranking."""
    return ("single", "text") if variant == "numbered" else ("single", "multiple", "ranking", "text")


def _resolve_types(sheet: _Sheet, twin: _Sheet | None) -> _Sheet:
    """Give every question a type; a question the twin export names or types borrows from it."""
    twin_by_no = {q.no: q for q in twin.questions} if twin else {}
    resolved = []
    for q in sheet.questions:
        hint = twin_by_no.get(q.no)
        useful = hint if hint is not None and (hint.typed or hint.kind == "option_columns") else None
        if q.kind == "option_columns":
            codes = pd.concat([pd.to_numeric(sheet.body[pos], errors="coerce") for pos in q.columns])
            if (codes > 1).any():
                qtype = "ranking"
            elif useful is not None and useful.qtype in ("multiple", "ranking"):
                qtype = useful.qtype
            else:
                qtype = "multiple"
            if hint is not None and hint.kind == "cell":  # the numbered variant loses these texts
                q = replace(q, text=hint.text, required=hint.required)
            resolved.append(replace(q, qtype=qtype))
        elif q.qtype is not None:
            resolved.append(q)
        elif useful is not None and useful.qtype in _cell_types(sheet.variant):
            resolved.append(replace(q, qtype=useful.qtype))
        else:
            qtype = _infer_cell_type(sheet.body[q.columns[0]], sheet.variant, q.text)
            resolved.append(replace(q, qtype=qtype))
    return replace(sheet, questions=tuple(resolved))


# --- decoding ----------------------------------------------------------------------------

RAW_COLUMNS = ["row", "item_no", "key", "seq", "rank", "text"]


def _raw(
    row: pd.Index,
    item_no: int,
    key: pd.Series | None,
    *,
    seq: pd.Series | int = 0,
    rank: pd.Series | None = None,
    text: pd.Series | None = None,
) -> pd.DataFrame:
    """Decoded answers of one column, all aligned on ``row`` (the body row of each answer).

    ``key`` is the option text (readable variant) or option number (numbered variant), None
    for free text; ``seq`` the position inside a "┋"/"→" cell.
    """
    n = len(row)
    return pd.DataFrame({
        "row": row.to_numpy(),
        "item_no": item_no,
        "key": key.to_numpy(dtype=object) if key is not None else [None] * n,
        "seq": seq.to_numpy() if isinstance(seq, pd.Series) else seq,
        "rank": pd.array(rank.to_numpy() if rank is not None else [None] * n, dtype="Int64"),
        "text": pd.Series(text.to_numpy() if text is not None else [None] * n, dtype="str"),
    }, columns=RAW_COLUMNS)


def _split_fill(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """"其他【请注明】〖柜台〗" -> option text "其他【请注明】", fill-in "柜台" (NaN if none)."""
    parts = _extract(cells, FILL_PATTERN)
    key = parts[0].where(parts[0].notna(), cells)
    fill = parts[1].where(parts[1].str.len() > 0)
    return key, fill


def _decode_readable(q: _Question, body: pd.DataFrame) -> pd.DataFrame:
    if q.qtype == "text":
        answered = _answered(body[q.columns[0]])
        return _raw(answered.index, 0, None, text=answered)
    if q.qtype in ("multiple", "ranking"):
        answered = _answered(body[q.columns[0]])
        parts = answered.str.split("┋" if q.qtype == "multiple" else "→").explode().str.strip()
        parts = parts[parts != ""]
        seq = parts.groupby(level=0).cumcount()
        key, fill = _split_fill(parts)
        return _raw(parts.index, 0, key, seq=seq, rank=seq + 1 if q.qtype == "ranking" else None, text=fill)
    frames = []
    for item_no, pos in enumerate(q.columns, start=1 if q.kind == "matrix" else 0):
        answered = _answered(body[pos])
        key, fill = _split_fill(answered)
        frames.append(_raw(answered.index, item_no, key, text=fill))
    return pd.concat(frames, ignore_index=True)


def _codes(values: pd.Series, header: str, label: str) -> tuple[pd.Series, pd.Series]:
    """Numbered-variant codes of one column (missing cells left out) and their fill-ins."""
    answered = _answered(values)
    parts = _extract(answered, CODE_PATTERN)
    bad = parts[0].isna()
    if bad.any():
        row = bad.idxmax()
        raise SurveyFormatError(
            label,
            f"按序号导出的选择题应填选项序号（数字），这里是“{answered[row]}”",
            f"a numbered export must hold option numbers here, found '{answered[row]}'",
            row=int(row) + 1,
            column=header,
        )
    fill = parts[1].where(parts[1].str.len() > 0)
    return parts[0].astype("int64"), fill


def _decode_numbered(q: _Question, body: pd.DataFrame, label: str) -> pd.DataFrame:
    if q.qtype == "text":
        answered = _answered(body[q.columns[0]])
        answered = answered[~answered.isin(SKIP_CODES)]
        return _raw(answered.index, 0, None, text=answered)
    frames = []
    for index, (pos, header) in enumerate(zip(q.columns, q.headers)):
        codes, fill = _codes(body[pos], header, label)
        if q.kind == "option_columns":
            # 0 is "not chosen" / "not ranked"; negatives are "skipped": neither is an answer.
            keep = codes == 1 if q.qtype == "multiple" else codes >= 1
            option = pd.Series(index + 1, index=codes.index)[keep]
            rank = codes[keep] if q.qtype == "ranking" else None
            frames.append(_raw(option.index, 0, option, rank=rank, text=fill[keep]))
        else:
            keep = codes >= 1
            item_no = index + 1 if q.kind == "matrix" else 0
            frames.append(_raw(codes.index[keep], item_no, codes[keep], text=fill[keep]))
    return pd.concat(frames, ignore_index=True)


def _decode(sheet: _Sheet, response_ids: pd.Series) -> dict[int, pd.DataFrame]:
    """Per question: its answers as raw rows, with the response id of each."""
    decoded = {}
    for q in sheet.questions:
        if sheet.variant == "numbered":
            raw = _decode_numbered(q, sheet.body, sheet.label)
        else:
            raw = _decode_readable(q, sheet.body)
        decoded[q.no] = raw.assign(response_id=raw["row"].map(response_ids).astype("int64"))
    return decoded


# --- responses ---------------------------------------------------------------------------


def _response_ids(body: pd.DataFrame, roles: dict[str, int]) -> pd.Series:
    """序号 when every row has a distinct positive whole number, else the row order."""
    order = pd.Series(range(1, len(body) + 1), index=body.index, dtype="int64")
    if "id" not in roles:
        return order
    numbers = pd.to_numeric(body[roles["id"]], errors="coerce")
    usable = numbers.notna().all() and (numbers > 0).all() and (numbers == numbers.round()).all()
    return numbers.astype("int64") if usable and numbers.is_unique else order


def _dates(cells: pd.Series) -> pd.Series:
    """Submission dates (the time of day is dropped on purpose); Excel serial days accepted."""
    # Only the part before the first space (the date) matters, and it repeats across rows.
    parts = _extract(cells.str.split(" ", n=1).str[0], DATE_PATTERN)
    dates = pd.to_datetime(parts[0] + "-" + parts[1] + "-" + parts[2], format="%Y-%m-%d", errors="coerce")
    serial = pd.to_numeric(cells, errors="coerce")
    serial = serial.where((serial > 20000) & (serial < 80000))
    from_serial = (pd.Timestamp("1899-12-30") + pd.to_timedelta(serial, unit="D")).dt.normalize()
    combined = dates.fillna(from_serial)
    return pd.Series([d.date() if pd.notna(d) else None for d in combined], index=cells.index, dtype=object)


def _durations(cells: pd.Series) -> pd.Series:
    """"136秒", "2分16秒", "1小时2分" or "136" -> whole seconds; anything else -> NA."""
    parts = _extract(cells, DURATION_PATTERN)
    numbers = parts.apply(pd.to_numeric)
    seconds = numbers[0].fillna(0) * 3600 + numbers[1].fillna(0) * 60 + numbers[2].fillna(0)
    return seconds.where(numbers.notna().any(axis=1)).astype("Int64")


def _responses(sheet: _Sheet, response_ids: pd.Series) -> pd.DataFrame:
    body, roles = sheet.body, sheet.roles
    empty = pd.Series("", index=body.index, dtype="str")
    submitted = body[roles["submitted"]] if "submitted" in roles else empty
    duration = body[roles["duration"]] if "duration" in roles else empty
    channel = body[roles["channel"]] if "channel" in roles else empty
    return pd.DataFrame({
        "response_id": response_ids,
        "submitted_on": _dates(submitted),
        "duration_s": _durations(duration),
        "channel": channel.where(channel != ""),
    }).reset_index(drop=True)


# --- options -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _OrderWords:
    """The configured words that order options (``survey.ordinal_scales``, ``survey.unscaled_options``)."""

    scales: tuple[tuple[str, ...], ...]
    unscaled: tuple[str, ...]


def _options_frame(question_no: int, numbered: dict[int, str], ordering: option_order.Ordering,
                   codes: dict[int, int] | None = None) -> pd.DataFrame:
    """Options of one question: their numbers, texts, scores, positions in ``ordering`` and the
    questionnaire's own numbers (``codes``: option number -> code; absent when unknown)."""
    numbers = sorted(numbered, key=lambda no: ordering.options.index(numbered[no]))
    codes = codes or {}
    return pd.DataFrame({
        "question_no": pd.Series(question_no, index=range(len(numbers)), dtype="int64"),
        "option_no": pd.Series(numbers, dtype="int64"),
        "text": pd.Series([numbered[n] for n in numbers], dtype="str"),
        "value": pd.Series([ordering.scores.get(numbered[n], math.nan) for n in numbers], dtype="float64"),
        "position": pd.Series(range(1, len(numbers) + 1), dtype="int64"),
        "code": pd.Series([codes.get(n) for n in numbers], dtype="Int64"),
    })


def _readable_options(
    q: _Question, raw: pd.DataFrame, codes: dict[int, str] | None, words: _OrderWords
) -> tuple[pd.DataFrame, dict[str, int], option_order.Ordering]:
    """Options of a readable question, the option number of each option text, and their order.

    With a numbered twin its numbers are the questionnaire's own, so they are used (also
    listing options nobody chose); texts the twin lacks are numbered after them. Without one
    the options are numbered in the order :func:`option_order.infer_order` finds.
    """
    ordered_raw = raw.sort_values(["row", "item_no", "seq"], kind="stable")
    appearance = list(pd.unique(ordered_raw["key"]))
    coded: list[str] = [text for _, text in sorted((codes or {}).items())]
    ordering = option_order.infer_order(appearance, qtype=q.qtype, scales=words.scales, unscaled=words.unscaled,
                                        answers=ordered_raw, codes=coded or None)
    if codes:
        number: dict[str, int] = {}
        for code, text in sorted(codes.items()):
            number.setdefault(text, code)
        extra = [key for key in ordering.options if key not in number]
        number.update({key: max(codes) + 1 + index for index, key in enumerate(extra)})
        known = {no: no for no in number.values() if no in codes}
    else:
        number = {key: no for no, key in enumerate(ordering.options, start=1)}
        known = {}
    frame = _options_frame(q.no, {no: text for text, no in number.items()}, ordering, known)
    return frame, number, ordering


def _numbered_options(
    q: _Question, raw: pd.DataFrame, codes: dict[int, str] | None, words: _OrderWords
) -> tuple[pd.DataFrame, option_order.Ordering]:
    """Options of a numbered question, named by the "第N题(…)" headers or the readable twin, in
    the questionnaire's order.

    Without a twin a matrix option is named by its number (its scale value), any other
    option "选项N".
    """
    if q.kind == "option_columns":
        texts = dict(enumerate(q.options, start=1))
    else:
        codes = codes or {}
        default = (lambda code: str(code)) if q.kind == "matrix" else (lambda code: f"选项{code}")
        texts = {code: codes.get(code) or default(code) for code in sorted(set(raw["key"]) | set(codes))}
    ordering = option_order.infer_order([], qtype=q.qtype, scales=words.scales, unscaled=words.unscaled,
                                        codes=list(dict.fromkeys(texts[no] for no in sorted(texts))))
    return _options_frame(q.no, texts, ordering, {no: no for no in texts}), ordering


def _twin_codes(
    numbered: _Sheet,
    numbered_raw: dict[int, pd.DataFrame],
    readable: _Sheet,
    readable_raw: dict[int, pd.DataFrame],
    twin_label: str,
    main_label: str,
) -> dict[int, dict[int, str]]:
    """Per question, option number -> option text, pairing the two exports' answers.

    A single choice or matrix is paired answer by answer (same response, same row item); an
    option-column question carries its texts in the headers.
    """
    readable_by_no = {q.no: q for q in readable.questions}
    result: dict[int, dict[int, str]] = {}
    for q in numbered.questions:
        if q.kind == "option_columns":
            result[q.no] = dict(enumerate(q.options, start=1))
            continue
        other = readable_by_no.get(q.no)
        if q.qtype not in ("single", "matrix") or other is None or (other.kind, other.qtype, len(other.columns)) != (
            q.kind, q.qtype, len(q.columns)
        ):
            continue
        keys = ["response_id", "item_no"]
        pairs = numbered_raw[q.no][keys + ["key"]].merge(
            readable_raw[q.no][keys + ["key"]], on=keys, suffixes=("_code", "_text")
        )[["key_code", "key_text"]].drop_duplicates()
        clash = pairs[pairs["key_code"].duplicated(keep=False)]
        if not clash.empty:
            code = clash["key_code"].iloc[0]
            texts = "、".join(clash.loc[clash["key_code"] == code, "key_text"])
            raise SurveyFormatError(
                twin_label,
                f"与“{main_label}”不是同一次导出："
                f"第 {q.no} 题的选项 {code} 对应了不同的文本（{texts}）",
                f"not the same download as its twin: option {code} of question {q.no} "
                f"matches different texts ({texts})",
                column=q.headers[0],
            )
        result[q.no] = dict(zip(pairs["key_code"], pairs["key_text"]))
    return result


# --- assembly ----------------------------------------------------------------------------


def _assemble(
    title: str,
    sheet: _Sheet,
    decoded: dict[int, pd.DataFrame],
    responses: pd.DataFrame,
    codes: dict[int, dict[int, str]],
    words: _OrderWords,
) -> ParsedSurvey:
    question_rows, item_rows = [], []
    # typed template, so a survey of text questions works
    option_frames = [_options_frame(0, {}, option_order.Ordering((), "appearance", False))]
    answer_frames = []
    for q in sorted(sheet.questions, key=lambda question: question.no):
        ordinal, rule = False, None
        if q.kind == "matrix":
            item_rows += [(q.no, item_no, text) for item_no, text in enumerate(q.items, start=1)]
        else:
            item_rows.append((q.no, 0, q.text))
        raw = decoded[q.no]
        if q.qtype == "text":
            option_no = pd.Series(pd.NA, index=raw.index, dtype="Int64")
        else:
            if sheet.variant == "numbered":
                options, ordering = _numbered_options(q, raw, codes.get(q.no), words)
                option_no = raw["key"].astype("Int64")
            else:
                options, number, ordering = _readable_options(q, raw, codes.get(q.no), words)
                option_no = raw["key"].map(number).astype("Int64")
            option_frames.append(options)
            ordinal, rule = ordering.ordinal, ordering.rule
        question_rows.append((q.no, q.text, q.qtype, q.required, ordinal, rule))
        answer_frames.append(pd.DataFrame({
            "response_id": raw["response_id"],
            "question_no": pd.Series(q.no, index=raw.index, dtype="int64"),
            "item_no": raw["item_no"].astype("int64"),
            "option_no": option_no,
            "rank": raw["rank"],
            "text": raw["text"],
        }))
    answers = pd.concat(answer_frames, ignore_index=True)
    # "A┋A" in a hand-edited file would break the one-row-per-option rule; keep the first.
    repeated = answers.duplicated(["response_id", "question_no", "item_no", "option_no"]) & answers["option_no"].notna()
    answers = answers[~repeated].sort_values(
        ["response_id", "question_no", "item_no", "option_no"], kind="stable"
    ).reset_index(drop=True)
    return ParsedSurvey(
        title=title,
        variant=sheet.variant,
        questions=pd.DataFrame(
            question_rows, columns=["question_no", "text", "qtype", "required", "ordinal", "order_rule"]
        ).astype({"question_no": "int64", "text": "str", "qtype": "str", "required": "bool", "ordinal": "bool",
                  "order_rule": "object"}),
        items=pd.DataFrame(item_rows, columns=["question_no", "item_no", "text"]).astype(
            {"question_no": "int64", "item_no": "int64", "text": "str"}
        ),
        options=pd.concat(option_frames, ignore_index=True),
        responses=responses,
        answers=answers,
    )


def parse_wjx(
    path: str | Path, *, twin: str | Path | None = None, file_name: str | None = None,
    cfg: config_mod.Config | None = None,
) -> ParsedSurvey:
    """Parse a 问卷星 export (.xls, .xlsx or .csv; readable or numbered variant).

    ``twin`` is the other download of the same survey: a readable export names the options of
    a numbered one (and gives the question texts it lacks); a numbered export gives a readable
    one the questionnaire's option numbers. ``file_name`` is the name used for the title and
    in messages when ``path`` is a temporary file. ``cfg`` gives the words that order options
    (``survey.ordinal_scales``; ``None`` loads the configuration). Raises SurveyFormatError.

    Returns
    -------
    ParsedSurvey: title, variant ('text' readable, 'numbered'), and the frames
    questions (question_no, text, qtype, required, ordinal, order_rule), items (question_no,
    item_no, text), options (question_no, option_no, text, value, position, code), responses
    (response_id, submitted_on, duration_s, channel) and answers (response_id, question_no,
    item_no, option_no, rank, text). Option order and ``order_rule`` follow
    :mod:`analysis.ingest.option_order`; ``code`` is the questionnaire's option number when an
    export gives it.
    """
    path = Path(path)
    label = file_name or path.name
    survey_cfg = (cfg or config_mod.load()).survey
    words = _OrderWords(survey_cfg.ordinal_scales, survey_cfg.unscaled_options)
    sheet = _load_sheet(path, label)
    ids = _response_ids(sheet.body, sheet.roles)
    codes: dict[int, dict[int, str]] = {}
    if twin is None:
        sheet = _resolve_types(sheet, None)
        decoded = _decode(sheet, ids)
    else:
        twin_path = Path(twin)
        other = _resolve_types(_load_sheet(twin_path, twin_path.name), None)
        if other.variant == sheet.variant:
            raise SurveyFormatError(
                other.label,
                "对照文件必须是同一问卷的另一种下载（“按选项文本”与“按选项序号”各一份）",
                "the twin must be the other download of the same survey (one readable, one numbered)",
            )
        other_ids = _response_ids(other.body, other.roles)
        if not set(ids) & set(other_ids):
            raise SurveyFormatError(
                other.label, f"与“{label}”没有序号相同的答卷，不是同一问卷的导出",
                f"shares no response number with '{label}': not an export of the same survey",
            )
        sheet = _resolve_types(sheet, other)
        decoded, other_decoded = _decode(sheet, ids), _decode(other, other_ids)
        if sheet.variant == "numbered":
            codes = _twin_codes(sheet, decoded, other, other_decoded, other.label, label)
        else:
            codes = _twin_codes(other, other_decoded, sheet, decoded, other.label, label)
    return _assemble(_title_and_hint(label)[0], sheet, decoded, _responses(sheet, ids), codes, words)
