"""The catalogue, the check functions and the published guide must not drift apart."""

from __future__ import annotations

import inspect
from pathlib import Path

from fiveareas.intake import checks, guide
from fiveareas.intake.catalogue import file_rules, row_rules, rules
from fiveareas.model.template import template

ROOT = Path(__file__).resolve().parents[2]


def test_every_rule_names_an_existing_check() -> None:
    for r in rules():
        if r.scope == "file":  # whole-file rules live in the readers and the collector
            continue
        assert r.check in checks.CHECKS, f"{r.id} names unknown check {r.check}"


def test_every_check_function_is_used_by_a_rule() -> None:
    used = {r.check for r in rules()}
    defined = {name for name, fn in vars(checks).items()
               if inspect.isfunction(fn) and fn.__module__ == checks.__name__
               and not name.startswith("_") and name not in ("check", "listed_name")}
    assert defined == set(checks.CHECKS)
    assert set(checks.CHECKS) - used == set()


def test_syntax_rules_are_raised_by_the_readers_and_tested() -> None:
    """Each file-level rule id is raised in the collect path; syntax ones are in the corpus."""
    src = "".join(p.read_text() for p in (ROOT / "src/fiveareas/intake").glob("*.py"))
    corpus = (ROOT / "tests/intake/test_bad_files.py").read_text()
    for r in rules():
        if r.scope == "file":
            assert f'"{r.id}"' in src, f"{r.id} is never raised"
        if r.phase == "syntax":
            assert r.id in corpus, f"{r.id} has no bad-file test"


def test_rule_fields_exist_in_the_template() -> None:
    for ds in template().datasets:
        for r, f in row_rules(ds):
            assert f.name in template()[ds].columns, (r.id, f.name)
        assert all(ds in r.datasets for r in file_rules(ds))


def test_ids_are_stable_and_severity_follows_the_letter() -> None:
    ids = [r.id for r in rules()]
    assert ids == sorted(ids, key=lambda i: i[1:])
    for r in rules():
        assert r.severity == ("error" if r.id[0] == "E" else "warning")
        assert r.anchor.endswith("#" + r.id.lower())


def test_published_guide_is_current() -> None:
    published = (ROOT / "docs/validation-rules.md").read_text(encoding="utf-8")
    assert published == guide.render(), "run `fiveareas docs` to regenerate the guide"
    for r in rules():
        assert f'<a id="{r.id.lower()}"></a>{r.id}' in published
