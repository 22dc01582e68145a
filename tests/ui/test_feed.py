"""The live feed: idle with no listener, a notice per changed mark, slow listeners dropped, bounded."""

from __future__ import annotations

import asyncio

from catapult_sim.ui.feed import QUEUE_SIZE, Feed


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_no_listener_means_no_watcher_and_no_probe() -> None:
    looks: list[int] = []

    async def scenario() -> None:
        feed = Feed(lambda: looks.append(1) or {"x": 1}, interval=0.01)
        await asyncio.sleep(0.05)
        assert looks == [] and feed._task is None
        listener = feed.subscribe()
        await asyncio.sleep(0.05)
        assert looks, "the watcher looks while someone listens"
        feed.unsubscribe(listener)
        await asyncio.sleep(0.05)
        seen = len(looks)
        await asyncio.sleep(0.05)
        assert len(looks) == seen and feed._task is not None and feed._task.done()

    run(scenario())


def test_only_the_marks_that_moved_are_announced() -> None:
    marks = {"deliveries": 1, "journal": 1}

    async def scenario() -> list[str]:
        feed = Feed(lambda: dict(marks), interval=0.01)
        listener = feed.subscribe()
        await asyncio.sleep(0.03)
        marks["journal"] = 2
        names = await asyncio.wait_for(listener.queue.get(), 1)
        await feed.close()
        return names

    assert run(scenario()) == ["journal"]


def test_a_listener_that_falls_behind_is_dropped_not_buffered() -> None:
    feed = Feed(lambda: {})

    async def scenario() -> None:
        lagging = feed.subscribe()
        quick = feed.subscribe()
        for n in range(QUEUE_SIZE + 1):
            feed.publish([f"n{n}"])
            quick.queue.get_nowait()  # this one keeps up
        assert lagging.dropped and lagging not in feed.listeners
        assert lagging.queue.qsize() == QUEUE_SIZE  # never more than the bound
        assert not quick.dropped and quick in feed.listeners and feed.dropped == 1
        await feed.close()

    run(scenario())


def test_the_stream_says_hello_then_one_event_per_name_and_ends_when_dropped() -> None:
    async def scenario() -> list[str]:
        feed = Feed(lambda: {})
        listener = feed.subscribe()
        stream = feed.stream(listener)
        chunks = [await anext(stream)]
        feed.publish(["deliveries", "journal"])
        chunks.append(await anext(stream))
        listener.dropped = True
        chunks += [c async for c in stream]
        await feed.close()
        assert listener not in feed.listeners
        return chunks

    hello, events = run(scenario())
    assert hello.startswith("retry: ") and "event: hello" in hello
    assert (
        events
        == 'event: deliveries\ndata: ["deliveries","journal"]\n\nevent: journal\ndata: ["deliveries","journal"]\n\n'
    )


def test_end_streams_ends_every_open_stream_promptly() -> None:
    """What the server's exit signal does: open streams finish instead of holding the exit up."""

    async def scenario() -> list[list[str]]:
        feed = Feed(lambda: {})
        streams = [feed.stream(feed.subscribe()) for _ in range(3)]
        for s in streams:
            await anext(s)  # hello
        feed.end_streams()
        rest = await asyncio.wait_for(asyncio.gather(*[_drain(s) for s in streams]), 1)
        assert feed.listeners == set()
        await feed.close()
        return rest

    assert run(scenario()) == [[], [], []]


async def _drain(stream) -> list[str]:  # type: ignore[no-untyped-def]
    return [chunk async for chunk in stream]
