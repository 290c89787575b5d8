"""The event loop and stations the model runs on (dorothy_sim/model/engine.py, stations.py).

Why: the model's speed comes from a leaner scheduler, plain timed calls, lean generator processes
and stations that grant on the spot. Each of those must keep SimPy's semantics exactly where the
model relies on them: time order, URGENT before NORMAL at one instant, first scheduled first,
interrupts, first-of-event-or-deadline, FIFO and priority queues, and time-weighted statistics.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from dorothy_sim.model.engine import URGENT, Environment, Lean
from dorothy_sim.model.events import Deadline
from dorothy_sim.model.stations import PriorityStation, Station


def test_timed_calls_run_in_time_order_then_priority_then_scheduling_order():
    env = Environment()
    seen: list[str] = []
    env.call_at(2.0, seen.append, "b")
    env.call_at(1.0, seen.append, "a")
    env.call_at(2.0, seen.append, "c")
    env.call_at(2.0, seen.append, "urgent", URGENT)
    env.run(until=5)
    assert seen == ["a", "urgent", "b", "c"]
    assert env.now == 5


def test_run_until_leaves_what_is_due_at_that_instant_and_resumes_later():
    env = Environment()
    seen: list[float] = []
    env.call_at(3.0, lambda _: seen.append(env.now))
    env.run(until=3.0)
    assert seen == [] and env.now == 3.0
    env.run(until=4.0)
    assert seen == [3.0]
    with pytest.raises(ValueError, match="must be greater"):
        env.run(until=4.0)


def test_simpy_processes_and_lean_processes_share_one_clock():
    env = Environment()
    seen: list[tuple[str, float]] = []

    def simpy_process():
        for _ in range(3):
            yield env.timeout(1.0)
            seen.append(("simpy", env.now))

    def lean_process():
        for _ in range(3):
            yield 1.5
            seen.append(("lean", env.now))

    env.process(simpy_process())
    Lean(env, lean_process())
    env.run()
    # at 3.0 both are due: the lean process's wake-up was scheduled first (at 1.5, the other at 2.0)
    assert seen == [("simpy", 1.0), ("lean", 1.5), ("simpy", 2.0), ("lean", 3.0), ("simpy", 3.0),
                    ("lean", 4.5)]


def test_simpy_conditions_events_and_run_until_an_event_work_on_the_environment():
    """The environment is not a subclass of simpy.Environment (so that compiled it can be a C
    class): SimPy's conditions, plain events, interrupts and ``run(until=event)`` must still work."""
    env = Environment()
    seen: list[tuple[str, float]] = []
    signal = env.event()

    def waiter():
        assert env.active_process is not None
        both = yield env.all_of([env.timeout(1.0, "a"), env.timeout(2.0, "b")])
        seen.append(("all", env.now))
        assert sorted(both.values()) == ["a", "b"]
        first = yield env.any_of([env.timeout(5.0), signal])
        seen.append(("any", env.now))
        assert list(first.values()) == ["go"]
        try:
            yield env.timeout(10.0)
        except simpy.Interrupt as interrupt:
            seen.append((interrupt.cause, env.now))
        return "done"

    def sender(process):
        yield env.timeout(3.0)
        signal.succeed("go")
        yield env.timeout(1.0)
        process.interrupt("stop")

    process = env.process(waiter())
    env.process(sender(process))
    assert env.run(until=process) == "done"
    assert seen == [("all", 2.0), ("any", 3.0), ("stop", 4.0)]
    assert env.active_process is None and env.peek() == 7.0  # the any_of's timeout (from day 2) is left


def test_a_lean_process_starts_at_once_returns_a_value_and_signals_done():
    env = Environment()
    log: list[str] = []

    def child():
        log.append("child started")
        yield 2
        return 42

    def parent():
        process = Lean(env, child())
        log.append("parent goes on")
        value = yield process.done
        log.append(f"child returned {value} at {float(env.now)}")

    Lean(env, parent())
    assert log == ["child started", "parent goes on"]
    env.run()
    assert log[-1] == "child returned 42 at 2.0"


