"""Routes per domain; every module here with a ``blp`` is served under /api/v1."""
import importlib
import pkgutil

ROUTES = []
for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    _blp = getattr(importlib.import_module(f"{__name__}.{_module}"), "blp", None)
    if _blp is not None:
        ROUTES.append(_blp)
