"""Development data is installed outside production only (that nothing imports it is
tests/test_architecture.py's: devdata stands above every app)."""

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import override_settings

from tests.test_platform import run

PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "k" * 20 + "-Zq8!rT3#vW6&yB1^nM4*pL7(sD0)fG2_hJ5+kX9",
    "ALLOWED_HOSTS": "cop.example.org",
}


def test_installed_in_development_and_tests():
    assert apps.is_installed("devdata")


def test_not_installed_in_production_and_the_commands_do_not_exist(tmp_path):
    env = {**PRODUCTION, "VAR_DIR": str(tmp_path)}
    script = (
        "import django; django.setup(); from django.apps import apps;"
        "print(apps.is_installed('devdata'))"
    )
    result = run(["-c", script], {**env, "DJANGO_SETTINGS_MODULE": "cop_platform.settings"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    for command in ("seed_demo", "seed_scale"):
        result = run(["manage.py", command], env)
        assert result.returncode != 0
        assert f"Unknown command: '{command}'" in result.stderr


@pytest.mark.parametrize("command", ["seed_demo", "seed_scale"])
@override_settings(PRODUCTION=True)
def test_the_commands_refuse_in_production_even_where_installed(command):
    with pytest.raises(CommandError, match="not in production"):
        call_command(command)
