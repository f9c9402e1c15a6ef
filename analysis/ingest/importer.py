"""Importing Excel/CSV files, DataFrames and 问卷星 exports: check everything, then write in one transaction.

The pipeline, the same for a file typed by hand, a 1,000,000-row CSV and a DataFrame:

1. **Inspect** the file without trusting it (``read``): size limit; the content (not the
   name) decides the format; an .xlsx is searched for macros and zip bombs before any
   spreadsheet parser sees it; a CSV's encoding and delimiter are detected while its SHA-256
   is computed.
2. **Stage** the rows (``stage``): the header row and spec that fit best, then every data
   cell as text in a temporary DuckDB table, with the row number Excel shows.
3. **Check** them (``checks``, over the typed rows of ``convert``) with set-based SQL:
   required columns and values, types, ranges, allowed values, references, duplicates inside
   the file and against the database. Every problem names file, sheet, row and column and
   says what is wrong in Chinese (and English for the CLI); the first ``MAX_PROBLEMS`` are kept.
4. **Write** (``import_*`` only, and only without problems) inside the same transaction
   (``write``): an ``import_batch`` row, the rows a re-import replaces copied to
   ``replaced_*`` and deleted, the new rows, the derived tables of what they touched
   (``analysis.derived``), the audit row, the data-version bump. Any error
   rolls all of it back; ``validate_*`` always rolls back.

A 问卷星 export skips 2 and 3: it is parsed (``wjx``) and stored (``surveys``) instead. A batch
is undone by ``rollback.rollback_batch``.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analysis import config as config_mod
from analysis import db, derived
from analysis.access import audit
from analysis.ingest import read, surveys, wjx, write
from analysis.ingest.checks import Progress, check_staged
from analysis.ingest.specs import KIND_LABELS, KINDS, by_kind
from analysis.ingest.stage import (
    MAX_PROBLEMS,
    SAMPLE_ROWS,
    Problem,
    Staged,
    TempTables,
    choose_layout,
    refuse_duplicated_columns,
    refuse_missing_columns,
    stage,
    unknown_columns_warning,
)
from analysis.ingest.write import Replacement
from analysis.scope import Scope

ATTEMPTS = 3  # a write-write conflict with another session is retried


# --- results ------------------------------------------------------------------------------


@dataclass
class Preview:
    """What an import would do: detection results, counts, problems (nothing written).

    counts: rows to insert per table. sample: the first rows as read (column 行 = Excel row).
    problems: at most MAX_PROBLEMS; problem_count: all of them.
    """

    file_name: str
    kind: str | None
    encoding: str | None
    sha256: str
    size_bytes: int
    sheet: str | None = None
    rows: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    replacements: list[Replacement] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    warnings: list[str] = field(default_factory=list)
    sample: pd.DataFrame = field(default_factory=pd.DataFrame)
    duplicate_of: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind or "", "未识别")

    @property
    def replaced_rows(self) -> int:
        return sum(r.rows for r in self.replacements)

    @property
    def more_problems(self) -> int:
        """Problems found but not listed (beyond MAX_PROBLEMS)."""
        return max(0, self.problem_count - len(self.problems))

    def problems_frame(self) -> pd.DataFrame:
        """The listed problems as a table.

        Returns
        -------
        DataFrame, one row per problem, Chinese headers: 文件 (file), 工作表 (sheet, '' for a
        CSV), 行 (Excel row, Int64, NA for the whole file), 列 (column header, '' for the whole
        row), 问题 (the Chinese message).
        """
        return pd.DataFrame(
            {
                "文件": [p.file for p in self.problems],
                "工作表": [p.sheet or "" for p in self.problems],
                "行": pd.array([p.row for p in self.problems], dtype="Int64"),
                "列": [p.column or "" for p in self.problems],
                "问题": [p.message_zh for p in self.problems],
            }
        )


@dataclass(frozen=True)
class ImportResult:
    """A written batch: its id and kind, rows inserted and replaced, the seconds it took, its preview."""

    batch_id: int
    kind: str
    file_name: str
    rows: int
    replaced: int
    seconds: float
    preview: Preview


class ImportRejected(ValueError):
    """Raised by ``import_*`` when the file has problems; nothing was written."""

    def __init__(self, preview: Preview) -> None:
        self.preview = preview
        first = preview.problems[0].text_en() if preview.problems else "unknown problem"
        super().__init__(f"{preview.problem_count} problem(s) in {preview.file_name}; first: {first}")

    @property
    def problems(self) -> list[Problem]:
        return self.preview.problems


AUDITED_PROBLEMS = 5  # problems named in an 'import_rejected' audit row


def record_rejection(con: duckdb.DuckDBPyConnection, preview: Preview, *, user: str) -> None:
    """Audit an import refused for its problems ('import_rejected', the first problems as the
    reason), in its own transaction: nothing else was written."""
    detail = {
        "file_name": preview.file_name, "kind": preview.kind, "sha256": preview.sha256,
        "problem_count": preview.problem_count,
        "problems": [{"sheet": p.sheet, "row": p.row, "column": p.column, "message": p.message_zh}
                     for p in preview.problems[:AUDITED_PROBLEMS]],
    }
    with db.transaction(con):
        audit.record(con, user, "import_rejected", detail)


# --- public API ---------------------------------------------------------------------------


def validate_file(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    kind: str | None = None,
    file_name: str | None = None,
    twin: str | Path | None = None,
    progress: Progress | None = None,
    cfg: config_mod.Config | None = None,
    checking_memory: str | None = None,
) -> Preview:
    """Check a file as ``import_file`` would, and write nothing.

    Parameters
    ----------
    path : the file (.csv/.txt in UTF-8, UTF-8 with BOM, UTF-16, GBK/GB18030; .xlsx; .xls).
    kind : one of ``specs.KINDS``; None detects it from the headers.
    file_name : the name shown in messages and stored with the batch (an upload's original
        name); it is never used as a path. Default: the path's name.
    twin : for kind 'wjx', the other download of the same 问卷星 survey (see ``wjx.parse_wjx``).
    progress : called with (fraction 0..1, Chinese stage text).
    checking_memory : a lower DuckDB memory limit (e.g. ``db.CHECKING_MEMORY_LIMIT``) for
        staging and checking the file, so that its copies spill to disk early. For a process of
        its own (the CLI): the limit is the DuckDB instance's, and a server's viewers reading
        meanwhile would run out of memory under it (a province's compliance grid does at 192 MB).

    Returns
    -------
    Preview (``.ok`` is False when there are problems).
    """
    return _run_file(con, path, file_name, _request(kind, None, progress, cfg, twin, checking_memory))[0]


def import_file(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    user: str | Scope,
    kind: str | None = None,
    file_name: str | None = None,
    twin: str | Path | None = None,
    progress: Progress | None = None,
    cfg: config_mod.Config | None = None,
    checking_memory: str | None = None,
) -> ImportResult:
    """Validate and import a file as one batch, in one transaction.

    ``user`` is the importing user's name, or their Scope (which must be the committee's:
    PermissionError otherwise). Raises ImportRejected (with the preview and its problems) when
    anything is wrong; the database is then unchanged. Other parameters as ``validate_file``;
    writing always runs under the full memory limit.
    """
    request = _request(kind, write.user_name(user), progress, cfg, twin, checking_memory)
    return _run_file(con, path, file_name, request)[1]


def validate_frame(
    con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, *, kind: str | None = None, file_name: str = "DataFrame",
    progress: Progress | None = None, cfg: config_mod.Config | None = None,
) -> Preview:
    """``validate_file`` for a DataFrame whose columns are template headers or database columns.

    Row numbers in problems are the frame's position + 2, as if it were a sheet with a header.
    """
    return _run(con, file_name, lambda workdir: read.inspect_frame(frame, file_name),
                _request(kind, None, progress, cfg, None))[0]


def import_frame(
    con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, *, user: str | Scope, kind: str | None = None,
    file_name: str = "DataFrame", progress: Progress | None = None, cfg: config_mod.Config | None = None,
) -> ImportResult:
    """``import_file`` for a DataFrame (values as template labels or stored codes)."""
    request = _request(kind, write.user_name(user), progress, cfg, None)
    return _run(con, file_name, lambda workdir: read.inspect_frame(frame, file_name), request)[1]


def list_batches(con: duckdb.DuckDBPyConnection, *, limit: int = 500) -> pd.DataFrame:
    """Import batches, newest first.

    Parameters
    ----------
    limit : at most this many batches.

    Returns
    -------
    DataFrame, one row per batch: batch_id, kind, kind_label (Chinese), file_name, row_count,
    replaced_count, imported_by, imported_at, status ('有效', '已撤销', '撤销未完成'),
    rolled_back_at, rolled_back_by, sha256, replacements (the Chinese replacement sentences
    shown at import, joined by '；').
    """
    df = con.execute(
        """
        SELECT batch_id, kind, file_name, row_count, coalesce(replaced_count, 0) AS replaced_count, imported_by, imported_at,
               CASE WHEN rolled_back_at IS NOT NULL THEN '已撤销'
                    WHEN rollback_started_at IS NOT NULL THEN '撤销未完成'
                    ELSE '有效' END AS status,
               rolled_back_at, rolled_back_by, sha256, detail
        FROM import_batch
        ORDER BY batch_id DESC
        LIMIT ?
        """,
        [limit],
    ).df()
    labels = {**KIND_LABELS, "demo": "演示数据"}
    df.insert(2, "kind_label", df["kind"].map(labels).fillna(df["kind"]))
    df["replacements"] = df["detail"].map(_replacement_sentences).astype("str")
    return df.drop(columns=["detail"])


def _replacement_sentences(detail: object) -> str:
    """The replacement sentences stored in a batch's detail JSON, joined by '；'."""
    if not isinstance(detail, str):
        return ""
    try:
        return "；".join(json.loads(detail).get("replacements", []))
    except (ValueError, AttributeError):
        return ""


