"""Altair (Vega-Lite) charts of the targets, each with PNG and CSV downloads.

Streamlit draws them with its own bundled Vega (no CDN); the PNG is rendered on the server
by vl-convert only when the button is pressed.
"""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
import vl_convert

from geo import indicators
from geo.i18n import t

ROW_HEIGHT = 24
COLOURS = {"met": "#2e7d32", "not_met": "#c62828", "no_figure": "#9e9e9e"}
ATTRIBUTE_COLOURS = {"预期性": "#1f77b4", "预期值": "#1f77b4", "约束性": "#d62728"}


def attribute_label(attribute: str, lang: str) -> str:
    """预期性/约束性 as printed, glossed in English."""
    en = t(lang, "chart.attributes").get(attribute, "")
    return f"{attribute} {en}".strip() if lang == "en" else attribute


def paren(text: str, lang: str) -> str:
    return t(lang, "paren", text=text)


def download_buttons(chart: alt.Chart, data: pd.DataFrame, name: str, lang: str, key: str) -> None:
    """PNG of the chart and CSV of its data, built when clicked."""
    c1, c2, _ = st.columns([1, 1, 4])
    c1.download_button(t(lang, "chart.png"), lambda: vl_convert.vegalite_to_png(chart.to_json(), scale=2),
                       file_name=f"{name}.png", mime="image/png", key=f"{key}_png", on_click="ignore")
    c2.download_button(t(lang, "chart.csv"), lambda: data.to_csv(index=False).encode("utf-8-sig"),
                       file_name=f"{name}.csv", mime="text/csv", key=f"{key}_csv", on_click="ignore")


def change_chart(part: pd.DataFrame, lang: str, title: str) -> alt.Chart:
    """Dot-and-arrow of % change from baseline, one line per indicator; words and cumulative
    targets sit at 0 with their printed values and the reason they have no % change."""
    reasons = t(lang, "chart.reasons")
    data = part.assign(
        attr=[attribute_label(a, lang) for a in part["attribute"]],
        x=part["change_pct"].fillna(0.0),
        text=[f"{b or '—'} → {v}{' ' + u if u else ''}" + (paren(reasons[r], lang) if r else "")
              for b, v, u, r in zip(part["baseline"], part["target"], part["unit"], part["reason"])],
    )
    y = alt.Y("label:N", sort=alt.SortField("row"), title=None, axis=alt.Axis(labelLimit=560, labelOverlap=False, labelFontSize=11))
    # Room on the right for the printed values beside the longest arrow.
    span = (min(0.0, data["x"].min()), max(10.0, data["x"].max()))
    x = alt.X("x:Q", title=t(lang, "chart.change_axis"),
              scale=alt.Scale(domain=[span[0], span[1] + 0.45 * (span[1] - span[0])], nice=False))
    base = alt.Chart(data)
    colour = alt.Color("attr:N", title=t(lang, "chart.attribute"),
                       scale=alt.Scale(domain=sorted(set(data["attr"])),
                                       range=[ATTRIBUTE_COLOURS.get(a.split()[0], "#555") for a in sorted(set(data["attr"]))]))
    tooltip = [alt.Tooltip("indicator:N", title=t(lang, "chart.indicator")), alt.Tooltip("baseline:N", title=t(lang, "chart.baseline")),
               alt.Tooltip("target:N", title=t(lang, "chart.target")), alt.Tooltip("attr:N", title=t(lang, "chart.attribute")),
               alt.Tooltip("change_pct:Q", title=t(lang, "chart.change_axis"))]
    comparable = base.transform_filter("isValid(datum.change_pct)")
    rule = comparable.mark_rule(strokeWidth=2).encode(y=y, x=alt.X("zero:Q"), x2="x:Q", color=colour).transform_calculate(zero="0")
    dots = comparable.mark_point(filled=True, size=70, shape="triangle-right").encode(y=y, x=x, color=colour, tooltip=tooltip)
    words = base.transform_filter("!isValid(datum.change_pct)").mark_point(shape="diamond", size=50, color="#999").encode(
        y=y, x=x, tooltip=tooltip)
    text = base.mark_text(align="left", dx=8, fontSize=11, color="#333").encode(y=y, x=x, text="text:N")
    zero = alt.Chart(pd.DataFrame({"zero": [0]})).mark_rule(color="#bbb").encode(x="zero:Q")
    return (zero + rule + dots + words + text).properties(
        title=title, height=alt.Step(ROW_HEIGHT), width="container")


def indicator_charts(changes: pd.DataFrame, titles: dict[str, str], lang: str) -> None:
    """One chart per plan and per group of its 表2, each with its downloads."""
    for doc_id, doc_part in changes.groupby("document", sort=False):
        for group, part in doc_part.groupby("group", sort=False):
            title = f"{titles[doc_id]} · {group}" if group else titles[doc_id]
            chart = change_chart(part, lang, title)
            st.altair_chart(chart, width="stretch")
            key = f"ch_{doc_id}_{part['row'].iloc[0]}"
            download_buttons(chart, part.drop(columns=["label"]), f"{doc_id}-table2-{part['row'].iloc[0]}", lang, key)


