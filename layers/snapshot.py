"""A PNG of a map view, drawn with matplotlib: no browser, no tiles, no network.

Same look as the web map: the offline basemap (district fills, river axes, labels),
features in their theme colour and precision style (layers/style.py), the features a
stop is about bold and the rest faded, a title and a legend of the colours on show.
"""
from __future__ import annotations

import io
import math
from functools import lru_cache

import geopandas as gpd
import numpy as np
from matplotlib import font_manager, patheffects, rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from shapely.geometry.base import BaseGeometry

from geo import reference
from geo.tours import Stop, view_bounds, visible_ids
from geo.vocab import DISTRICTS, Vocabulary, display_name
from geo.i18n import t

from . import pen
from .basemaps import ATTRIBUTION, CONTEXT_DISTRICT_STYLE, OFFLINE_BACKGROUND, PLAN_DISTRICT_STYLE, RIVER_STYLE
from .handout import emphasised, shown_themes
from .map import LAYER_ORDER, draw_rank, drawn
from .pen import DPI, PT
from .style import POINT_RADIUS, THEME_COLOURS, feature_style

SIZE = (1600, 1000)  # pixels
MAX_LABELS = 16      # name the features a stop is about, unless there are too many
HALO = [patheffects.withStroke(linewidth=3, foreground="white")]


@lru_cache(maxsize=1)
def cjk_font() -> list[str]:
    """Font families that can draw Chinese (Noto CJK from Debian's fonts-noto-cjk), then a fallback."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    preferred = [n for n in ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "Droid Sans Fallback")
                 if n in names]
    return preferred + ["DejaVu Sans"]


def _framed(bounds, width: int, height: int, pad: float = 0.06):
    """x/y limits around *bounds* with the figure's aspect, lon scaled by cos(lat)."""
    (south, west), (north, east) = bounds
    cos = math.cos(math.radians((south + north) / 2))
    cx, cy = (west + east) / 2, (south + north) / 2
    half_w = max((east - west) * cos, 0.002) * (1 + 2 * pad) / 2
    half_h = max(north - south, 0.002) * (1 + 2 * pad) / 2
    if half_w / half_h < width / height:
        half_w = half_h * width / height
    else:
        half_h = half_w * height / width
    return (cx - half_w / cos, cx + half_w / cos), (cy - half_h, cy + half_h), cos


def _polygon_path(geom: BaseGeometry) -> MplPath:
    parts = getattr(geom, "geoms", [geom])
    rings = [ring for part in parts for ring in (part.exterior, *part.interiors)]
    return MplPath.make_compound_path(*(MplPath(np.asarray(r.coords)[:, :2], closed=True) for r in rings))


def _line_coords(geom: BaseGeometry) -> list[np.ndarray]:
    return [np.asarray(part.coords)[:, :2] for part in getattr(geom, "geoms", [geom])]