# --- one run ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Request:
    """What a validation (``username`` None) or an import asks for."""

    kind: str | None
    username: str | None
    report: Progress
    cfg: config_mod.Config
    twin: Path | None
    checking_memory: str | None = None


def _request(kind: str | None, username: str | None, progress: Progress | None, cfg: config_mod.Config | None,
             twin: str | Path | None, checking_memory: str | None = None) -> _Request:
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    return _Request(kind, username, progress or (lambda fraction, text: None), cfg or config_mod.load(),
                    None if twin is None else Path(twin), checking_memory)


def _checking(con, request: _Request) -> AbstractContextManager:
    """The memory limit staging and checking run under (see ``import_file``'s ``checking_memory``)."""
    if request.checking_memory is None:
        return nullcontext()
    return db.lowered_memory_limit(con, request.checking_memory)


def _run_file(con, path: str | Path, file_name: str | None, request: _Request) -> tuple[Preview, ImportResult | None]:
    path = Path(path)
    label = read.safe_upload_name(file_name or path.name)
    return _run(con, label, lambda workdir: read.inspect_file(path, label, workdir), request)


def _run(con, label: str, inspect: Callable[[Path], read.Source],
         request: _Request) -> tuple[Preview, ImportResult | None]:
    """Inspect, stage, check and (with a username) write; retried on a write-write conflict.

    ``inspect`` turns the input into a ``read.Source``, given a private working directory.
    Returns the preview and, for an import, the result; an import with problems raises
    ImportRejected instead.
    """
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="party-import-") as workdir:
        request.report(0.02, "正在检查文件")
        try:
            source = inspect(Path(workdir))
        except read.FileProblem as exc:
            preview = Preview(file_name=label, kind=None, encoding=None, sha256="", size_bytes=0,
                              problems=[Problem.of_file(label, exc)], problem_count=1)
            if request.username:
                raise ImportRejected(preview) from None
            return preview, None
        for attempt in range(ATTEMPTS):
            try:
                preview, batch_id = _attempt(con, source, request)
            except duckdb.TransactionException:
                if attempt == ATTEMPTS - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))
                continue
            break
    if request.username is None:
        return preview, None
    if batch_id is None:
        raise ImportRejected(preview)
    request.report(1.0, "导入完成")
    result = ImportResult(batch_id, preview.kind or "", preview.file_name, preview.rows, preview.replaced_rows,
                          time.perf_counter() - started, preview)
    return preview, result


