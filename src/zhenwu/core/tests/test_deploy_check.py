"""`manage.py check --deploy` with the documented production environment reports nothing.

The environment is the one docs/production.md documents; the check runs as a subprocess, as an
operator would run it, so the settings module is read from that environment alone.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]


def production_env(var_dir: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ZHENWU_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="zhenwu.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="zhenwu.lx.gov.cn",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://zhenwu.lx.gov.cn",
        ZHENWU_HTTPS="1",
        ZHENWU_VAR_DIR=str(var_dir),
        ZHENWU_DATA_KEYS="k1:" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=",
        ZHENWU_TRUSTED_PROXY="127.0.0.1",
    )
    env.update(overrides)
    return env


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own manage.py with a fixed argument list
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow  # a fresh interpreter loads Django and every app: ~7 s of CPU
def test_the_documented_production_environment_passes_check_deploy(tmp_path: Path) -> None:
    result = check_deploy(production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_the_embedded_default_is_not_mistaken_for_production(tmp_path: Path) -> None:
    """The control: without HTTPS and with DEBUG on, the same check fails and says why."""
    result = check_deploy(production_env(tmp_path, ZHENWU_HTTPS="0", DJANGO_DEBUG="1"))
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016", "security.W018"):
        assert check in result.stderr, check


def test_the_production_environment_is_documented() -> None:
    """Every variable the check above sets is explained in docs/production.md."""
    text = (ROOT / "docs" / "production.md").read_text(encoding="utf-8")
    for name in production_env(Path("/nonexistent")):
        if name.startswith(("DJANGO_", "ZHENWU_")) and name != "DJANGO_SETTINGS_MODULE":
            assert f"`{name}`" in text, name