def test_a_lean_process_waits_for_an_event_and_gets_its_value():
    env = Environment()
    event = env.event()
    got: list[object] = []

    def waiter():
        got.append((yield event))

    Lean(env, waiter())
    env.call_at(4.0, lambda _: event.succeed("ready"))
    env.run()
    assert got == ["ready"]


@pytest.mark.parametrize(("event_at", "limit", "expected"),
                         [(1.0, 2.0, (True, 1.0)), (3.0, 2.0, (False, 2.0))])
def test_a_deadline_resumes_with_whichever_comes_first_once(event_at, limit, expected):
    env = Environment()
    event = env.event()
    results: list[tuple[bool, float]] = []

    def waiter():
        results.append(((yield Deadline(event, limit)), env.now))
        yield 10  # the losing side must not wake the process again

    Lean(env, waiter())
    env.call_at(event_at, lambda _: event.succeed())
    env.run()
    assert results == [expected]


def test_an_interrupt_reaches_a_sleeping_process_and_cancels_its_wake_up():
    env = Environment()
    log: list[tuple[str, float]] = []

    def sleeper():
        try:
            yield 10
            log.append(("woke", env.now))
        except simpy.Interrupt as interrupt:
            log.append((str(interrupt.cause), env.now))
        yield 1
        log.append(("after", env.now))

    process = Lean(env, sleeper())
    env.call_at(3.0, lambda _: process.interrupt("left the cohort"))
    env.run()
    assert log == [("left the cohort", 3.0), ("after", 4.0)]
    assert not process.is_alive


def test_a_failed_event_is_thrown_into_the_waiting_process():
    env = Environment()
    event = env.event()
    caught: list[str] = []

    def waiter():
        try:
            yield event
        except RuntimeError as error:
            caught.append(str(error))

    Lean(env, waiter())
    env.call_at(1.0, lambda _: event.fail(RuntimeError("no place")))
    env.run()
    assert caught == ["no place"]


def test_a_numpy_delay_is_a_delay_and_anything_else_is_a_clear_error():
    env = Environment()
    log: list[str] = []

    def process():
        yield np.float64(2.5)
        log.append(f"at {env.now}")
        try:
            yield "soon"
        except TypeError as error:
            log.append(str(error))

    Lean(env, process())
    env.run()
    assert log[0] == "at 2.5"
    assert "yielded 'soon'" in log[1] and "a delay in days" in log[1]


# ----------------------------------------------------------------------------- stations


def _serve(env, station, name, arrive, service, log, priority=0):
    def customer():
        yield arrive
        request = station.request(priority)
        yield request
        log.append((name, env.now))
        yield service
        station.release(request)

    Lean(env, customer())


def test_a_free_server_is_granted_on_the_spot_and_a_busy_station_queues_fifo():
    env = Environment()
    station = Station(env, 1, "one server")
    first = station.request()
    assert first.processed and first.triggered  # born processed: no trip through the heap
    log: list[tuple[str, float]] = []
    for name, arrive in (("b", 1.0), ("c", 2.0)):
        _serve(env, station, name, arrive, 1.0, log)
    env.call_at(5.0, lambda _: station.release(first))
    env.run()
    assert log == [("b", 5.0), ("c", 6.0)]
    assert station.count == 0 and station.queue_length == 0