@dataclass
class _Known:
    """What an attempt has learnt so far, for a preview however far it gets."""

    source: read.Source
    kind: str | None
    sheet: str | None = None
    warnings: list[str] = field(default_factory=list)

    def preview(self, **values: Any) -> Preview:
        return Preview(file_name=self.source.label, kind=self.kind, encoding=self.source.encoding_label,
                       sha256=self.source.sha256, size_bytes=self.source.size, sheet=self.sheet,
                       warnings=self.warnings, **values)

    def refused(self, exc: read.FileProblem) -> Preview:
        return self.preview(problems=[Problem.of_file(self.source.label, exc)], problem_count=1)


def _attempt(con, source: read.Source, request: _Request) -> tuple[Preview, int | None]:
    """Stage, then check (and write) in one transaction; a validation always rolls back.

    Staging fills connection-local temporary tables only, before the transaction: rows
    inserted inside a transaction carry provisional rowids, and the DuckDB CSV path takes
    row numbers from rowid.
    """
    tables = TempTables(con)
    known = _Known(source, request.kind)
    try:
        try:
            rows = read.header_rows(source)
            survey = request.kind == "wjx" or (request.kind is None and any(wjx.is_export_header(r.cells) for r in rows))
            if survey:
                staged = None
            else:
                with _checking(con, request):
                    staged = _stage(con, tables, source, rows, request, known)
        except read.FileProblem as exc:
            return known.refused(exc), None
        con.execute("BEGIN TRANSACTION")
        try:
            if staged is None:
                preview, batch_id = _import_survey(con, source, request, known)
            else:
                preview, batch_id = _import_table(con, tables, staged, request, known)
        except BaseException:
            con.execute("ROLLBACK")
            raise
        # A failed COMMIT (write-write conflict) rolls back by itself and raises.
        con.execute("ROLLBACK" if batch_id is None else "COMMIT")
        return preview, batch_id
    finally:
        tables.drop_all()


