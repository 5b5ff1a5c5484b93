"""JSON logs, one object a line, each carrying the request id."""
import json
import logging
import os
import sys
import time

from shared.config import load_settings
from shared.context import current_request_id


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record):
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or current_request_id(),
            "msg": record.getMessage(),
        }
        for key in ("event_id", "event_type", "queue", "attempt"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(service: str):
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(load_settings(os.environ).log_level)
    for noisy in ("kombu", "amqp", "nameko", "pymongo", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # nameko logs expected (contract) errors with a traceback at WARNING; they are not news.
    logging.getLogger("nameko.containers").setLevel(logging.ERROR)
