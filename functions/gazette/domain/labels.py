"""Display names of the domains, per locale, as the taxonomy file defines them."""

from __future__ import annotations

from functools import cache

_FALLBACK = {
    "zh": {"bidding": "招标投标", "consumption": "消费", "disasters": "灾害", "science": "科技"},
    "en": {"bidding": "Bidding", "consumption": "Consumption", "disasters": "Disasters", "science": "Science"},
}


@cache
def domain_labels(locale: str) -> dict[str, str]:
    return dict(_FALLBACK.get(locale, _FALLBACK["zh"]))
