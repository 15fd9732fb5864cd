"""The SDMX-ML message reads back with sdmx1, without a structure, to the input's figures."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import sdmx

from fiveareas.report.sdmx import DIMENSIONS
from tests.report.conftest import GENERATED, KNOWN, NEW_MEMBER, build


@pytest.fixture(scope="module")
def message(written):
    return sdmx.read_sdmx(written("sdmx"))


def _key(sk) -> dict[str, str]:
    return {k: v.value for k, v in sk.values.items()}


def test_header(message) -> None:
    header = message.header
    assert header.id == "FIVEAREAS_202412_20250120T093000"
    assert header.prepared == GENERATED
    assert header.sender.id == "FIVEAREAS"
    assert header.test is False
    assert "fa45891dca7a" in str(header.source)


def test_series_and_observations_match_non_null_rows(message) -> None:
    rows = [r for r in build().indicators.to_pylist() if r["value"] is not None]
    nulls = build().indicators.num_rows - len(rows)
    assert nulls > 0  # the fixture has growth with no base; those are omitted
    (ds,) = message.data
    assert len(ds.series) == len(rows)  # one period: one observation per series
    assert len(ds.obs) == len(rows)
    sk = next(iter(ds.series))
    assert list(_key(sk)) == list(DIMENSIONS)
    keys = {tuple(_key(s).values()) for s in ds.series}
    assert ("M", "CN_SH", "sci_tech", "total", "institution", NEW_MEMBER, "yoy") not in keys
    assert ("M", "CN_SH", "sci_tech", "total", "institution", NEW_MEMBER, "balance") in keys


def test_known_value_round_trips(message) -> None:
    (ds,) = message.data
    want = ("M", "CN_SH", KNOWN["area"], KNOWN["sub_area"], KNOWN["dimension"],
            KNOWN["member"], KNOWN["indicator"])
    (sk,) = [s for s in ds.series if tuple(_key(s).values()) == want]
    (obs,) = ds.series[sk]
    assert float(obs.value) == KNOWN["value"]  # exactly, not approximately
    assert obs.dim.values["TIME_PERIOD"].value == "2024-12"
    assert sk.attrib["UNIT_MEASURE"].value == "CNY"
    assert sk.attrib["UNIT_MULT"].value == "0"


def test_every_value_round_trips(message) -> None:
    want = {(r["area"], r["sub_area"], r["dimension"], r["member"], r["indicator"]): r["value"]
            for r in build().indicators.to_pylist() if r["value"] is not None}
    got = {}
    for sk, observations in message.data[0].series.items():
        k = _key(sk)
        for obs in observations:
            got[k["AREA"], k["SUB_AREA"], k["DIMENSION"], k["MEMBER"], k["INDICATOR"]] = float(
                obs.value)
    assert got == want


def test_units(message) -> None:
    units = {_key(sk)["INDICATOR"]: sk.attrib["UNIT_MEASURE"].value
             for sk in message.data[0].series}
    assert units["balance"] == "CNY" and units["borrowers"] == "NUM"
    assert units["npl_ratio"] == "PURE_NUMB" and units["rate"] == "PCT"


def test_empty_input_is_valid_message(written) -> None:
    message = sdmx.read_sdmx(written("sdmx", empty=True))
    assert message.header.id.startswith("FIVEAREAS_202412")
    (ds,) = message.data
    assert len(ds.series) == 0 and len(ds.obs) == 0
    assert "no data" in str(message.header.source)
    assert message.header.reporting_begin == dt.datetime(2024, 12, 1)


@pytest.mark.skipif(not os.environ.get("FIVEAREAS_SDMX_SCHEMAS"),
                    reason="set FIVEAREAS_SDMX_SCHEMAS to the SDMX 2.1 schemas/ folder")
@pytest.mark.parametrize("empty", [False, True])
def test_valid_against_sdmx_21_schema(written, empty) -> None:
    """Schema-valid, not just readable by one client (schemas: sdmx-twg/sdmx-ml-v2_1)."""
    from lxml import etree

    folder = Path(os.environ["FIVEAREAS_SDMX_SCHEMAS"])
    schema = etree.XMLSchema(etree.parse(str(folder / "SDMXMessage.xsd")))
    doc = etree.parse(str(written("sdmx", empty=empty)))
    assert schema.validate(doc), schema.error_log
