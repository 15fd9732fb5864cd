"""The PDF has real text (period, areas, targets) and the charts as images."""

from __future__ import annotations

import pypdf
import pytest

from fiveareas.report.data import AREA_NAMES, AREAS
from tests.report.conftest import targets


@pytest.fixture(scope="module")
def pdf(written):
    reader = pypdf.PdfReader(written("pdf"))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def _images(reader: pypdf.PdfReader) -> int:
    count = 0
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject")
        if xobjects:
            xobjects = xobjects.get_object()
            count += sum(1 for x in xobjects.values() if x.get_object()["/Subtype"] == "/Image")
    return count


def test_text(pdf) -> None:
    _, text = pdf
    assert "2024-12" in text and "Shanghai" in text and "fa45891dca7a" in text
    for area in AREAS:
        assert AREA_NAMES[area][0] in text
    assert "1.92 trillion yuan" in text  # sci-tech balance, headline unit
    assert "黄浦区" in text or "浦东新区" in text  # Chinese names survive extraction


def test_targets_listed_with_status(pdf) -> None:
    _, text = pdf
    for t in targets():
        assert t["id"] in text
    flat = " ".join(text.split())
    for t in targets():
        assert f"{t['id']} ({t['status']})" in flat  # the sources list: id, status, citation
        assert t["source"] in flat


def test_charts_are_images(pdf) -> None:
    reader, _ = pdf
    # one trend chart per area and the progress chart
    assert _images(reader) == len(AREAS) + 1


def test_empty_input_says_no_data(written) -> None:
    reader = pypdf.PdfReader(written("pdf", empty=True))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "No data for this period" in text
    assert "No targets" in text
    assert _images(reader) == 0
