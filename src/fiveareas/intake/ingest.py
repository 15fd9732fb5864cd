"""Collect: read, validate, quarantine and store one submission at a time, atomically.

Order of work for a submission: hash its files (the same content twice is one submission),
load them into the engine, run the catalogue, write accepted rows, quarantined rows and
findings to a private staging folder, then in one catalog transaction record the submission,
supersede the one it replaces, move the staged folders into the lake and commit. A crash at
any point leaves either nothing or the whole submission (see `store.lake.recover`).
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from ibis.backends.duckdb import Backend

from fiveareas.intake import readers, received, validate
from fiveareas.intake.discover import KINDS, Found, discover
from fiveareas.intake.errors import MalformedFile
from fiveareas.store import catalog as cat
from fiveareas.store import engine, lake, submissions
from fiveareas.store.home import Home

Progress = Callable[[str, int, int], None]
NIL_RETURN = "nil return: no loans at the period end"


@dataclass
class Outcome:
    """What became of one submission, as the CLI and API report it."""

    submission: str
    kind: str
    state: str
    where: str
    institution_id: str | None = None
    period: date | None = None
    rows: int = 0
    accepted: int = 0
    quarantined: int = 0
    errors: int = 0
    warnings: int = 0
    message: str | None = None
    duplicate: bool = False


class Collector:
    """Holds the engine and catalog for a run of submissions."""

    def __init__(self, home: Home, max_error_rate: float | None = None,
                 institution: str | None = None) -> None:
        self.home = home
        self.max_error_rate = max_error_rate
        self.institution = institution  # the only institution this caller may report for
        self.catalog = cat.open_catalog(home.catalog_url)
        lake.recover(home, self.catalog)
        # Twice as many engine threads as cores: grouping a whole file's keys (10M loan ids,
        # 3.3M borrowers) takes half the time so, and the other passes take no longer (see
        # docs/benchmarks.md, Ingest).
        self.con: Backend = engine.connect(home, oversubscribe=2)
        validate.create_helpers(self.con)
        # A second connection and a thread, to write one file's landing rows while the
        # other file is checked (`_loan_book`).
        self.side: Backend = engine.side(self.con)
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="fiveareas-side")

    def close(self) -> None:
        self.pool.shutdown()
        self.side.disconnect()
        self.con.disconnect()
        self.catalog.dispose()

    # ---- one submission -------------------------------------------------------------------
    def submit(self, found: Found) -> Outcome:
        # The staging folder also holds the copies the engine reads of Parquet (`receive`):
        # files, which `lake.publish` leaves behind with the folder.
        stage = lake.staging(self.home)
        try:
            got = {ds: [readers.receive(p, stage) for p in fs]
                   for ds, fs in sorted(found.files.items())}
            shas = {ds: [sha for _, sha in pairs] for ds, pairs in got.items()}
            sources = {p: src for ds, pairs in got.items()
                       for p, (src, _) in zip(found.files[ds], pairs, strict=True)}
            content, seen = self._known(found, sorted(shas.items()))
            if seen is not None:
                return seen
            return self._validate_and_store(found, content, shas, sources, stage)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
            engine.drop(self.con, *(f"{n}{s}" for names in KINDS.values() for n in names
                                    for s in ("", "_checked", "_failing")))

    def _known(self, found: Found, parts: object) -> tuple[str, Outcome | None]:
        """The submission's content hash (its `parts`, with the register they are checked
        against), and the answer when the same content is in force already."""
        with self.catalog.begin() as conn:
            # The same files checked against another register are another submission.
            register = [r.id for r in submissions.current(conn, "register")]
            basis = (found.kind, parts, register if found.kind != "register" else [])
            content = hashlib.sha256(repr(basis).encode()).hexdigest()
            seen = submissions.by_hash(conn, found.kind, content)
            if self.institution is not None and seen is not None and \
                    seen.institution_id != self.institution:
                seen = None  # another institution's files: refused below, not matched
            if seen is None or seen.state == "superseded":
                return content, None
            cat.log(conn, "duplicate_ignored", cat.public_id(seen.id), where=str(found.where))
            return content, _outcome(seen, str(found.where), duplicate=True)

    def nil_return(self, institution: str, period: date) -> Outcome:
        """The institution had no loans at the period end: a loan book without rows, which
        no file can be (a header alone names neither institution nor period, E0005). It
        is committed like any loan book: it supersedes the current one and a later book
        supersedes it; the same nil return again is a duplicate."""
        if period != submissions.month_end(period):
            raise ValueError(f"{period} is not a month end")
        if self.institution is not None and institution != self.institution:
            raise PermissionError(f"this account reports for {self.institution} only")
        self._fill_registered()
        if (institution,) not in engine.run(self.con, "SELECT institution_id FROM registered"):
            raise ValueError(f"{institution} is not in the institution register")
        found = Found("loan_book", {}, Path("nil return"))
        content, seen = self._known(found, ("nil", institution, period.isoformat()))
        if seen is not None:
            return seen
        stage = lake.staging(self.home)
        try:
            return self._commit(found, content, {}, stage, institution, period, [],
                                note=NIL_RETURN)
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    def _validate_and_store(self, found: Found, content: str, shas: dict[str, list[str]],
                            sources: dict[Path, Path], stage: Path) -> Outcome:
        loaded: dict[str, readers.LoadedFile] = {}
        try:
            try:
                loaded = self._load(found, stage, shas, sources)
                if found.kind != "register":
                    reporting = ([loaded["loan"]] if found.kind == "loan_book"
                                 else list(loaded.values()))
                    inst, period = self._identity(reporting)
                    if self.institution is not None and inst != self.institution:
                        raise MalformedFile(reporting[0].path, "E0006", (
                            f"the file reports for {inst}; this account reports for "
                            f"{self.institution} only"))
            except MalformedFile as bad:
                return self._record_malformed(found, content, shas, bad)
            if found.kind == "register":
                return self._register(found, content, loaded["institution"], stage)
            if found.kind == "scf":
                return self._scf(found, content, loaded, stage, inst, period)
            return self._loan_book(found, content, loaded, stage, inst, period)
        except Exception as exc:
            damaged = readers.damaged(self.con, exc, list(loaded.values()))
            if damaged is None:
                raise
            return self._record_malformed(found, content, shas, damaged)

    def _load(self, found: Found, stage: Path, shas: dict[str, list[str]],
              sources: dict[Path, Path]) -> dict[str, readers.LoadedFile]:
        kinds = KINDS[found.kind]
        # A supply-chain submission may leave out a kind of document it has none of.
        wanted = [ds for ds in kinds if found.kind != "scf" or ds in found.files]
        for ds in wanted:
            files = found.files.get(ds, [])
            if len(files) != 1:
                what = "none" if not files else f"{len(files)}"
                label = "loan-book" if found.kind == "loan_book" else "supply-chain"
                raise MalformedFile(found.where, "E0007",
                                    f"a {label} submission needs one {ds} file; found {what}")
        for ds, files in found.files.items():
            if ds not in kinds:
                raise MalformedFile(files[0], "E0007", f"unexpected {ds} file in a {found.kind}")
        loaded = {ds: readers.load(self.con, found.files[ds][0], ds, ds, stage, shas[ds][0],
                                   allow_empty=found.kind == "scf",
                                   source=sources[found.files[ds][0]])
                  for ds in wanted}
        if found.kind == "scf" and not any(f.rows for f in loaded.values()):
            raise MalformedFile(found.where, "E0005", "every file has a header but no data rows")
        return loaded

    def _register(self, found: Found, content: str, f: readers.LoadedFile,
                  stage: Path) -> Outcome:
        checked = validate.check(self.con, "institution")
        self._write(stage, [(checked, f)], rejected=False)
        return self._commit(found, content, {"institution": (f, checked)}, stage, None, None, [])

    def _loan_book(self, found: Found, content: str, loaded: dict[str, readers.LoadedFile],
                   stage: Path, inst: str, period: date) -> Outcome:
        prev = self._previous(inst, period)
        self._fill_borrowers()
        cp = validate.check(self.con, "counterparty")
        self._fill_cp_state(cp)
        # The counterparty rows land while the loans are checked and land: neither needs the
        # other, and each alone leaves a core idle part of the time. Should the policy then
        # reject the submission, what landed is removed before anything is kept.
        with self._meanwhile(stage, cp, loaded["counterparty"]):
            self._fill_registered()
            loan = validate.check(self.con, "loan")
            macro = self._macro(prev)
            rows = cp.rows + loan.rows
            rate = (cp.quarantined + loan.quarantined) / rows
            rejected = self.max_error_rate is not None and rate > self.max_error_rate
            if not rejected:
                self._land(self.con, stage, loan, loaded["loan"])
        if rejected:
            shutil.rmtree(stage / "counterparty", ignore_errors=True)
        self._write(stage, [(cp, loaded["counterparty"]), (loan, loaded["loan"])], rejected,
                    macro, landed=True)
        files = {"loan": (loaded["loan"], loan), "counterparty": (loaded["counterparty"], cp)}
        return self._commit(found, content, files, stage, inst, period, macro, rejected, rate)

    @contextmanager
    def _meanwhile(self, stage: Path, checked: validate.Checked,
                   f: readers.LoadedFile) -> Iterator[None]:
        """Land `checked`'s accepted rows on the side connection while the block runs; the
        block ends when both have. Should the block fail (or the wait be interrupted), the
        side query is interrupted and waited for, since it reads tables the clean-up drops."""
        if not checked.accepted:
            yield
            return
        # Compiled here, so that Ibis stays on one thread.
        text = None if _as_received(checked, f) else validate.accepted_sql(self.con, checked)
        future = self.pool.submit(self._land, self.side, stage, checked, f, text)
        try:
            yield
            future.result()
        except BaseException:
            self.side.con.interrupt()
            wait([future])
            raise

    def _identity(self, files: list[readers.LoadedFile]) -> tuple[str, date]:
        """The one institution and period all the submission's rows report for."""
        union = " UNION ".join(
            f"SELECT DISTINCT institution_id, CAST(period AS VARCHAR) AS period FROM {f.table}"
            for f in files if f.rows)
        pairs = engine.run(self.con, f"SELECT DISTINCT * FROM ({union}) LIMIT 3")
        where = files[0].path if len(files) == 1 else files[0].path.parent
        if len(pairs) != 1:
            found = "; ".join(f"{a}/{b}" for a, b in pairs)
            what = "a loan file" if len(files) == 1 else "a supply-chain submission"
            raise MalformedFile(where, "E0006", f"{what} covers one institution and one "
                                f"period; found {found}")
        inst, raw_period = pairs[0]
        if inst is None or raw_period is None:
            raise MalformedFile(where, "E0006", "institution_id and period must be filled in")
        try:
            period = date.fromisoformat(str(raw_period).strip()[:10])
        except ValueError as exc:
            raise MalformedFile(where, "E0006", f"period {raw_period!r} is not a date") from exc
        return str(inst), period

    def _scf(self, found: Found, content: str, loaded: dict[str, readers.LoadedFile],
             stage: Path, inst: str, period: date) -> Outcome:
        """A supply-chain submission: every file checked, the links between them included."""
        validate.fill_documents(self.con, set(loaded))
        checked = {ds: validate.check(self.con, ds) for ds in loaded}
        rows = sum(c.rows for c in checked.values())
        rate = sum(c.quarantined for c in checked.values()) / rows
        rejected = self.max_error_rate is not None and rate > self.max_error_rate
        self._write(stage, [(c, loaded[ds]) for ds, c in checked.items()], rejected)
        files = {ds: (loaded[ds], c) for ds, c in checked.items()}
        return self._commit(found, content, files, stage, inst, period, [], rejected, rate)

    def _previous(self, inst: str, period: date) -> tuple[int, float] | None:
        """Load the institution's accepted loans of the month before into `prev_loan`, for
        the cross-period rules; return their count and total balance (None if none)."""
        with self.catalog.connect() as conn:
            rows = submissions.current(conn, "loan_book", submissions.previous_month_end(period),
                                       inst)
        paths = lake.files(self.home, "loan", rows)
        self.con.raw_sql("DELETE FROM prev_loan")
        if not paths:
            return None
        engine.insert_parquet(self.con, "prev_loan", paths,
                              "loan_id, start_date, counterparty_id, balance")
        with self.catalog.connect() as conn:
            n = conn.execute(sa.select(sa.func.sum(cat.submission_file.c.rows)).where(
                cat.submission_file.c.submission_id == rows[0].id,
                cat.submission_file.c.dataset == "loan")).scalar_one()
        (total,) = engine.run(self.con, "SELECT sum(_prev_balance) FROM prev_loan")[0]
        return int(n or 0), float(total or 0)

    def _fill_registered(self) -> None:
        with self.catalog.connect() as conn:
            rows = submissions.current(conn, "register")
        paths = lake.files(self.home, "institution", rows)
        self.con.raw_sql("DELETE FROM registered")
        if paths:
            engine.insert_parquet(self.con, "registered", paths, "institution_id")

    def _fill_borrowers(self) -> None:
        validate.fill_borrowers(self.con)

    def _fill_cp_state(self, cp: validate.Checked) -> None:
        validate.fill_cp_state(self.con, cp)

    def _macro(self, prev: tuple[int, float] | None
               ) -> list[dict[str, object]]:
        """File-level plausibility against the institution's own previous period."""
        if prev is None:
            return []
        # Loan counts compare whole files; balances compare what the engine could read of
        # this file with what landed of the previous one (quarantined values are unknown).
        n, b = engine.run(self.con, "SELECT count(*), sum(TRY_CAST(balance AS DECIMAL(18, 2))) "
                                    "FROM loan_v")[0]
        out = []
        for rule_id, old, new, what, fmt in (
            ("W0501", prev[0], n, "number of loans", ",.0f"),
            ("W0502", prev[1], b, "total balance", ",.2f"),
        ):
            old, new = float(old or 0), float(new or 0)
            if old > 0 and abs(new - old) / old > 0.5:
                out.append({"rule_id": rule_id, "message": f"{what} moved from {old:{fmt}} to "
                            f"{new:{fmt}} against the previous period"})
        return out

    def _land(self, con: Backend, stage: Path, checked: validate.Checked,
              f: readers.LoadedFile, text: str | None = None) -> None:
        """Write a file's accepted rows to the staging folder (`text`: their query), or
        copy the file itself when it is all accepted and already in the lake's form."""
        if not checked.accepted:
            return
        ds = checked.dataset
        target = stage / ds / "part-0.parquet"
        if _as_received(checked, f):
            received.land(f.read, target)
            return
        engine.copy_parquet(con, text or validate.accepted_sql(con, checked), target,
                            nullable=True, enums=validate.landing_enums(ds))

    def _write(self, stage: Path, files: list[tuple[validate.Checked, readers.LoadedFile]],
               rejected: bool, macro: list[dict[str, object]] | None = None,
               landed: bool = False) -> None:
        """Write the quarantined rows and the findings, and the accepted rows unless the
        submission is rejected or they `landed` already."""
        parts = []
        for checked, f in files:
            ds = checked.dataset
            if not rejected and not landed:
                self._land(self.con, stage, checked, f)
            if rejected or checked.quarantined:
                engine.copy_parquet(self.con,
                                    validate.quarantined_sql(self.con, checked, every=rejected),
                                    stage / f"quarantine_{ds}" / "part-0.parquet")
            if checked.rule_counts:
                parts.append(engine.with_value(validate.findings_sql(self.con, checked),
                                               "file", str(f.path)))
        loan_file = next((str(f.path) for c, f in files if c.dataset == "loan"), "")
        for m in macro or []:
            parts.append(engine.values_row(validate.FINDINGS_SCHEMA, {
                "file": loan_file, "dataset": "loan", "row": None, "field": None,
                "rule_id": m["rule_id"], "severity": "warning", "value": None,
                "message": m["message"]}))
        if parts:
            # Every column optional: which columns the engine could prove non-null depended on
            # which rules fired, so the file's schema varied with its content.
            engine.copy_parquet(self.con, " UNION ALL ".join(f"({p})" for p in parts),
                                stage / "findings" / "part-0.parquet", nullable=True,
                                ordered=True)

    # ---- the catalog transaction -------------------------------------------------------
    def _commit(self, found: Found, content: str,
                files: dict[str, tuple[readers.LoadedFile, validate.Checked]], stage: Path,
                inst: str | None, period: date | None, macro: list[dict[str, object]],
                rejected: bool = False, rate: float = 0.0, note: str | None = None) -> Outcome:
        counts: dict[tuple[str, str], int] = {}
        for ds, (_, checked) in files.items():
            for rule_id, n in checked.rule_counts.items():
                counts[(ds, rule_id)] = n
        for m in macro:
            counts[("loan", str(m["rule_id"]))] = 1
        errors = sum(n for (_, r), n in counts.items() if r.startswith("E"))
        warnings = sum(n for (_, r), n in counts.items() if r.startswith("W"))
        rows = sum(c.rows for _, c in files.values())
        accepted = 0 if rejected else sum(c.accepted for _, c in files.values())
        state = ("rejected" if rejected else
                 "accepted_with_warnings" if warnings else "accepted")
        moved: list[Path] = []
        try:
            with lake.exclusive(self.home), self.catalog.begin() as conn:
                version = submissions.next_version(conn, found.kind, inst, period)
                sid = conn.execute(cat.submission.insert().values(
                    kind=found.kind, institution_id=inst, period=period, version=version,
                    state=state, content_hash=content, submitted_by=cat.actor(),
                    received_at=cat.now(), decided_at=cat.now(), rows=rows,
                    accepted_rows=accepted, quarantined_rows=rows - accepted, errors=errors,
                    warnings=warnings, max_error_rate=self.max_error_rate,
                    message=(f"error rate {rate:.1%} is over the policy's "
                             f"{self.max_error_rate:.1%}") if rejected else note,
                )).inserted_primary_key[0]
                target = cat.public_id(sid)
                for ds, (f, checked) in files.items():
                    conn.execute(cat.submission_file.insert().values(
                        submission_id=sid, dataset=ds, path=str(f.path), format=f.format,
                        encoding=f.encoding, sha256=f.sha256, rows=checked.rows,
                        accepted_rows=0 if rejected else checked.accepted))
                for (ds, rule_id), n in sorted(counts.items()):
                    conn.execute(cat.rule_count.insert().values(
                        submission_id=sid, dataset=ds, rule_id=rule_id, count=n))
                cat.log(conn, "received", target, where=str(found.where), content_hash=content)
                cat.log(conn, state, target, rows=rows, accepted=accepted, errors=errors,
                        warnings=warnings)
                if not rejected:
                    self._supersede(conn, found.kind, inst, period, sid)
                moved = lake.publish(stage, self.home, sid, period, inst)
        except BaseException:
            for p in moved:
                shutil.rmtree(p, ignore_errors=True)
            raise
        with self.catalog.connect() as conn:
            row = conn.execute(sa.select(cat.submission).where(cat.submission.c.id == sid)).one()
        return _outcome(row, str(found.where))

    def _supersede(self, conn: sa.Connection, kind: str, inst: str | None, period: date | None,
                   sid: int) -> None:
        if kind == "register":
            olds = submissions.current(conn, "register")
        else:
            olds = submissions.current(conn, kind, period, inst)
        for old in olds:
            if old.id == sid:
                continue
            conn.execute(cat.submission.update().where(cat.submission.c.id == old.id)
                         .values(state="superseded", superseded_by=sid))
            cat.log(conn, "superseded", cat.public_id(old.id), by=cat.public_id(sid))

    def _record_malformed(self, found: Found, content: str, shas: dict[str, list[str]],
                          bad: MalformedFile) -> Outcome:
        """Nothing lands; the attempt and its cause are recorded for the reporting officer."""
        with self.catalog.begin() as conn:
            sid = conn.execute(cat.submission.insert().values(
                kind=found.kind, version=0, state="malformed", content_hash=content,
                submitted_by=cat.actor(), received_at=cat.now(), decided_at=cat.now(),
                rows=0, accepted_rows=0, quarantined_rows=0, errors=1, warnings=0,
                max_error_rate=self.max_error_rate, message=f"{bad.path}: {bad.cause}",
            )).inserted_primary_key[0]
            for ds, paths in found.files.items():
                for p, sha in zip(paths, shas[ds], strict=True):
                    culprit = p == bad.path
                    conn.execute(cat.submission_file.insert().values(
                        submission_id=sid, dataset=ds, path=str(p), sha256=sha,
                        rule_id=bad.rule_id if culprit else None,
                        error=bad.cause if culprit else None))
            conn.execute(cat.rule_count.insert().values(
                submission_id=sid, dataset="file", rule_id=bad.rule_id, count=1))
            cat.log(conn, "malformed", cat.public_id(sid), file=str(bad.path),
                    rule=bad.rule_id, cause=bad.cause)
            row = conn.execute(sa.select(cat.submission).where(cat.submission.c.id == sid)).one()
        return _outcome(row, str(found.where))


