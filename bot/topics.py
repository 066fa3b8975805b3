"""Forgiving topic matching: ``k8s`` -> Kubernetes, ``dockr`` -> Docker, ``DOCKER`` -> Docker.

Order of attempts: exact (case-insensitive, ignoring spaces, dashes and dots), configured aliases
(``Settings.topic_aliases``, which override the built-in ones), a unique prefix, then a typo-tolerant match
with rapidfuzz's ``fuzz.ratio`` (cheap; see the performance notes) above ``FUZZY_CUTOFF``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from rapidfuzz import fuzz, process

FUZZY_CUTOFF = 75.0
MAX_QUERY_CHARS = 100

DEFAULT_ALIASES: Mapping[str, str] = {
    "k8s": "Kubernetes",
    "kube": "Kubernetes",
    "kubectl": "Kubernetes",
    "ml ops": "MLOps",
    "ml-ops": "MLOps",
    "mlop": "MLOps",
    "py": "Python",
    "python3": "Python",
    "js": "JavaScript",
    "ts": "TypeScript",
    "pg": "PostgreSQL",
    "postgres": "PostgreSQL",
    "tf": "Terraform",
    "aws": "AWS",
    "gcp": "Google Cloud",
    "ci": "CI/CD",
    "cicd": "CI/CD",
    "compose": "Docker",
    "containers": "Docker",
}


def _key(text: str) -> str:
    return re.sub(r"[\s_\-./]+", "", text.casefold())


class TopicMatcher:
    """Matches what a user typed against the topics that exist."""

    def __init__(self, topics: Iterable[str], aliases: Mapping[str, str] | None = None) -> None:
        self._topics = sorted({t for t in topics if t})
        self._by_key = {_key(t): t for t in self._topics}
        merged = {**DEFAULT_ALIASES, **(aliases or {})}
        self._aliases = {_key(alias): target for alias, target in merged.items() if _key(alias)}

    @property
    def topics(self) -> list[str]:
        """The known topics, sorted."""
        return list(self._topics)

    def match(self, query: str) -> str | None:
        """The topic meant by ``query``, or None when nothing fits well enough."""
        key = _key(query[:MAX_QUERY_CHARS])
        if not key or not self._topics:
            return None
        if key in self._by_key:
            return self._by_key[key]
        target = self._aliases.get(key)
        if target is not None:
            found = self._by_key.get(_key(target))
            if found is not None:
                return found
        prefixed = [t for k, t in self._by_key.items() if k.startswith(key)]
        if len(key) >= 3 and len(prefixed) == 1:
            return prefixed[0]
        best = process.extractOne(key, list(self._by_key), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        return self._by_key[best[0]] if best else None
