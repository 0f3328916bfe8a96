"""The WSGI module a gunicorn worker loads leaves its startup objects out of the collector's way.

Run in a fresh interpreter, as a worker imports it: Django, the apps and the URLconf are loaded
and then frozen, so a full collection walks only what requests made afterwards.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from zhenwu.core.tests.test_deploy_check import ROOT, production_env

PROBE = textwrap.dedent(
    """
    import gc, json
    import zhenwu.wsgi
    import zhenwu.urls
    unfrozen = gc.get_objects()
    print(json.dumps({
        "frozen": gc.get_freeze_count(),
        "unfrozen": len(unfrozen),
        "urlconf_frozen": not any(o is zhenwu.urls.urlpatterns for o in unfrozen),
        "application_frozen": not any(o is zhenwu.wsgi.application for o in unfrozen),
    }))
    """
)


def test_a_worker_freezes_what_it_loaded_with_the_urlconf(tmp_path: Path) -> None:
    result = subprocess.run(  # noqa: S603 -- this interpreter with a fixed script
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["urlconf_frozen"]
    assert seen["application_frozen"]
    # Django and the apps make well over 100,000 objects; the few made after the freeze (this
    # probe's own) are what a full collection still walks.
    assert seen["frozen"] > 100_000
    assert seen["unfrozen"] < seen["frozen"] // 20