def test_a_request_works_as_a_simpy_event_for_simpy_processes_and_conditions():
    """A station's request is not an ``Event`` subclass (compiled, a C class): SimPy's processes,
    conditions and SimPy's own run-until-an-event loop must still take it as one."""
    env = Environment()
    station = Station(env, 1, "one server")
    first = station.request()
    assert first.value is None and first.ok
    second = station.request()
    assert not second.triggered and not second.processed
    with pytest.raises(AttributeError, match="not yet available"):
        _ = second.value
    log: list[tuple[str, float]] = []

    def simpy_waiter():
        granted = yield second  # a queued request, yielded by a SimPy process
        log.append(("granted", env.now, granted))
        third = station.request()  # queued behind second, which this process now holds
        either = yield env.any_of([third, env.timeout(10.0)])
        log.append(("timed out", env.now, third in either.todict()))
        station.renege(third)
        station.release(second)
        fourth = station.request()
        either = yield fourth | env.timeout(10.0)  # (SimPy's operators, as on its events)
        log.append(("granted", env.now, fourth in either.todict()))

    env.process(simpy_waiter())
    env.call_at(2.0, lambda _: station.release(first))
    env.run(until=1.0)  # (the process waits for second from here on)
    assert env.run(until=second) is None  # SimPy's loop, until the request is granted
    assert env.now == 2.0 and second.triggered
    env.run()
    assert log == [("granted", 2.0, None), ("timed out", 12.0, False), ("granted", 12.0, True)]


def test_a_priority_station_serves_priority_0_first_then_in_arrival_order():
    env = Environment()
    station = PriorityStation(env, 1, "places")
    holder = station.request()
    log: list[tuple[str, float]] = []
    _serve(env, station, "home-1", 1.0, 1.0, log, priority=1)
    _serve(env, station, "hospital-1", 2.0, 1.0, log, priority=0)
    _serve(env, station, "hospital-2", 3.0, 1.0, log, priority=0)
    env.call_at(4.0, lambda _: station.release(holder))
    env.run()
    assert [name for name, _ in log] == ["hospital-1", "hospital-2", "home-1"]


def test_station_statistics_are_the_areas_under_the_curves():
    # One server: busy 0-4 (first), queue 1-4 (second waits 3 days), busy 4-6 (second).
    env = Environment()
    station = Station(env, 1, "check")
    first = station.request()
    holder: list = []
    env.call_at(1.0, lambda _: holder.append(station.request()))
    env.call_at(4.0, lambda _: station.release(first))
    env.call_at(6.0, lambda _: station.release(holder[0]))
    env.run(until=10.0)
    station.close()
    assert station.busy_area == pytest.approx(6.0)
    assert station.queue_area == pytest.approx(3.0)
    assert station.wait_total == pytest.approx(3.0)
    assert (station.arrivals, station.grants, station.departures) == (2, 2, 2)
    assert station.sojourn_total == pytest.approx(4.0 + 5.0)


def test_reneging_leaves_the_queue_and_opening_servers_admits_the_queue():
    env = Environment()
    station = Station(env, 1, "beds")
    station.request()
    a, b, c = station.request(), station.request(), station.request()
    station.renege(b)
    assert station.queue_length == 2 and station.reneged == 1
    station.set_capacity(3)
    assert a.triggered and c.triggered and not b.triggered
    assert station.count == 3 and station.queue_length == 0
    station.set_capacity(1)  # closing never evicts
    assert station.count == 3


def test_sources_merge_with_scheduled_calls_in_time_order_and_skip_empty_chunks():
    env = Environment()
    seen: list[tuple[str, float]] = []

    def chunks(name: str, times: list[list[float]]):
        for part in times:
            yield (part, [name] * len(part))

    def handle(chunk, row: int) -> None:
        seen.append((chunk[1][row], env.now))

    env.add_source(chunks("a", [[1.0, 3.0], [], [5.0]]), handle)
    env.add_source(chunks("b", [[2.0, 4.0]]), handle)
    env.call_at(3.0, lambda _: seen.append(("call", env.now)))  # a call and a source at 3.0: call first
    assert env.peek() == 1.0
    env.run(until=4.5)
    assert seen == [("a", 1.0), ("b", 2.0), ("call", 3.0), ("a", 3.0), ("b", 4.0)]
    env.run()
    assert seen[-1] == ("a", 5.0) and env.peek() == float("inf")


@settings(max_examples=150, deadline=None)
@given(streams=st.lists(st.lists(st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 7.0]), max_size=4),
                                 max_size=3), min_size=1, max_size=12),
       pause=st.sampled_from([None, 0.5, 1.0, 1.75]))
