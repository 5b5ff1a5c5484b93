"""Routes per domain; every module here with a ``blp`` is served under /api/v1.

A module named after a service is loaded when that service is part of the
deployment (``LINLI_SERVICES``, default: every service in the tree); a module that
asks several services says which in ``NEEDS`` and is loaded when all of them are; the
others (jobs) always are."""
import importlib
import pkgutil

from shared.config import SERVICES, deployed_services

_running = set(deployed_services())

ROUTES = []
for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _module in SERVICES and _module not in _running:
        continue
    _loaded = importlib.import_module(f"{__name__}.{_module}")
    _blp = getattr(_loaded, "blp", None)
    if _blp is not None and set(getattr(_loaded, "NEEDS", ())) <= _running:
        ROUTES.append(_blp)
