"""Run inside the built Lambda asset as Lambda would (``python3.12 -I -S -B asset_probe.py``).

Not a test module: ``test_asset_build.py`` runs it in a subprocess whose ``sys.path`` is the
asset and the standard library only (``-I``: no environment, no user site, no script folder;
``-S``: no site-packages; ``-B``: no ``.pyc`` written into the asset).

Arguments: the asset folder, and the handlers as JSON (``{role: "module.function"}``).
Stdin: the calls as JSON (``[{"role": ..., "event": {...}}, ...]``). It imports each handler,
calls it with its event, and prints one JSON document: ``sys.path``, each reply, and every
imported module whose file lies outside the asset and the standard library (there should be
none). Only the standard library is imported here before the handlers.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import sysconfig


class Context:
    """The bits of a Lambda context object a handler might read."""

    function_name = "edgesync-asset-probe"
    aws_request_id = "probe-1"
    memory_limit_in_mb = 512

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def main() -> None:
    asset = os.path.abspath(sys.argv[1])
    handlers = json.loads(sys.argv[2])
    calls = json.load(sys.stdin)
    stdlib = {sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib")}
    sys.path.insert(0, asset)
    replies = []
    for call in calls:
        module_name, function_name = handlers[call["role"]].rsplit(".", 1)
        handler = getattr(importlib.import_module(module_name), function_name)
        replies.append(handler(call["event"], Context()))
    files = {name: getattr(module, "__file__", None) for name, module in sys.modules.items()}
    allowed = (asset + os.sep, *(root + os.sep for root in stdlib))
    outside = sorted(
        f"{name}: {path}"
        for name, path in files.items()
        if path
        and os.path.abspath(path) != os.path.abspath(__file__)  # this script
        and not path.startswith(allowed)
    )
    print(json.dumps({"sys_path": sys.path, "replies": replies, "outside": outside}))


if __name__ == "__main__":
    main()
