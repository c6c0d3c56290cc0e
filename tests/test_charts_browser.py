"""The targets view's charts draw in headless Chromium with every off-machine request refused."""
from __future__ import annotations

import pytest

CHARTS = "[data-testid='stVegaLiteChart']"
# 渝中 表2 (no groups), 大渡口 表2 (three groups), 表1 delivery.
EXPECTED_CHARTS = 5


def drawn_charts(page) -> list[dict]:
    """Per chart: whether Vega drew marks into it (canvas with pixels or an SVG with paths)."""
    return page.evaluate("""(sel) => [...document.querySelectorAll(sel)].map(el => {
        const canvas = el.querySelector('canvas');
        const svg = el.querySelector('svg.marks');
        let painted = false;
        if (canvas && canvas.width > 0) {
            const ctx = canvas.getContext('2d');
            const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 3; i < d.length; i += 4 * 97) { if (d[i] > 0) { painted = true; break; } }
        }
        if (svg && svg.querySelectorAll('path, text').length > 10) painted = true;
        return {painted, height: el.getBoundingClientRect().height};
    })""", CHARTS)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_charts_draw_with_the_network_blocked(page, app_url, lang):
    page.goto(f"{app_url}/?view=targets&lang={lang}")
    page.locator(CHARTS).nth(EXPECTED_CHARTS - 1).wait_for(state="attached", timeout=60000)
    for chart in page.locator(CHARTS).all():
        chart.scroll_into_view_if_needed()
        chart.locator("canvas, svg.marks").first.wait_for(state="attached", timeout=30000)
    page.wait_for_timeout(500)
    charts = drawn_charts(page)
    assert len(charts) == EXPECTED_CHARTS
    assert all(c["painted"] and c["height"] > 40 for c in charts), charts
    assert not page.external_requests, page.external_requests
    assert not page.errors, page.errors
