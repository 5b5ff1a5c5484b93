"""What the services' demo loaders share: they speak the public HTTP API."""


def expect(answer, *statuses):
    """The JSON of ``answer``, or a RuntimeError naming the call when its status is not
    one of ``statuses`` (default 200 or 201): demo data must not half-load silently."""
    if answer.status_code not in (statuses or (200, 201)):
        raise RuntimeError(f"{answer.request.method} {answer.request.url}: "
                           f"{answer.status_code} {answer.text[:200]}")
    return answer.json()