def _stage(con, tables: TempTables, source: read.Source, rows: list[read.HeaderRow], request: _Request,
           known: _Known) -> Staged:
    """Choose the header row and spec, refuse unusable headers, stage the rows."""
    all_specs = by_kind(request.cfg)
    layout = choose_layout(rows, [all_specs[request.kind]] if request.kind else list(all_specs.values()))
    known.kind = layout.spec.kind
    refuse_duplicated_columns(layout)
    known.sheet = layout.sheet
    refuse_missing_columns(layout)
    known.warnings += unknown_columns_warning(layout)
    request.report(0.08, "正在读取数据")
    staged = stage(con, tables, source, layout)
    known.warnings += staged.warnings
    return staged


def _import_table(con, tables: TempTables, staged: Staged, request: _Request,
                  known: _Known) -> tuple[Preview, int | None]:
    """Check the staged rows and, for an import without problems, write them as a batch."""
    with _checking(con, request):
        request.report(0.4, "正在校验")
        checked = check_staged(con, tables, staged, cfg=request.cfg, today=dt.date.today(), limit=MAX_PROBLEMS,
                               report=request.report)
        known.warnings += checked.warnings
        layout, source = staged.layout, staged.source
        problems, count = checked.problems, checked.problem_count
        if checked.rows == 0 and count == 0:
            problems = [Problem(source.label, layout.sheet, None, None, "文件中没有数据行（表头之下为空）",
                                "the file has no data rows")]
            count = 1
        replaced = (write.find_replaced(con, tables, layout, checked.typed) if count == 0
                    else write.Replaced(None, (), []))
    preview = known.preview(rows=checked.rows, counts={layout.spec.table: checked.rows},
                            replacements=replaced.sentences, problems=problems, problem_count=count,
                            sample=staged.sample)
    _refuse_repeated_file(con, preview, source)
    if request.username is None or not preview.ok:
        return preview, None
    request.report(0.85, "正在写入")
    batch_id = write.open_batch(
        con, kind=layout.spec.kind, file_name=source.label, sha256=source.sha256, rows=preview.rows,
        username=request.username, replaced=preview.replaced_rows,
        detail={"encoding": source.encoding_label, "sheet": layout.sheet, "rows": preview.counts,
                "replacements": [r.message_zh for r in preview.replacements], "warnings": preview.warnings[:20]},
    )
    pending = derived.before_write(con, request.cfg, kind=layout.spec.kind, batch_id=batch_id)
    write.replace_rows(con, layout.spec.table, replaced, batch_id)
    write.insert_rows(con, layout, checked.typed, batch_id)
    request.report(0.95, "正在更新统计")
    derived.after_write(con, pending)
    _finish(con, request.username, {"batch_id": batch_id, "kind": layout.spec.kind, "file_name": source.label,
                                    "rows": preview.rows, "replaced": preview.replaced_rows})
    return preview, batch_id


