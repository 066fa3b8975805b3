"""Forgiving topic matching."""

from __future__ import annotations

import pytest

from bot.topics import TopicMatcher

TOPICS = ["Docker", "Kubernetes", "MLOps", "Python", "CI/CD"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("docker", "Docker"),
        ("DOCKER", "Docker"),
        ("  Docker ", "Docker"),
        ("dockr", "Docker"),
        ("dcoker", "Docker"),
        ("k8s", "Kubernetes"),
        ("K8S", "Kubernetes"),
        ("kube", "Kubernetes"),
        ("kubernets", "Kubernetes"),
        ("kuber", "Kubernetes"),
        ("ml ops", "MLOps"),
        ("ml-ops", "MLOps"),
        ("mlops", "MLOps"),
        ("py", "Python"),
        ("cicd", "CI/CD"),
        ("ci/cd", "CI/CD"),
    ],
)
def test_matches(query: str, expected: str) -> None:
    assert TopicMatcher(TOPICS).match(query) == expected


@pytest.mark.parametrize(
    "query", ["", "   ", "cooking", "zz", "java", "<!channel>", "x" * 100_000, "\x00\x1b"]
)
def test_unknown_topics_do_not_match(query: str) -> None:
    assert TopicMatcher(TOPICS).match(query) is None


def test_configured_aliases_add_to_and_override_the_defaults() -> None:
    matcher = TopicMatcher(TOPICS, {"containers": "Kubernetes", "snake": "python"})
    assert matcher.match("snake") == "Python"
    assert matcher.match("containers") == "Kubernetes"
    assert matcher.match("k8s") == "Kubernetes"


def test_an_alias_to_a_topic_that_does_not_exist_is_ignored() -> None:
    assert TopicMatcher(["Docker"], {"tf": "Terraform"}).match("tf") is None


def test_no_topics_match_nothing() -> None:
    assert TopicMatcher([]).match("docker") is None


def test_an_ambiguous_prefix_does_not_pick_one() -> None:
    matcher = TopicMatcher(["Kubernetes", "Kubeflow"])
    assert matcher.match("kub") is None
    assert matcher.match("kubef") == "Kubeflow"
