"""Container healthcheck: ``python -m shared.healthcheck <service>`` exits 0 when the
service answers ``ping`` over RPC and reaches its database."""
import sys

from nameko.standalone.rpc import ClusterRpcProxy

from shared.config import nameko_config


def main(service: str) -> int:
    try:
        with ClusterRpcProxy(nameko_config(), timeout=5) as cluster:
            return 0 if getattr(cluster, service).ping().get("database") else 1
    except Exception as exc:  # any failure means unhealthy
        print(f"{service} unhealthy: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
