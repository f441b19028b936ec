"""The reports' charts put inline in a web page: no style attributes (the CSP refuses them), an
image with a name, text escaped, and the same drawing as in the PDF."""

from __future__ import annotations

from defusedxml.ElementTree import fromstring

from reports import charts
from reports.data import Count, TrendPoint

SVG = "{http://www.w3.org/2000/svg}"


def test_inline_svg_has_presentation_attributes_and_a_name() -> None:
    drawing = charts.trend_chart([TrendPoint("2026-Q2", 3, 1), TrendPoint("2026-Q3", 5, 2)])
    inline = charts.to_inline_svg(drawing, "Per kwartaal <b>&</b>")
    assert "style=" not in inline and "<?xml" not in inline and "DOCTYPE" not in inline
    root = fromstring(inline)
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Per kwartaal <b>&</b>"   # escaped in the markup
    assert root.get("aria-labelledby") == title.get("id")
    texts = [t for t in root.iter(f"{SVG}text")]
    assert {t.text for t in texts} >= {"3", "5", "2026-Q2", "2026-Q3"}
    assert all(t.get("font-size") and t.get("fill") for t in texts)
    assert all(r.get("fill") for r in root.iter(f"{SVG}rect"))
    # the same drawing, as the PDF gets it: every text of the one is in the other
    standalone = {t.text for t in fromstring(charts.to_svg(drawing).encode()).iter(f"{SVG}text")}
    assert standalone == {t.text for t in texts}


def test_two_charts_on_one_page_have_distinct_ids_and_labels_are_escaped() -> None:
    first = charts.to_inline_svg(charts.breakdown_chart([Count("<script>x</script>", 2)], None), "a")
    second = charts.to_inline_svg(charts.breakdown_chart([Count("b", 1)], None), "b")
    assert "<script>" not in first and "&lt;script&gt;" in first
    ids = [fromstring(s).get("aria-labelledby") for s in (first, second)]
    assert ids[0] != ids[1]
    assert 'id="clip"' not in first and "clip-path" not in first


def test_text_scale_and_missing_values() -> None:
    drawing = charts.bar_trend_chart(["1e kwartaal\n2026", "2e kwartaal\n2026"],
                                     [charts.Series("implementatie", charts.VOLLEDIG, [None, 62.5])],
                                     ceiling=100, text_scale=1.6, value_label=lambda v: f"{v:.0f} %")
    root = fromstring(charts.to_inline_svg(drawing, "x"))
    texts = {t.text: t for t in root.iter(f"{SVG}text")}
    assert {"—", "62 %", "1e kwartaal", "2026", "100"} <= set(texts)   # None: a dash, no bar
    assert len(list(root.iter(f"{SVG}rect"))) == 2                        # the legend's and one bar
    assert float(texts["62 %"].get("font-size").rstrip("px")) == 12.0
