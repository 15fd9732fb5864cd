"""The validation engine: every row rule of the catalogue, in one pass per file.

Each row gets one flag per (rule, field) computed by the engine; a row with a blocking
flag goes to quarantine, the others land. Findings are located (file, row, field)
and worded from the catalogue. The rules themselves are the pure checks of `checks.py`.

The queries run on fixed engine table names (`loan`, `counterparty`, `institution` as loaded,
and the helper tables `borrowers`, `cp_invalid`, `cp_unknown`, `registered`, `prev_loan`,
`repeated`, `bad_codes`, and the functions `_listed_*` that tell an allowed value), so each
compiles once per input schema and is reused for every submission.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends.duckdb import Backend

from fiveareas.intake.catalogue import Rule, message_parts, row_rules
from fiveareas.intake.checks import CHECKS, CODE_CHECKS, REFERENCE, listed_name
from fiveareas.model.template import Field, template
from fiveareas.reference import uscc
from fiveareas.store import engine

PARSED_TYPES = {
    "date": dt.date,
    "amount": dt.Decimal(18, 2),
    "decimal": dt.float64,
    "integer": dt.int64,
    "boolean": dt.boolean,
}
UNIQUE = ("unique_key", "unique_record")
RECORD = "_record"  # the `repeated` field name of a whole-record key
WHITESPACE = sorted(ord(c) for c in string.whitespace)  # what `strip` removes
FINDINGS_SCHEMA = ibis.schema({
    "file": "string", "dataset": "string", "row": "int64", "field": "string",
    "rule_id": "string", "severity": "string", "value": "string", "message": "string",
})
HELPERS = {
    # Per borrower of the loan file: its credit lines (a borrower has one).
    "borrowers": "_b_id VARCHAR, _b_lo DECIMAL(18,2), _b_hi DECIMAL(18,2)",
    # Counterparties with a blocked row; borrowers the counterparty file lacks.
    "cp_invalid": "_cp_id VARCHAR",
    "cp_unknown": "_cp_id VARCHAR",
    "registered": "institution_id VARCHAR",
    "prev_loan": "_prev_loan_id VARCHAR, _prev_start_date DATE, "
                 "_prev_counterparty_id VARCHAR, _prev_balance DECIMAL(18,2)",
    # A supply-chain submission's application ids and its documents as `type|id`.
    "scf_applications": "_app_id VARCHAR",
    "scf_documents": "_doc VARCHAR",
    # The keys that occur more than once in the file being checked, by field
    # (`_record` for a whole-record key).
    "repeated": "_r_field VARCHAR, _r_key VARCHAR",
    # The rows whose unified social credit code fails its check character, by field.
    "bad_codes": "_bc_field VARCHAR, _bc_row BIGINT",
}
# The columns that name each kind of document in `application_document.document_id`.
DOCUMENT_KEYS = {
    "contract": ("contract", "contract_id"),
    "invoice": ("invoice", "coalesce(invoice_code, '') || invoice_number"),
    "shipment": ("shipment", "waybill_id"),
    "warehouse_receipt": ("warehouse_receipt", "receipt_id"),
}


@dataclass
class Checked:
    """A validated file, materialised in the engine as `{dataset}_checked`."""

    dataset: str
    rows: int = 0
    accepted: int = 0
    rule_counts: dict[str, int] = field(default_factory=dict)
    # The (rule id, field name) pairs that flagged at least one row, in catalogue order.
    fired: tuple[tuple[str, str], ...] = ()
    text: bool = False
    schema: tuple[tuple[str, str], ...] = ()  # of the loaded file, the key of its queries

    @property
    def table(self) -> str:
        return f"{self.dataset}_checked"

    @property
    def failing(self) -> str:
        """The flagged rows with their values as received: typed input keeps them in the
        checked table itself, text input joins them back from the row view."""
        return f"{self.dataset}_failing" if self.text else self.table

    @property
    def quarantined(self) -> int:
        return self.rows - self.accepted


def parsed(t: ir.Table, f: Field) -> ir.Value:
    """The value as its template type (null when it does not parse)."""
    col = t[f.name]
    if f.type not in PARSED_TYPES:
        return col if col.type().is_string() else col.cast("string")
    if col.type().is_string():
        # Strip only what starts or ends with whitespace: stripping copies every value
        # (3x the cost of the test, for values that almost never need it).
        padded = col.ascii_str().isin(WHITESPACE) | col.right(1).ascii_str().isin(WHITESPACE)
        col = padded.ifelse(col.strip(), col)
    return col.try_cast(PARSED_TYPES[f.type])


def _prepared(con: Backend, dataset: str) -> ir.Table:
    """Raw columns as text where the template wants text, plus parsed `name__t` columns."""
    t = con.table(f"{dataset}_v")
    ds = template()[dataset]
    text = {f.name: t[f.name].cast("string") for f in ds.fields
            if f.type not in PARSED_TYPES and not t[f.name].type().is_string()}
    t = t.mutate(**text) if text else t
    return t.mutate(**{f"{f.name}__t": parsed(t, f) for f in ds.fields})


def _with_helpers(con: Backend, dataset: str, t: ir.Table) -> ir.Table:
    """Columns from other rows, files and periods that the cross-record rules look at.
    Grouped sets looked up, rather than window functions, which would drag every column
    through a sort: the repeated keys come from `repeated`, what concerns borrowers from the
    small helper tables that `fill_borrowers` and `fill_cp_state` fill, so the pass over the
    loans joins no table as large as the counterparty file."""
    rep, bad = con.table("repeated"), con.table("bad_codes")
    for r, f in row_rules(dataset):
        if r.check in CODE_CHECKS:
            rows = bad.filter(bad._bc_field == f.name)._bc_row
            t = t.mutate(**{f"_bad_{f.name}": t._row.isin(rows)})
        if r.check == "unique_key":
            keys = rep.filter(rep._r_field == f.name)._r_key
            t = t.mutate(**{f"_dup_{f.name}": t[f.name].cast("string").isin(keys)})
        if r.check == "unique_record":
            keys = rep.filter(rep._r_field == RECORD)._r_key
            t = t.mutate(_dup_record=_record_key(t, _record_fields(dataset)).isin(keys))
    if dataset == "counterparty":
        return t.mutate(_used=t.counterparty_id.isin(con.table("borrowers")._b_id))
    if dataset == "application_document":
        doc = t.document_type.concat("|", t.document_id)
        return t.mutate(_app_known=t.application_id.isin(con.table("scf_applications")._app_id),
                        _doc_known=doc.isin(con.table("scf_documents")._doc))
    if dataset != "loan":
        return t
    b = con.table("borrowers")
    t = t.mutate(_line_differs=t.counterparty_id.isin(b.filter(b._b_lo != b._b_hi)._b_id))
    cp = t.counterparty_id
    t = t.mutate(_cp_state=ibis.cases(
        (cp.isin(con.table("cp_unknown")._cp_id), ibis.null("string")),
        (cp.isin(con.table("cp_invalid")._cp_id), ibis.literal("invalid")),
        else_=ibis.literal("valid")))
    t = t.mutate(_inst_known=t.institution_id.isin(con.table("registered").institution_id))
    prev = con.table("prev_loan")
    return t.left_join(prev, t.loan_id == prev._prev_loan_id).drop("_prev_loan_id")


def _record_key(t: ir.Table, keys: list[str]) -> ir.StringValue:
    """One text value per key (a missing part counts as empty, e.g. a digital invoice's code)."""
    parts = [t[k].cast("string").fill_null("") for k in keys]
    return parts[0] if len(parts) == 1 else ibis.literal("\x1f").join(parts)


def _record_fields(dataset: str) -> list[str]:
    return [k for k in template()[dataset].key if k not in ("institution_id", "period")]


def _repeated_expr(con: Backend, dataset: str) -> ir.Table:
    """The keys that occur more than once, as (field, key). Found by their own grouping and
    kept in the small table `repeated`, which the check looks each row up in: as a subquery
    of the check, joined against every row, it made the counterparty pass a fifth slower
    (the loan pass the same either way)."""
    v = con.table(f"{dataset}_v")
    parts = []
    for r, f in row_rules(dataset):
        if r.check not in UNIQUE:
            continue
        name = f.name if r.check == "unique_key" else RECORD
        key = (v[f.name].cast("string") if r.check == "unique_key"
               else _record_key(v, _record_fields(dataset)))
        k = v.select(_r_key=key)
        n = k.group_by("_r_key").aggregate(_n=k.count())
        parts.append(n.filter(n._n > 1).select(_r_field=ibis.literal(name), _r_key=n._r_key))
    return ibis.union(*parts) if len(parts) > 1 else parts[0]


def _borrowers_expr(con: Backend) -> ir.Table:
    """Each borrower id of the loan file as received, with the lowest and highest credit
    line of its loans. Raw ids, not the row view's: a blank id is then not taken for a
    missing one, so counterparty ids match `loan.counterparty_id` exactly as before."""
    raw = con.table("loan")
    # A loan without a borrower id names no borrower: a null in the set would make every
    # look-up of an id outside it unknown rather than false (W0308 went silent).
    raw = raw.filter(raw.counterparty_id.notnull())
    line = raw.credit_line.try_cast(PARSED_TYPES["amount"])  # blank text casts to null too
    return raw.group_by(_b_id=raw.counterparty_id.cast("string")).aggregate(
        _b_lo=line.min(), _b_hi=line.max())


def _flag(rule: Rule, f: Field) -> str:
    return f"_f_{rule.id}_{f.name}"


def _text_input(dataset: str, schema: tuple[tuple[str, str], ...]) -> bool:
    """Does a typed field arrive as text (CSV, Excel, all-string Parquet)?"""
    types = dict(schema)
    return any(f.type in PARSED_TYPES and engine.is_text(types[f.name])
               for f in template()[dataset].fields)


def _checked_expr(con: Backend, dataset: str) -> ir.Table:
    """Row number, one boolean per (rule, field), `_blocked` and `_flagged`.

    Typed input (Parquet as the template declares it) keeps only the flagged rows, with
    their values as received: parsing is free, so the accepted rows are parsed again while
    streaming to the lake, which costs less than storing every value. Text input keeps
    every row with its parsed values, because parsing text is the expensive part and is not
    worth doing twice."""
    t = _with_helpers(con, dataset, _prepared(con, dataset))
    pairs = row_rules(dataset)
    flags = {_flag(r, f): CHECKS[r.check](t, f).fill_null(False) for r, f in pairs}
    keep = _text_input(dataset, engine.schema_key(con, dataset))
    names = [f.name for f in template()[dataset].fields]
    # Text input: every row's parsed values. Typed input: the flagged rows' values as
    # received, for quarantine and findings, so they need not be joined back afterwards.
    cols = [f"{n}__t" for n in names] if keep else names
    t = t.select("_row", *cols, **flags)
    blocking = [t[_flag(r, f)] for r, f in pairs if r.blocking]
    t = t.mutate(_blocked=ibis.or_(*blocking) if blocking else ibis.literal(False),
                 _flagged=ibis.or_(*(t[name] for name in flags)))
    return t if keep else t.filter(t._flagged)


def _failing_expr(con: Backend, dataset: str) -> ir.Table:
    """The flagged rows with their raw text, joined back from the row view."""
    c = con.table(f"{dataset}_checked")
    return c.filter(c._flagged).join(con.table(f"{dataset}_v"), "_row")


def create_helpers(con: Backend) -> None:
    """Helper tables with fixed schemas: empty ones the collector fills per submission, the
    catalogue's message parts used to word findings, the checks' code tables, and the
    functions that tell an allowed value (E0103)."""
    for name, cols in HELPERS.items():
        con.raw_sql(f"CREATE OR REPLACE TABLE {name} ({cols})")
    parts = [{"m_dataset": ds, **p} for ds in template().datasets for p in message_parts(ds)]
    engine.load_arrow(con, "messages", pa.Table.from_pylist(parts))
    for name, codes in REFERENCE.items():
        engine.load_arrow(con, name, pa.table({"code": pa.array(sorted(codes()), pa.string())}))
    for values in {f.allowed for ds in template().datasets for r, f in row_rules(ds)
                   if r.check == "allowed_value"}:
        engine.define_listed(con, listed_name(values), values)


def check(con: Backend, dataset: str) -> Checked:
    """Run every row rule of `dataset` on its loaded engine table; materialise the result."""
    schema = engine.schema_key(con, dataset)
    out = Checked(dataset, text=_text_input(dataset, schema), schema=schema)
    key = (dataset, out.schema)
    unique = any(r.check in UNIQUE for r, _ in row_rules(dataset))
    engine.refill(con, "repeated", engine.sql(
        con, ("repeated", *key), lambda: _repeated_expr(con, dataset)) if unique else None)
    _fill_bad_codes(con, dataset, key)
    engine.materialize_sql(con, out.table, engine.sql(
        con, ("check", *key), lambda: _checked_expr(con, dataset)))

    def count() -> ir.Table:
        t, raw = con.table(out.table), con.table(dataset)
        return t.aggregate(rows=raw.count().as_scalar(), blocked=t._blocked.sum(),
                           flagged=t._flagged.sum())

    count_sql = engine.sql(con, ("count", dataset), count)
    rows, blocked, flagged = engine.run(con, count_sql)[0]
    out.rows, out.accepted = int(rows), int(rows) - int(blocked or 0)
    if flagged:  # most submissions are clean: then there is nothing to fetch or count
        if out.text:
            engine.materialize_sql(con, out.failing, engine.sql(
                con, ("failing", *key), lambda: _failing_expr(con, dataset)))
        out.rule_counts, out.fired = _rule_counts(con, out)
    return out


def _rule_counts(con: Backend, checked: Checked
                 ) -> tuple[dict[str, int], tuple[tuple[str, str], ...]]:
    """Rows flagged per rule, and the (rule, field) pairs that flagged any."""
    pairs = row_rules(checked.dataset)

    def build() -> ir.Table:
        t = con.table(checked.table)
        return t.aggregate(**{_flag(r, f): t[_flag(r, f)].sum() for r, f in pairs})

    text = engine.sql(con, ("rule_counts", checked.dataset), build)
    counts: dict[str, int] = {}
    fired = []
    for (r, f), n in zip(pairs, engine.run(con, text)[0], strict=True):
        if n:
            counts[r.id] = counts.get(r.id, 0) + int(n)
            fired.append((r.id, f.name))
    return counts, tuple(fired)


def accepted_sql(con: Backend, checked: Checked) -> str:
    """The landing rows, typed as the template declares."""
    def build() -> ir.Table:
        c = con.table(checked.table)
        if checked.text:
            t = c.filter(~c._blocked)
        else:
            t = _prepared(con, checked.dataset)
            t = t.filter(~t._row.isin(c.filter(c._blocked)._row))
        return t.select(**{f.name: t[f"{f.name}__t"].cast(ibis.dtype(f.arrow_type))
                           for f in template()[checked.dataset].fields})

    key = ("accepted", checked.dataset, checked.schema)
    return engine.sql(con, key, build)


def landing_enums(dataset: str) -> dict[str, tuple[str, ...]]:
    """The fields whose landing values a blocking rule keeps to a list of allowed ones."""
    return {f.name: f.allowed for r, f in row_rules(dataset)
            if r.check == "allowed_value" and r.blocking and f.allowed}


def fill_borrowers(con: Backend) -> None:
    """Fill `borrowers` from the loaded loan file, before either file is checked."""
    engine.refill(con, "borrowers", engine.sql(con, ("borrowers", engine.schema_key(
        con, "loan")), lambda: _borrowers_expr(con)))


def _fill_bad_codes(con: Backend, dataset: str, key: tuple[object, ...]) -> None:
    """Fill `bad_codes` with the rows of the loaded file whose credit code fails its check
    character, worked out outside the engine a batch of rows at a time. As 17 character
    look-ups per code in the engine it took 1.4 s of the 2.2 s check of 3.3M counterparties;
    streaming the codes out and checking them over their bytes takes about 0.5 s."""
    con.raw_sql("DELETE FROM bad_codes")
    for r, f in row_rules(dataset):
        if r.check not in CODE_CHECKS:
            continue
        text = engine.sql(con, ("codes", r.check, f.name, *key),
                          lambda r=r, f=f: _codes_expr(con, dataset, r.check, f.name))
        rows = pa.chunked_array([b.column(0).filter(pa.array(uscc.invalid(b.column(1))))
                                 for b in engine.batches(con, text)], pa.int64())
        if len(rows):
            engine.insert_arrow(con, "bad_codes", pa.table({
                "_bc_field": pa.repeat(f.name, len(rows)), "_bc_row": rows}))


def _codes_expr(con: Backend, dataset: str, check: str, field: str) -> ir.Table:
    """Row number and code of the rows whose code the check concerns."""
    v = con.table(f"{dataset}_v")
    return v.filter(v[field].notnull() & CODE_CHECKS[check](v)).select(
        "_row", code=v[field].cast("string"))


def fill_cp_state(con: Backend, cp: Checked) -> None:
    """Fill `cp_invalid` (counterparties with a blocked row) and `cp_unknown` (borrowers
    the counterparty file lacks), the two small sets the loan rules E0303 and E0304 read."""
    key = cp.schema
    if cp.quarantined:
        def invalid() -> ir.Table:
            t = con.table(cp.failing)
            return t.filter(t._blocked).select(_cp_id=t.counterparty_id.cast("string")).distinct()

        engine.refill(con, "cp_invalid", engine.sql(con, ("cp_invalid", cp.text, *key), invalid))
    else:
        engine.refill(con, "cp_invalid", None)

    if _lists_every_borrower(con, cp):
        engine.refill(con, "cp_unknown", None)
        return

    def unknown() -> ir.Table:
        b, v = con.table("borrowers"), con.table("counterparty_v")
        missing = b.anti_join(v, b._b_id == v.counterparty_id)
        return missing.filter(missing._b_id.notnull()).select("_b_id").rename(_cp_id="_b_id")

    engine.refill(con, "cp_unknown", engine.sql(con, ("cp_unknown", *key), unknown))


def _lists_every_borrower(con: Backend, cp: Checked) -> bool:
    """Whether the counterparty file lists every borrower of the loan file, from counts at
    hand. When its ids are distinct (E0302 silent), its rows with an id less those no loan
    uses (W0308) are the borrowers it lists, so they are as many as the borrowers only if
    it lists them all. Spares the usual file the search for missing borrowers, a join of
    two whole sets of ids (0.5-1 s at 3.3M each)."""
    rules = [r for r, f in row_rules("counterparty") if f.name == "counterparty_id"]
    if any(r.check == "unique_key" and (r.id, "counterparty_id") in cp.fired for r in rules):
        return False
    unused = sum(cp.rule_counts.get(r.id, 0) for r in rules if r.check == "counterparty_used")
    ((with_id,),) = engine.run(con, "SELECT count(counterparty_id) FROM counterparty_v")
    ((borrowers,),) = engine.run(con, "SELECT count(*) FROM borrowers")
    return int(with_id) - unused == int(borrowers)


def fill_documents(con: Backend, loaded: set[str]) -> None:
    """Fill `scf_applications` and `scf_documents` from a supply-chain submission's files,
    for the rules E0310 and E0311 on its application_document file."""
    # Without the rows that lack an id: a null in a set makes the look-up of every id
    # outside it unknown rather than false, and the rule would pass them.
    apps = ("SELECT DISTINCT CAST(application_id AS VARCHAR) FROM financing_application_v "
            "WHERE application_id IS NOT NULL" if "financing_application" in loaded else None)
    engine.refill(con, "scf_applications", apps)
    docs = [f"SELECT _doc FROM (SELECT '{kind}|' || CAST({expr} AS VARCHAR) AS _doc FROM "
            f"{ds}_v) WHERE _doc IS NOT NULL"
            for ds, (kind, expr) in DOCUMENT_KEYS.items() if ds in loaded]
    engine.refill(con, "scf_documents", " UNION ALL ".join(docs) if docs else None)


def quarantined_sql(con: Backend, checked: Checked, every: bool = False) -> str:
    """The rows kept back (all of them when the submission is rejected), as received."""
    def build() -> ir.Table:
        if every:
            t = con.table(f"{checked.dataset}_v").order_by("_row")
        else:
            t = con.table(checked.failing)
            t = t.filter(t._blocked).order_by("_row")
        return t.select("_row", *[t[f.name].cast("string").name(f.name)
                                  for f in template()[checked.dataset].fields])

    key = ("quarantined", checked.dataset, every, checked.schema)
    return engine.sql(con, key, build)


def findings_sql(con: Backend, checked: Checked) -> str:
    """One located finding per row, rule and field, worded from the catalogue; the file
    path is left as the placeholder column `file` = '' for the caller to fill in.

    Only the (rule, field) pairs that flagged a row get a branch: a file fails a handful of
    the catalogue's pairs, and planning a union of all of them (54 branches for a loan
    file, 29 for a counterparty file) cost the engine about 50 ms per submission, whatever
    the number of findings."""
    fired = set(checked.fired)

    def build() -> ir.Table:
        t = con.table(checked.failing)
        parts = [
            t.filter(t[_flag(r, f)]).select(
                row=t._row, field=ibis.literal(f.name), rule_id=ibis.literal(r.id),
                value=t[f.name].cast("string"))
            for r, f in row_rules(checked.dataset) if (r.id, f.name) in fired
        ]
        found = ibis.union(*parts) if len(parts) > 1 else parts[0]
        m = con.table("messages")
        m = m.filter(m.m_dataset == checked.dataset)
        j = found.join(m, [found.rule_id == m.m_rule, found.field == m.m_field])
        out = j.select(
            file=ibis.literal(""), dataset=ibis.literal(checked.dataset), row=j.row,
            field=j.field, rule_id=j.rule_id, severity=j.m_severity, value=j.value,
            message=j.m_prefix.concat(j.value.fill_null(""), j.m_suffix),
        ).order_by(["row", "rule_id"])
        return out.cast(FINDINGS_SCHEMA)

    return engine.sql(con, ("findings", checked.dataset, checked.schema, checked.fired), build)
