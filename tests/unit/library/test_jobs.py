"""The sweeps work in batches until nothing that needs doing is left."""
from services.library import jobs


def test_a_sweep_reaches_every_item_beyond_the_first_batch():
    waiting, handled = list(range(10)), []

    def act(item):
        waiting.remove(item)   # handled items leave the query
        handled.append(item)
        return True

    assert jobs.in_batches(lambda limit: waiting[:limit], act, 3) == 10
    assert handled == list(range(10))


def test_a_batch_that_moves_nothing_ends_the_sweep():
    stuck = [1, 2]
    assert jobs.in_batches(lambda limit: stuck[:limit], lambda item: False, 3) == 0
