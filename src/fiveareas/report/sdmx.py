"""SDMX-ML 2.1 Generic data message of the indicator figures.

Generic, not StructureSpecific: a generic message names every dimension and attribute in the
data itself (`<generic:Value id="AREA" value="green"/>`), so a client reads it back without the
data structure definition, which the platform does not publish. Built with the standard library
so the runtime needs no SDMX package; sdmx1 reads it back in the tests. Null figures are
omitted (SDMX: a missing observation is simply absent), and a series with no figure is dropped.
An empty table gives a valid message with an empty data set; its header's Source says so (sdmx1
does not read annotations on a generic data set, so the note is not put there).
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from fiveareas.report.data import ReportInput, month

NS = {
    "message": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message",
    "generic": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic",
    "common": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common",
}
AGENCY = "FIVEAREAS"
STRUCTURE = ("FIVEAREAS_LOANS", "1.0")  # the (unpublished) DSD: id, version
SENDER = "FIVEAREAS"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DIMENSIONS = ("FREQ", "REF_AREA", "AREA", "SUB_AREA", "DIMENSION", "MEMBER", "INDICATOR")
REF_AREAS = {"Shanghai": "CN_SH"}
# Platform unit -> UNIT_MEASURE code; UNIT_MULT is always 0 (values are in the unit itself).
UNITS = {"yuan": "CNY", "count": "NUM", "percent": "PCT", "ratio": "PURE_NUMB"}

for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)


def _q(prefix: str, tag: str) -> str:
    return f"{{{NS[prefix]}}}{tag}"


def ref_area(city: str) -> str:
    """REF_AREA code of a city: `CN_SH` for Shanghai, else the city's name as an SDMX ID."""
    return REF_AREAS.get(city) or "CN_" + re.sub(r"[^A-Za-z0-9_]", "_", city.upper())


def message_id(data: ReportInput) -> str:
    """A message ID that says what it holds and when it was made (an SDMX IDType)."""
    return f"FIVEAREAS_{data.period:%Y%m}_{data.generated_at:%Y%m%dT%H%M%S}"


def _header(root: ET.Element, data: ReportInput, periods: list[str]) -> None:
    header = ET.SubElement(root, _q("message", "Header"))
    ET.SubElement(header, _q("message", "ID")).text = message_id(data)
    ET.SubElement(header, _q("message", "Test")).text = "false"
    ET.SubElement(header, _q("message", "Prepared")).text = data.generated_at.isoformat()
    sender = ET.SubElement(header, _q("message", "Sender"), id=SENDER)
    name = ET.SubElement(sender, _q("common", "Name"))
    name.set(XML_LANG, "en")
    name.text = f"fiveareas, {data.city} five major areas of finance"
    structure = ET.SubElement(
        header,
        _q("message", "Structure"),
        structureID=STRUCTURE[0],
        dimensionAtObservation="TIME_PERIOD",
    )
    ref = ET.SubElement(ET.SubElement(structure, _q("common", "Structure")), "Ref")
    ref.set("agencyID", AGENCY)
    ref.set("id", STRUCTURE[0])
    ref.set("version", STRUCTURE[1])
    ET.SubElement(header, _q("message", "DataSetAction")).text = "Information"
    ET.SubElement(header, _q("message", "Extracted")).text = data.generated_at.isoformat()
    this = month(data.period)
    ET.SubElement(header, _q("message", "ReportingBegin")).text = min(periods, default=this)
    ET.SubElement(header, _q("message", "ReportingEnd")).text = max(periods, default=this)
    source = ET.SubElement(header, _q("message", "Source"))
    source.set(XML_LANG, "en")
    source.text = f"fiveareas measure, rules version {data.rules_version}" + (
        "" if periods else f"; no data: no figures for {this}"
    )


def _values(parent: ET.Element, tag: str, pairs: dict[str, str]) -> ET.Element:
    elem = ET.SubElement(parent, _q("generic", tag))
    for key, value in pairs.items():
        ET.SubElement(elem, _q("generic", "Value"), id=key, value=value)
    return elem


def write_sdmx(data: ReportInput, out: Path) -> Path:
    """Write the non-null rows of `data.indicators` as one generic data set; return `out`."""
    where = ref_area(data.city)
    series: dict[tuple[str, ...], dict] = {}
    for row in data.indicators.to_pylist():
        value = row["value"]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        key = ("M", where, row["area"], row["sub_area"], row["dimension"], row["member"],
               row["indicator"])
        entry = series.setdefault(key, {"unit": row["unit"], "obs": {}})
        entry["obs"][month(row["period"])] = value
    periods = sorted({p for entry in series.values() for p in entry["obs"]})

    root = ET.Element(_q("message", "GenericData"))
    _header(root, data, periods)
    dataset = ET.SubElement(
        root, _q("message", "DataSet"), structureRef=STRUCTURE[0], action="Information"
    )
    for key, entry in series.items():
        elem = ET.SubElement(dataset, _q("generic", "Series"))
        _values(elem, "SeriesKey", dict(zip(DIMENSIONS, key, strict=True)))
        unit = UNITS.get(entry["unit"], str(entry["unit"]).upper())
        _values(elem, "Attributes", {"UNIT_MEASURE": unit, "UNIT_MULT": "0"})
        for period, value in sorted(entry["obs"].items()):
            obs = ET.SubElement(elem, _q("generic", "Obs"))
            ET.SubElement(obs, _q("generic", "ObsDimension"), value=period)
            # repr() is the shortest string that parses back to the same float.
            ET.SubElement(obs, _q("generic", "ObsValue"), value=repr(float(value)))

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    ET.indent(root, space=" ")
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)
    return out
