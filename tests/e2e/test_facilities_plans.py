"""No query of the facilities service walks a collection: its hot paths are driven
through the gateway and every query shape it sent is explained on the real server."""
import time

from tests.e2e.facilities_paths import facilities_paths
from tests.e2e.test_query_plans import _log_sizes, collection_scans, queries_since


def test_no_facilities_query_walks_a_whole_collection(stack, api):
    community = api.community()
    staff = api.staff(community["id"])
    resident = api.resident(community["id"])
    sizes = _log_sizes(stack)
    facilities_paths(api, community, staff, resident)
    time.sleep(1)  # the outbox relay's sweep
    queries = [q for q in queries_since(stack, sizes) if q["db"] == "linli_facilities"]
    assert {q["collection"] for q in queries} >= {"rooms", "room_bookings", "equipment",
                                                  "equipment_loans", "complaints"}
    scans = collection_scans(stack, queries)
    assert scans == [], "collection scans:\n" + "\n".join(scans)
