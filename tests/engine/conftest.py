"""Fixtures for the quiz-engine tests (helpers live in ``quizkit``)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from .quizkit import Env, q_multi, q_open, q_short, q_single, store_questions


@pytest.fixture
def env(session_factory: sessionmaker[Session]) -> Env:
    """Services + dispatcher + recording port on a database holding the synthetic questions."""
    with session_factory() as session:
        store_questions(session, [q_single(), q_multi(), q_short(), q_open()])
    return Env(session_factory)
