#!/usr/bin/env bash
# Make sure a RabbitMQ answers at AMQP_URI: reuse one, else start the local one,
# installing Debian's rabbitmq-server first if it is missing.
set -euo pipefail
# --mark FILE: when this script starts the broker, it writes FILE, so that `make run`
# stops on exit the broker it started (and leaves alone one that was already running).
mark=""
if [ "${1:-}" = "--mark" ]; then mark="$2"; fi
uri="${AMQP_URI:-amqp://guest:guest@127.0.0.1:5672/}"
hostport=$(python3 -c "from urllib.parse import urlparse as u; p=u('$uri'); print(f'{p.hostname or \"127.0.0.1\"} {p.port or 5672}')")
read -r host port <<<"$hostport"

answers() { timeout 2 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; }

if answers; then exit 0; fi
case "$host" in 127.*|localhost|::1) ;; *)
  echo "RabbitMQ at $host:$port does not answer; start it or point AMQP_URI at one that does." >&2; exit 1;;
esac
if ! command -v rabbitmq-server >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "RabbitMQ is not installed: install rabbitmq-server (e.g. 'sudo apt-get install rabbitmq-server') or set AMQP_URI to a running broker." >&2
    exit 1
  fi
  echo "installing rabbitmq-server ..."
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
fi
echo "starting RabbitMQ (rabbitmq-server -detached) ..."
rabbitmq-server -detached >/dev/null 2>&1 || true
for _ in $(seq 1 90); do
  if answers; then
    echo "RabbitMQ is up at $host:$port"
    if [ -n "$mark" ]; then mkdir -p "$(dirname "$mark")"; date > "$mark"; fi
    exit 0
  fi
  sleep 1
done
echo "RabbitMQ did not come up within 90 s; see /var/log/rabbitmq/." >&2
exit 1