def delivery_chart(table: pd.DataFrame, lang: str) -> alt.Chart:
    """表1's 进度评价 and the computed check side by side, a coloured dot each; rows where they
    differ are marked."""
    statuses = t(lang, "chart.statuses")
    sources = {"plan_status": t(lang, "chart.plan_eval"), "computed_status": t(lang, "chart.computed")}
    long = table.melt(id_vars=["row", "label", "target", "reported", "evaluation", "disagree"],
                      value_vars=list(sources), var_name="source", value_name="status")
    long = long.assign(source=long["source"].map(sources), status_label=long["status"].map(statuses),
                       flag=long["disagree"].map({True: "≠", False: ""}))
    y = alt.Y("label:N", sort=alt.SortField("row"), title=None, axis=alt.Axis(labelLimit=560, labelOverlap=False, labelFontSize=11))
    x = alt.X("source:N", sort=list(sources.values()), title=None, axis=alt.Axis(orient="top", labelAngle=0))
    colour = alt.Color("status_label:N", title=t(lang, "chart.status"),
                       scale=alt.Scale(domain=[statuses[s] for s in COLOURS], range=list(COLOURS.values())))
    tooltip = [alt.Tooltip("label:N", title=t(lang, "chart.indicator")), alt.Tooltip("target:N", title=t(lang, "chart.target")),
               alt.Tooltip("reported:N", title=t(lang, "chart.reported")), alt.Tooltip("evaluation:N", title=t(lang, "chart.plan_eval")),
               alt.Tooltip("status_label:N", title=t(lang, "chart.status"))]
    base = alt.Chart(long)
    dots = base.mark_circle(size=160).encode(y=y, x=x, color=colour, tooltip=tooltip)
    values = alt.Chart(table).mark_text(align="left", fontSize=11, color="#333").encode(
        y=y, text=alt.Text("figures:N")).transform_calculate(
        figures="datum.target + ' → ' + datum.reported + (datum.disagree ? '  ≠' : '')")
    grid = dots.properties(width=220, height=alt.Step(ROW_HEIGHT))
    side = values.properties(width=220, height=alt.Step(ROW_HEIGHT), title=t(lang, "chart.target_reported"))
    return alt.hconcat(grid, side.encode(y=alt.Y("label:N", sort=alt.SortField("row"), axis=None))).properties(
        title=t(lang, "chart.delivery_title"))


def delivery_section(table: pd.DataFrame, lang: str) -> None:
    chart = delivery_chart(table, lang)
    st.altair_chart(chart)
    download_buttons(chart, table.drop(columns=["label"]), "yz-fyp15-table1-delivery", lang, "ch_delivery")
    differ = table[table["disagree"]]
    if not differ.empty:
        st.markdown(f"**{t(lang, 'chart.disagree')}**")
        statuses = t(lang, "chart.statuses")
        shown = differ.assign(plan_status=differ["plan_status"].map(statuses),
                              computed_status=differ["computed_status"].map(statuses))
        st.dataframe(localised(shown[["row", "label", "target", "reported", "evaluation", "plan_status", "computed_status"]], lang),
                     hide_index=True, width="stretch")


def localised(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Column headers in the UI language (names missing from the table stay as they are)."""
    return frame.rename(columns=t(lang, "chart.columns"))


def place_target_chart(row: pd.Series, lang: str) -> alt.Chart:
    """Two bars, baseline and target, for one place target with both numbers."""
    data = pd.DataFrame({"what": [t(lang, "chart.baseline"), f"{t(lang, 'chart.target')} {row['year']}".strip()],
                         "value": [row["baseline_value"], row["target_value"]],
                         "printed": [row["baseline"], row["target"]]})
    bars = alt.Chart(data).mark_bar(height=10).encode(
        y=alt.Y("what:N", title=None, sort=None), x=alt.X("value:Q", title=row["unit"] or None),
        color=alt.Color("what:N", legend=None))
    return (bars + bars.mark_text(align="left", dx=3).encode(text="printed:N")).properties(height=40, width="container")


def place_targets(targets: list[dict] | None, lang: str) -> None:
    """A place's targets: baseline (where the plan gives one), target and year, and a small
    chart of the two when both are numbers."""
    rows = indicators.place_target_rows(targets)
    shown = rows.assign(baseline=rows["baseline"].replace("", t(lang, "chart.baseline_none")),
                        indicator=[indicators.label(i, lang) for i in rows["indicator"]])
    st.dataframe(localised(shown[["indicator", "baseline", "target", "unit", "year", "quote"]], lang), hide_index=True)
    for _, row in rows.iterrows():
        if pd.notna(row["baseline_value"]) and pd.notna(row["target_value"]):
            st.caption(indicators.label(row["indicator"], lang))
            st.altair_chart(place_target_chart(row, lang), width="stretch")