def _import_survey(con, source: read.Source, request: _Request, known: _Known) -> tuple[Preview, int | None]:
    """Parse a 问卷星 export and, for an import without problems, store it as a batch."""
    if source.format == "frame":
        raise ValueError("wjx imports need the exported file, not a DataFrame")
    known.kind = "wjx"
    request.report(0.2, "正在解析问卷")
    try:
        parsed = wjx.parse_wjx(source.path, twin=request.twin, file_name=source.label, cfg=request.cfg)
    except wjx.SurveyFormatError as exc:
        problem = Problem(exc.file, None, exc.row, exc.column, exc.message_zh, exc.message_en)
        return known.preview(problems=[problem], problem_count=1), None
    existing = surveys.same_answers(con, parsed)
    twin = existing if existing is not None and existing.is_twin(parsed) else None
    attributes = {} if twin else surveys.guess_attributes(parsed)
    counts = ({"survey_option": int((parsed.options["question_no"] > 0).sum())} if twin else
              {"survey_question": len(parsed.questions), "survey_response": len(parsed.responses),
               "survey_answer": len(parsed.answers)})
    if twin:
        known.warnings.append(_twin_note(twin, parsed))
    if attributes:
        known.warnings.append("识别到受访者属性（可用于分组比较）：" + "；".join(
            f"第 {no} 题 → {name}" for no, name in sorted(attributes.items())))
    sample = parsed.questions[["question_no", "text", "qtype"]].head(SAMPLE_ROWS).rename(
        columns={"question_no": "题号", "text": "题目", "qtype": "题型"})
    preview = known.preview(rows=0 if twin else len(parsed.responses), counts=counts, sample=sample)
    if existing is not None and twin is None:
        _refuse_same_answers(preview, source, existing, parsed)
    _refuse_repeated_file(con, preview, source)
    if request.username is None or not preview.ok:
        return preview, None
    request.report(0.7, "正在写入")
    batch_id = write.open_batch(
        con, kind="wjx", file_name=source.label, sha256=source.sha256, rows=0 if twin else len(parsed.responses),
        username=request.username, replaced=0,
        detail={"encoding": source.encoding_label, "rows": counts,
                "attributes": {str(k): v for k, v in attributes.items()},
                **({"twin_of": twin.survey_id} if twin else {})},
    )
    pending = derived.before_write(con, request.cfg, kind="wjx", batch_id=batch_id)
    if twin:
        survey_cfg = request.cfg.survey
        surveys.attach_twin(con, parsed, twin, batch_id=batch_id, scales=survey_cfg.ordinal_scales,
                            unscaled=survey_cfg.unscaled_options)
    else:
        surveys.insert_survey(con, parsed, source="wjx", batch_id=batch_id, attributes=attributes)
    derived.after_write(con, pending)
    _finish(con, request.username, {"batch_id": batch_id, "kind": "wjx", "file_name": source.label,
                                    "rows": 0 if twin else len(parsed.responses),
                                    **({"twin_of": twin.survey_id} if twin else {})})
    return preview, batch_id


