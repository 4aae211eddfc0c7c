"""Display names of the domains, per locale, as the taxonomy file defines them."""

from __future__ import annotations

from functools import cache


@cache
def domain_labels(locale: str) -> dict[str, str]:
    from gazette.domain.taxonomy import load_taxonomy  # read once, on the first mail

    taxonomy = load_taxonomy()
    language = "en" if locale.startswith("en") else "zh"
    return {name: getattr(domain.labels, language) for name, domain in taxonomy.domains.items()}
