"""Services trust no caller that the gateway (or a service) did not sign: a client of
the broker that sends ``{"role": "admin"}`` as the caller is refused."""
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from shared.auth import Actor
from shared.errors import Forbidden, Unauthorized


def test_a_caller_that_is_not_signed_is_refused_by_the_service(stack, api):
    community = api.community()
    person = api.resident(community["id"])
    with ClusterRpcProxy({"AMQP_URI": stack.amqp_uri}, timeout=15) as rpc:
        with pytest.raises(Unauthorized):
            rpc.residents.create_community({"id": "x", "role": "admin", "community_id": None},
                                           {"name": "冒名社区"})
        signed = Actor(id=person["id"], role="resident", community_id=community["id"]).assertion()
        assert rpc.residents.me(signed)["id"] == person["id"]
        with pytest.raises(Forbidden):  # signed, but not an admin
            rpc.residents.create_community(signed, {"name": "冒名社区"})
