"""What every Linli service class shares (the nameko-chassis idea): JSON logs with
request ids, the Mongo store with its outbox relay, and a ``ping`` for readiness."""
import os
import socket

from shared import logs
from shared.context import RequestContext
from shared.rpc import rpc

REPLICA = f"{socket.gethostname()}:{os.getpid()}"


def bootstrap(service_name: str):
    logs.configure(service_name)


class LinliService:
    """Base class: subclasses set ``name`` and ``store = Mongo(TheirStore)``."""

    name = "linli"
    request_id = RequestContext()

    @rpc
    def ping(self):
        """Readiness: answers when the service runs and reaches its database."""
        return {"service": self.name, "database": self.store.ping(), "replica": REPLICA}

    @rpc
    def echo(self, payload=None):
        """Bare RPC round trip, the baseline ``make bench`` compares routes against."""
        return payload