def _as_received(checked: validate.Checked, f: readers.LoadedFile) -> bool:
    """Does the file land as received (`intake.received`)? Its form is read only of a file
    none of whose rows is held back."""
    return checked.accepted == checked.rows and f.lake_form


def _outcome(row: sa.Row, where: str, duplicate: bool = False) -> Outcome:
    return Outcome(
        submission=cat.public_id(row.id), kind=row.kind, state=row.state, where=where,
        institution_id=row.institution_id, period=row.period, rows=row.rows,
        accepted=row.accepted_rows, quarantined=row.quarantined_rows, errors=row.errors,
        warnings=row.warnings, message=row.message, duplicate=duplicate,
    )


def ingest(paths: list[Path], home: Home | None = None, *, max_error_rate: float | None = None,
           progress: Progress | None = None, institution: str | None = None) -> list[Outcome]:
    """Collect every submission found under `paths` into the data home; with `institution`,
    a loan book of any other institution is refused whole (a bank reports for itself)."""
    home = home or Home.resolve()
    found = discover([Path(p) for p in paths])
    if institution is not None and any(f.kind == "register" for f in found):
        raise ValueError("only the regulator submits the institution register")
    collector = Collector(home, max_error_rate, institution)
    outcomes = []
    try:
        for i, f in enumerate(found):
            outcomes.append(collector.submit(f))
            if progress:
                progress("ingest", i + 1, len(found))
    finally:
        collector.close()
    return outcomes


def nil_return(institution: str, period: date, home: Home | None = None, *,
               as_institution: str | None = None) -> Outcome:
    """File a nil return (`Collector.nil_return`); `as_institution`: the only institution the
    caller may report for (a bank reports for itself)."""
    collector = Collector(home or Home.resolve(), institution=as_institution)
    try:
        return collector.nil_return(institution, period)
    finally:
        collector.close()