def test_many_sources_with_ties_run_in_time_then_the_order_they_were_added(streams, pause):
    """Sources (compiled: a heap of the source objects themselves) run by time, then in the order
    they were added, each source's rows in turn, with spent and empty sources dropping out."""
    env = Environment()
    seen: list[tuple[int, int]] = []
    expected = []
    for number, chunks in enumerate(streams):
        times = sorted(time for chunk in chunks for time in chunk)  # a source's times do not decrease
        parts, start = [], 0
        for chunk in chunks:
            rows = list(range(start, start + len(chunk)))
            parts.append(([times[row] for row in rows], [number] * len(chunk), rows))
            start += len(chunk)
        expected += [(time, number, row) for row, time in enumerate(times)]
        env.add_source(iter(parts), lambda chunk, row: seen.append((chunk[1][row], chunk[2][row])))
    if pause is not None:
        env.run(until=pause)
    env.run()
    assert seen == [(number, row) for _time, number, row in sorted(expected)]
    assert env.peek() == math.inf


# ------------------------------------------------------------------ entries due after today (day buckets)

def test_an_entry_kept_for_a_later_day_runs_in_order_with_ones_scheduled_on_that_day():
    env = Environment()
    seen: list[str] = []
    env.call_at(2.5, seen.append, "a: scheduled at 0 for 2.5")  # waits in day 2's bucket

    def on_day_two(_) -> None:  # day 2's bucket is in the heap by now
        env.call_at(2.5, seen.append, "b: scheduled at 2.2 for 2.5")
        env.call_at(2.5, seen.append, "urgent", URGENT)
        env.call_later(0.8, seen.append, "c: scheduled at 2.2 for 3.0")  # day 3's bucket

    env.call_at(2.2, on_day_two)
    env.call_at(3.0, seen.append, "d: scheduled at 0 for 3.0")
    env.call_at(math.inf, seen.append, "never")
    env.run(until=2.5)
    assert seen == []
    env.run()
    assert seen == ["urgent", "a: scheduled at 0 for 2.5", "b: scheduled at 2.2 for 2.5",
                    "d: scheduled at 0 for 3.0", "c: scheduled at 2.2 for 3.0"]
    assert env.peek() == math.inf


def test_simpy_timeouts_and_lean_delays_months_ahead_keep_their_order():
    env = Environment()
    seen: list[tuple[str, float]] = []

    def simpy_process():
        yield env.timeout(90.25)
        seen.append(("simpy", env.now))

    def lean_process():
        yield 90.25
        seen.append(("lean", env.now))
        yield Deadline(env.event(), 10.0)  # a deadline in another day's bucket
        seen.append(("deadline", env.now))

    Lean(env, lean_process())
    env.process(simpy_process())
    env.run(until=200)
    assert seen == [("lean", 90.25), ("simpy", 90.25), ("deadline", 100.25)]


def _reference_order(plan: dict[int, tuple[float, int, list[tuple[float, int]]]]) -> list[int]:
    """The order one plain heap keyed by (time, priority, scheduling order) gives ``plan``: entry id ->
    (time, priority, children as (delay, priority)); children get the next ids as they are scheduled
    and have no children of their own."""
    heap = [(time, priority, number) for number, (time, priority, _children) in plan.items()]
    heapq.heapify(heap)
    order, next_id = [], len(plan)
    while heap:
        time, _priority, number = heapq.heappop(heap)
        order.append(number)
        for delay, priority in plan[number][2] if number in plan else []:
            heapq.heappush(heap, (time + delay, priority, next_id))
            next_id += 1
    return order


@settings(max_examples=150, deadline=None)
@given(
    starts=st.lists(st.tuples(st.sampled_from([0.0, 0.5, 0.999, 1.0, 1.5, 2.0, 3.25, 7.0, 30.0]),
                              st.sampled_from([URGENT, 1])), min_size=1, max_size=12),
    delays=st.lists(st.lists(st.tuples(st.sampled_from([0.0, 0.25, 0.5, 1.0, 1.75, 2.0, 5.5, 40.0]),
                                       st.sampled_from([URGENT, 1])), max_size=3), max_size=12),
    pause=st.sampled_from([None, 0.75, 1.0, 2.0, 6.5]),
)
def test_day_buckets_give_the_order_of_one_heap(starts, delays, pause):
    """Entries from the start and children scheduled as entries run, at delays within the day and
    across day boundaries (at exactly midnight too), run in the order one plain heap gives."""
    plan = {number: (time, priority, delays[number] if number < len(delays) else [])
            for number, (time, priority) in enumerate(starts)}
    assert _run_plan(plan, pause) == _reference_order(plan)