def draw_shape(ax, geom: BaseGeometry, *, face, edge, width: float, dashes="solid", zorder: int = 3) -> None:
    """A polygon or line straight onto the axes (geopandas' plot redraws the figure on every call)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        ax.add_patch(PathPatch(_polygon_path(geom), facecolor=face, edgecolor=edge, linewidth=width,
                               linestyle=dashes, zorder=zorder))
    else:
        ax.add_collection(LineCollection(_line_coords(geom), colors=[edge], linewidths=width, linestyles=dashes,
                                         capstyle="round", zorder=zorder))


def draw_basemap(ax) -> None:
    districts = reference.districts()
    for _, d in districts.iterrows():
        style = PLAN_DISTRICT_STYLE if d["name"] in DISTRICTS else CONTEXT_DISTRICT_STYLE
        draw_shape(ax, d.geometry, face=style["fillColor"], edge=style["color"], width=style["weight"] * PT, zorder=1)
    river = to_rgba(RIVER_STYLE["color"], RIVER_STYLE["opacity"])
    for geom in reference.rivers().geometry:
        draw_shape(ax, geom, face="none", edge=river, width=RIVER_STYLE["weight"] * PT, zorder=1)
    for _, d in districts.iterrows():
        ax.text(float(d["label_lon"]), float(d["label_lat"]), d["name"], fontsize=13, color="#555", ha="center",
                va="center", path_effects=HALO, clip_on=True, zorder=2)


def draw_feature(ax, geom: BaseGeometry, layer: str, style: dict) -> None:
    if geom.geom_type == "Point":
        radius = style.get("radius", POINT_RADIUS.get(layer, 6)) * PT
        ax.scatter([geom.x], [geom.y], s=(2 * radius) ** 2, facecolors=[pen.face(style, least=0.35)],
                   edgecolors=[pen.edge(style)], linewidths=pen.width(style, 2), zorder=4)
        return
    draw_shape(ax, geom, face=pen.face(style), edge=pen.edge(style), width=pen.width(style, 2), dashes=pen.dashes(style))


def snapshot_png(frame: gpd.GeoDataFrame, vocab: Vocabulary, bounds, *, focus=(), title: str = "",
                 lang: str = "zh", size: tuple[int, int] = SIZE) -> bytes:
    """PNG bytes of *frame*'s features framed on *bounds* ((south, west), (north, east))."""
    focus = set(focus)
    width, height = size
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor=OFFLINE_BACKGROUND)
    FigureCanvasAgg(fig)
    fig.patch.set_facecolor(OFFLINE_BACKGROUND)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_facecolor(OFFLINE_BACKGROUND)
    xlim, ylim, cos = _framed(bounds, width, height)
    with _font():
        draw_basemap(ax)
        order = {layer: k for k, layer in enumerate(LAYER_ORDER)}
        for fid, row in sorted(drawn(frame).iterrows(), key=lambda item: order.get(item[1]["layer"], 99)):
            style = feature_style(row["layer"], row["themes"], row["precision"], rank=draw_rank(row.geometry.geom_type))
            if focus:
                style = emphasised(style, fid in focus)
            draw_feature(ax, row.geometry, row["layer"], style)
        if 0 < len(focus) <= MAX_LABELS:
            _label(ax, frame[frame.index.isin(focus)], lang)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_aspect(1 / cos)
        _legend(ax, frame, vocab, lang)
        if title:
            fig.text(0.012, 0.985, title, fontsize=26, weight="bold", va="top", ha="left",
                     bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": "none", "pad": 6})
        fig.text(0.995, 0.005, ATTRIBUTION["data"], fontsize=8, color="#555", ha="right", va="bottom")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, facecolor=fig.get_facecolor())
    return buffer.getvalue()


def _font():
    return rc_context({"font.family": cjk_font(), "axes.unicode_minus": False})


def _label(ax, frame: gpd.GeoDataFrame, lang: str) -> None:
    for fid, row in frame.iterrows():
        point = row.geometry.representative_point()
        name = display_name(row["name_zh"], row["name_en"], lang)
        ax.annotate(name, (point.x, point.y), xytext=(6, 6), textcoords="offset points", fontsize=14,
                    color="#111", path_effects=HALO, zorder=6, annotation_clip=True)


def _legend(ax, frame: gpd.GeoDataFrame, vocab: Vocabulary, lang: str) -> None:
    handles = [Patch(facecolor=THEME_COLOURS[t], label=vocab.label("themes", t, lang))
               for t in shown_themes(frame, vocab)]
    if handles:
        ax.legend(handles=handles, loc="lower left", fontsize=18, framealpha=0.92,
                  title=t(lang, "legend.title"), title_fontsize=18)


def stop_snapshot_png(stop: Stop, frame: gpd.GeoDataFrame, vocab: Vocabulary, lang: str = "zh",
                      title: str | None = None, size: tuple[int, int] = SIZE) -> bytes:
    """PNG of one tour stop as the presentation view shows it."""
    return snapshot_png(frame.loc[visible_ids(stop, frame)], vocab, view_bounds(stop, frame), focus=stop.features,
                        title=stop.label(lang) if title is None else title, lang=lang, size=size)
