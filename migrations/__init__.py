"""Alembic migrations for Quizmaster's database (shipped as a package so installs can upgrade)."""