def test_thousands_of_entries_due_the_same_day_with_ties_run_in_the_order_of_one_heap():
    """Enough entries at once to make the heap grow (the compiled heap starts with room for 1,024
    and doubles), most of them tied in time, some in priority too, and children scheduled while
    others run, at the same instant or a little later: heapq's order of (time, priority, eid)."""
    rng = np.random.default_rng(5)
    times = rng.choice([0.0, 0.125, 0.25, 0.5, 0.875], size=5000)
    priorities = rng.integers(0, 2, size=5000)
    plan = {number: (float(time), int(priority),
                     [(0.0, 1), (0.0625, 0)] if number % 3 == 0 else [(0.125, 1)] if number % 3 == 1 else [])
            for number, (time, priority) in enumerate(zip(times, priorities, strict=True))}
    assert _run_plan(plan, pause=0.25) == _reference_order(plan)


def _run_plan(plan: dict[int, tuple[float, int, list[tuple[float, int]]]], pause: float | None) -> list[int]:
    """Schedule the plan's entries on an Environment (each entry schedules its children when it
    runs), run it (stopping once at ``pause``) and return the order the entries ran in."""
    env = Environment()
    seen: list[int] = []
    next_id = [len(plan)]

    def fire(number: int) -> None:
        seen.append(number)
        for delay, priority in plan[number][2] if number in plan else []:
            child = next_id[0]
            next_id[0] += 1
            env.call_later(delay, fire, child, priority)

    for number, (time, priority, _children) in plan.items():
        env.call_at(time, fire, number, priority)
    if pause is not None:
        env.run(until=pause)
    env.run()
    return seen


def test_simpy_idioms_in_a_lean_process_with_request_timeout_and_deadline():
    # Arrange: one server; A holds it for 2 days, B waits for it at most 1 day, C waits as long as it takes.
    env = Environment()
    station = Station(env, 1, "one")
    log = []

    def holder(name, days):
        with station.request() as req:
            yield req
            log.append((name, "in", env.now))
            yield env.timeout(days)
        log.append((name, "out", env.now))

    def impatient():
        with station.request() as req:
            yield req | env.timeout(1.0)
            log.append(("B", "granted" if req.triggered else "gave up", env.now))

    # Act
    env.start(holder("A", 2.0))
    env.start(impatient())
    env.start(holder("C", 0.5))
    env.run()
    # Assert: leaving the with-block frees the server, or leaves the queue if never granted.
    assert log == [("A", "in", 0.0), ("B", "gave up", 1.0), ("A", "out", 2.0),
                   ("C", "in", 2.0), ("C", "out", 2.5)]
    assert station.count == 0 and station.queue_length == 0
    assert station.reneged == 1 and station.departures == 3


def test_env_timeout_is_a_simpy_event_for_simpy_processes_and_carries_its_value():
    env = Environment()
    seen = []

    def simpy_process():
        value = yield env.timeout(1.5, value="simpy")
        seen.append((value, env.now))

    def lean_process():
        value = yield env.timeout(2.0, value="lean")
        seen.append((value, env.now))
        yield env.timeout(0.5)
        seen.append((None, env.now))

    env.process(simpy_process())
    env.start(lean_process())
    either = env.timeout(3.0) | env.timeout(4.0)
    env.run(until=either)
    assert seen == [("simpy", 1.5), ("lean", 2.0), (None, 2.5)]
    assert env.now == 3.0
    with pytest.raises(ValueError, match="Negative delay"):
        env.timeout(-1.0)