VARIANT_NAMES = {"text": "按选项文本", "numbered": "按选项序号"}


def _twin_note(twin: surveys.SameAnswers, parsed: wjx.ParsedSurvey) -> str:
    gives = "问卷原始的选项序号与选项顺序" if parsed.variant == "numbered" else "选项文字与题目文字"
    return (f"该文件是问卷 {twin.survey_id}“{twin.title}”的另一种下载（{VARIANT_NAMES[parsed.variant]}），"
            f"{twin.overlap:,} 份答卷与已导入的完全相同：不新增答卷，只为该问卷补充{gives}。")


def _refuse_same_answers(preview: Preview, source: read.Source, existing: surveys.SameAnswers,
                         parsed: wjx.ParsedSurvey) -> None:
    """Put a problem first in ``preview``: responses of this file are already stored (double counting)."""
    batch = f"（批次 #{existing.batch_id}）" if existing.batch_id is not None else ""
    batch_en = f" (batch #{existing.batch_id})" if existing.batch_id is not None else ""
    if existing.variant is not None and existing.variant != parsed.variant:
        why = (f"它是该问卷的另一种下载，但答卷数不同（本文件 {len(parsed.responses):,} 份，已导入 {existing.stored:,} 份），"
               "请下载同一时间的两种导出，或先撤销该批次后导入完整的文件")
        why_en = "it is the other download of that survey but with a different set of responses"
    else:
        why = "同一批答卷不能重复导入（无论文件名是否相同）；如果这是包含新答卷的完整下载，请先撤销该批次再导入"
        why_en = "the same responses cannot be imported twice under any file name"
    preview.problems.insert(0, Problem(
        source.label, None, None, None,
        f"本文件中有 {existing.overlap:,} 份答卷已在问卷 {existing.survey_id}“{existing.title}”{batch}中导入：{why}",
        f"{existing.overlap:,} responses of this file are already stored in survey {existing.survey_id}{batch_en}: "
        f"{why_en}; refused",
    ))
    del preview.problems[MAX_PROBLEMS:]
    preview.problem_count += 1


def _refuse_repeated_file(con, preview: Preview, source: read.Source) -> None:
    """Put a problem first in ``preview`` when a live batch already imported this very file."""
    earlier = write.earlier_import(con, source.sha256)
    if earlier is None:
        return
    batch, when = earlier
    preview.problems.insert(0, Problem(
        source.label, None, None, None,
        f"该文件已于 {when:%Y-%m-%d %H:%M} 导入（批次 #{batch}），不能重复导入；如需更正，请修改后导入新文件，或先撤销该批次",
        f"this file was already imported on {when:%Y-%m-%d %H:%M} (batch #{batch}); refused",
    ))
    del preview.problems[MAX_PROBLEMS:]
    preview.problem_count += 1
    preview.duplicate_of = batch


def _finish(con, username: str, detail: dict) -> None:
    """The audit row and the data-version bump that end every import."""
    audit.record(con, username, "import", detail)
    db.bump_data_version(con)
