"""Settings are read in a fresh interpreter, as a server would start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k" * 20 + "Zq9-x_Lw3PmA7tR2yB8nC4vD6fG1hJ5sK0eU"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_ENV", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = run_manage("check", DJANGO_ENV="production", ALLOWED_HOSTS="portal.example.vn")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_short_secret_key() -> None:
    result = run_manage("check", DJANGO_ENV="production", SECRET_KEY="short", ALLOWED_HOSTS="portal.example.vn")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts() -> None:
    result = run_manage("check", DJANGO_ENV="production", SECRET_KEY=GOOD_SECRET)
    assert result.returncode != 0 and "ALLOWED_HOSTS" in result.stderr


def test_production_refuses_debug() -> None:
    result = run_manage(
        "check", DJANGO_ENV="production", SECRET_KEY=GOOD_SECRET, ALLOWED_HOSTS="portal.example.vn", DEBUG="1"
    )
    assert result.returncode != 0 and "DEBUG" in result.stderr


def test_an_unknown_environment_name_is_refused() -> None:
    result = run_manage("check", DJANGO_ENV="prod")
    assert result.returncode != 0 and "DJANGO_ENV" in result.stderr


def test_the_deploy_check_is_clean_under_production_settings() -> None:
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_ENV="production", SECRET_KEY=GOOD_SECRET, ALLOWED_HOSTS="portal.example.vn",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_the_secret_key_can_come_from_a_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(GOOD_SECRET)
    result = run_manage(
        "check", DJANGO_ENV="production", SECRET_KEY_FILE=str(secret_file), ALLOWED_HOSTS="portal.example.vn"
    )
    assert result.returncode == 0, result.stderr


def test_seed_demo_is_refused_in_production() -> None:
    result = run_manage(
        "seed_demo", DJANGO_ENV="production", SECRET_KEY=GOOD_SECRET, ALLOWED_HOSTS="portal.example.vn",
        DATABASE_URL="sqlite:////nonexistent/never-used.sqlite3",
    )  # fmt: skip
    assert result.returncode != 0 and "refused" in result.stderr


def test_a_manage_py_call_that_names_no_database_uses_a_throwaway_one_not_the_repositorys() -> None:
    show = "from django.conf import settings; print(settings.DATABASES['default']['NAME'])"
    result = run_manage("shell", "-c", show)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.splitlines()[-1]) != ROOT / "db.sqlite3"
