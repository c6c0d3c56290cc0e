"""The controlled vocabularies (data/vocabulary.yaml)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .paths import VOCAB

DISTRICTS = ("渝中区", "大渡口区")
# English names of the plan districts and of the neighbours the basemap labels: the
# districts' pinyin names as their governments write them in English (Nan'an with its
# syllable apostrophe), with "New Area" for 两江新区.
DISTRICT_EN = {"渝中区": "Yuzhong", "大渡口区": "Dadukou", "两江新区": "Liangjiang New Area",
               "沙坪坝区": "Shapingba", "九龙坡区": "Jiulongpo", "南岸区": "Nan'an", "巴南区": "Banan",
               "北碚区": "Beibei"}


def display_name(name_zh: str, name_en: str | None, lang: str = "zh") -> str:
    """A name in *lang*: the Chinese one when there is no English one (not escaped)."""
    return name_zh if lang == "zh" or not isinstance(name_en, str) or not name_en else name_en


def district_name(district: str, lang: str = "zh") -> str:
    return display_name(district, DISTRICT_EN.get(district), lang)


@dataclass(frozen=True)
class Vocabulary:
    raw: dict

    @property
    def periods(self) -> dict:
        return self.raw["periods"]

    @property
    def themes(self) -> dict:
        return self.raw["themes"]

    @property
    def statuses(self) -> dict:
        return self.raw["statuses"]

    @property
    def precision(self) -> dict:
        return self.raw["precision"]

    @property
    def layers(self) -> dict:
        return self.raw["layers"]

    @property
    def river_allowed(self) -> frozenset[str]:
        return frozenset(self.raw["river_allowed"])

    def document_periods(self, doc_id: str) -> list[str]:
        return list(self.raw["document_periods"].get(doc_id, []))

    def categories(self, layer: str) -> dict:
        return self.layers[layer]["categories"]

    def geometry_types(self, layer: str) -> list[str]:
        return self.layers[layer]["geometry"]

    def label(self, group: str, key: str, lang: str = "zh") -> str:
        """Display label of a vocabulary value; the key itself when unknown."""
        table = self.layers if group == "layers" else self.raw.get(group, {})
        entry = table.get(key)
        return entry.get(lang, key) if isinstance(entry, dict) else key

    def category_label(self, layer: str, category: str, lang: str = "zh") -> str:
        entry = self.categories(layer).get(category) if layer in self.layers else None
        return entry.get(lang, category) if entry else category


@lru_cache(maxsize=4)
def load_vocabulary(path: Path = VOCAB) -> Vocabulary:
    with path.open(encoding="utf-8") as fh:
        return Vocabulary(yaml.safe_load(fh))
