"""A day on the network, as a sequence of scenes, driven through the client SDK over HTTP.

    day = Day(network, server.base_url, DayOptions(messages=1_000), console)
    day.play(DEFAULT_SCENES)       # each scene: Callable[[Day], None] (simulation.scenes)
    day.summary                    # what happened (payments and value per corridor, ...)

A scene is a small function of the `Day`: it sends messages with the banks' clients,
reads what comes back and records it in `day.summary`. Add a scene by writing one more
function and putting it in the sequence. The inbox watchers (one thread per bank and FX
provider, long polling and acknowledging) run from `open_inboxes` until `deliver`.
This module has the trade day's scenes (TRADE_SCENES); liquidity, FX and compliance
scenes are in their own modules, and `corridor.simulation.scenes` puts them in order.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from corridor.client import CorridorClient, SubmitResult
from corridor.client._errors import ClientError
from corridor.iso20022.pipeline import ParsedMessage, parse_message
from corridor.iso20022.records import PaymentStatusReport
from corridor.simulation.network import Bank, PreparedNetwork
from corridor.simulation.outcomes import FxOutcome, GridlockOutcome, HoldOutcome, StatementOutcome
from corridor.simulation.traffic import Flaw, Order, cancellation, flawed_order, trade_day

SETTLED, PENDING, REJECTED = "ACSC", "PDNG", "RJCT"
SENDERS_MAX = 64
DELIVERY_WAIT_S = 15.0
POLL_WAIT_S = 0.5


@dataclass(frozen=True, slots=True)
class DayOptions:
    """How big a day.

    Attributes:
        messages: trade messages sent in the `trade` scene.
        seed: the traffic's seed (same seed, same messages).
        senders: threads sending at once.
        over_limit: banks that send one payment larger than they can cover (`over_limit`).
    """

    messages: int = 600
    seed: int = 20_261_123
    senders: int = 8
    over_limit: int = 2

    def __post_init__(self) -> None:
        assert 1 <= self.senders <= SENDERS_MAX, self.senders
        assert 0 <= self.over_limit <= 15, self.over_limit


@dataclass(slots=True)
class Corridor:
    """Settled payments from one bank to another in one currency."""

    payments: int = 0
    value_minor: int = 0


@dataclass(slots=True)
class DaySummary:
    """What the day's scenes saw (the demo prints it; tests assert on it).

    Attributes:
        corridors: (currency, sender BIC, receiver BIC) -> settled payments and value.
        refused: ISO reason code -> payments refused with it.
        expected_refusals: reason -> payments sent with that deliberate flaw.
        messages: messages sent; statuses: their answers by pacs.002 group status.
        queued / cancelled: UETRs left waiting for liquidity, and those then cancelled.
        delivered: UETRs whose forwarded pacs.008 the receiving bank acknowledged.
        to_deliver: UETRs settled to a receiving bank (every scene's), which `deliver`
            waits for.
        acknowledged: messages acknowledged by the banks (forwards and answers).
        tracked: the steps of one payment, as its sender's tracker shows them.
        elapsed_s: time per scene.
        gridlock / statements / fx / holds: the liquidity, end-of-day, FX and compliance
            scenes (see corridor.simulation.outcomes).
    """

    corridors: dict[tuple[str, str, str], Corridor] = field(default_factory=dict)
    refused: Counter[str] = field(default_factory=Counter)
    expected_refusals: Counter[str] = field(default_factory=Counter)
    messages: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    queued: set[str] = field(default_factory=set)
    cancelled: set[str] = field(default_factory=set)
    delivered: set[str] = field(default_factory=set)
    to_deliver: set[str] = field(default_factory=set)
    acknowledged: int = 0
    tracked: list[tuple[str, str]] = field(default_factory=list)
    elapsed_s: dict[str, float] = field(default_factory=dict)
    gridlock: GridlockOutcome = field(default_factory=GridlockOutcome)
    statements: StatementOutcome = field(default_factory=StatementOutcome)
    fx: FxOutcome = field(default_factory=FxOutcome)
    holds: HoldOutcome = field(default_factory=HoldOutcome)

    def settled_uetrs(self) -> int:
        return sum(c.payments for c in self.corridors.values())

    def per_currency(self) -> dict[str, Corridor]:
        totals: dict[str, Corridor] = {}
        for (currency, _, _), corridor in sorted(self.corridors.items()):
            total = totals.setdefault(currency, Corridor())
            total.payments += corridor.payments
            total.value_minor += corridor.value_minor
        return totals


Scene = Callable[["Day"], None]


class Day:
    """The state the scenes share: the network, one client per bank and FX provider
    (`clients`, by BIC), the operator users' and compliance officers' clients, the summary.
    """

    def __init__(
        self,
        network: PreparedNetwork,
        base_url: str,
        options: DayOptions,
        console: Console | None = None,
    ) -> None:
        self.network = network
        self.base_url = base_url
        self.options = options
        self.console = console or Console(quiet=True)
        self.summary = DaySummary()
        self.participants: tuple[Bank, ...] = network.banks + network.fx_providers
        self.clients = {b.bic: CorridorClient(base_url, b.token) for b in self.participants}
        self.operator = CorridorClient(base_url, network.operator_token)
        self.approver = CorridorClient(base_url, network.approver_token)
        self.officers = tuple(CorridorClient(base_url, t) for t in network.compliance_tokens)
        self.settled_by_receiver: dict[str, set[str]] = {b.bic: set() for b in self.participants}
        self.sender_of: dict[str, str] = {}
        self.watchers: list[_InboxWatcher] = []
        self.lock = threading.Lock()

    def play(self, scenes: Iterable[Scene]) -> DaySummary:
        try:
            for scene in scenes:
                started = time.perf_counter()
                scene(self)
                self.summary.elapsed_s[scene.__name__] = time.perf_counter() - started
        finally:
            self.stop_watchers()
            for client in (*self.clients.values(), self.operator, self.approver, *self.officers):
                client.disconnect()
        return self.summary

    def send(self, order: Order) -> SubmitResult:
        """Send one message and record what became of each of its payments."""
        result = self.clients[order.sender].send(order.xml)
        with self.lock:
            self._record(order, result)
        return result

    def _record(self, order: Order, result: SubmitResult) -> None:
        s = self.summary
        s.messages += 1
        s.statuses[result.status] += 1
        if order.flaw is not None:
            s.expected_refusals[order.flaw.value] += len(order.legs)
        outcomes = leg_outcomes(order, result)
        for leg in order.legs:
            status, reason = outcomes[leg.uetr]
            if status == SETTLED:
                self.record_settled(
                    order.currency, order.sender, leg.creditor, leg.uetr, leg.amount_minor
                )
            elif status == PENDING:
                s.queued.add(leg.uetr)
            else:
                s.refused[reason or "NARR"] += 1

    def record_settled(
        self, currency: str, sender: str, creditor: str, uetr: str, amount_minor: int
    ) -> None:
        """A same-currency payment settled: count it in its corridor and expect its
        delivery (call with `self.lock` held when senders may run at once)."""
        corridor = self.summary.corridors.setdefault((currency, sender, creditor), Corridor())
        corridor.payments += 1
        corridor.value_minor += amount_minor
        self.expect_delivery(sender, creditor, uetr)

    def expect_delivery(self, sender: str, creditor: str, uetr: str) -> None:
        """`creditor` should receive and acknowledge the payment `uetr` (see `deliver`)."""
        self.settled_by_receiver[creditor].add(uetr)
        self.sender_of[uetr] = sender
        self.summary.to_deliver.add(uetr)

    def stop_watchers(self) -> None:
        for watcher in self.watchers:
            watcher.stop.set()
        for watcher in self.watchers:
            watcher.join(timeout=POLL_WAIT_S * 4 + 5)
        self.watchers = []


def leg_outcomes(order: Order, result: SubmitResult) -> dict[str, tuple[str, str | None]]:
    """UETR -> (status, reason) for each payment of `order`, read from the answer (the
    signed pacs.002 itself when the message's payments did not all end alike)."""
    uniform = {leg.uetr: (result.status, result.reason) for leg in order.legs}
    if result.status in (SETTLED, REJECTED) and (result.status == SETTLED or result.reason):
        return uniform
    parsed = parse_message(result.payload)
    if not isinstance(parsed, ParsedMessage) or not isinstance(parsed.body, PaymentStatusReport):
        return uniform
    by_uetr = {t.original.uetr: (t.status, t.reason_code) for t in parsed.body.transactions}
    return {uetr: by_uetr.get(uetr, outcome) for uetr, outcome in uniform.items()}


# -- scenes -----------------------------------------------------------------------------
def open_inboxes(day: Day) -> None:
    """Every bank and FX provider starts watching its inbox (long poll) and acknowledging
    what arrives."""
    for bank in day.participants:
        watcher = _InboxWatcher(day, bank.bic, CorridorClient(day.base_url, bank.token))
        day.watchers.append(watcher)
        watcher.start()


def trade(day: Day) -> None:
    """The day's trade payments, from several senders at once, with a progress bar."""
    orders = trade_day(day.network, day.options.messages, day.options.seed)
    _send_all(day, orders, day.options.messages, "trade payments")


def over_limit(day: Day) -> None:
    """A few banks each send a payment larger than their balance and credit line. A hub
    with liquidity queues answers PDNG (queued); the bank then cancels it (camt.056)."""
    rng = random.Random(day.options.seed + 1)
    banks = day.network.banks[: day.options.over_limit]
    for index, bank in enumerate(banks):
        order = flawed_order(
            day.network,
            bank,
            bank.currencies[0],
            Flaw.over_limit,
            f"BIG{day.options.seed % 10_000:04d}{index:04d}",
            rng,
        )
        day.send(order)
        if order.legs[0].uetr in day.summary.queued:
            xml = cancellation(day.network, bank, order.legs[0].uetr, f"CXL{order.msg_id}")
            answer = day.clients[bank.bic].send(xml)
            if answer.status == "CNCL":
                day.summary.cancelled.add(order.legs[0].uetr)


def deliver(day: Day) -> None:
    """Wait until every receiving bank has acknowledged every payment settled to it."""
    deadline = time.monotonic() + DELIVERY_WAIT_S
    while time.monotonic() < deadline and not _all_delivered(day):
        time.sleep(0.05)
    day.stop_watchers()


def track(day: Day) -> None:
    """Follow one payment through the tracker (gpi style): RECEIVED ... DELIVERED."""
    delivered = sorted(day.summary.delivered)
    if not delivered:
        return
    uetr = delivered[0]
    tracking = day.clients[day.sender_of[uetr]].track(uetr)
    day.summary.tracked = [(event.state, event.detail) for event in tracking.events]


TRADE_SCENES: tuple[Scene, ...] = (open_inboxes, trade, over_limit, deliver, track)


# -- helpers ----------------------------------------------------------------------------
def _send_all(day: Day, orders: Iterable[Order], total: int, label: str) -> None:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with (
        Progress(*columns, console=day.console, transient=True) as progress,
        ThreadPoolExecutor(day.options.senders, thread_name_prefix="sender") as pool,
    ):
        task = progress.add_task(label, total=total)
        window = day.options.senders * 4  # bounded: at most this many messages in flight
        pending: set[Future[SubmitResult]] = set()
        for order in orders:
            pending.add(pool.submit(day.send, order))
            if len(pending) >= window:
                pending = _drain(pending, progress, task, window // 2)
        _drain(pending, progress, task, 0)


def _drain(
    pending: set[Future[SubmitResult]], progress: Progress, task: TaskID, keep: int
) -> set[Future[SubmitResult]]:
    for future in as_completed(list(pending)):
        future.result()
        pending.discard(future)
        progress.advance(task)
        if len(pending) <= keep:
            break
    return pending


def _all_delivered(day: Day) -> bool:
    with day.lock:
        return day.summary.to_deliver <= day.summary.delivered


class _InboxWatcher(threading.Thread):
    """One bank's inbox: long poll, record forwarded payments, acknowledge each page."""

    def __init__(self, day: Day, bic: str, client: CorridorClient) -> None:
        super().__init__(name=f"inbox-{bic}", daemon=True)
        self.day, self.bic, self.client = day, bic, client
        self.stop = threading.Event()
        self.cursor = 0

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self._poll_once()
        except ClientError:
            if not self.stop.is_set():
                raise
        finally:
            self.client.disconnect()

    def _poll_once(self) -> None:
        """Until the inbox has been quiet for POLL_WAIT_S (pages acknowledged on the way)."""
        for message in self.client.watch(
            self.cursor, wait_s=POLL_WAIT_S, idle_timeout_s=POLL_WAIT_S, auto_ack=True
        ):
            self.cursor = message.seq
            with self.day.lock:
                self.day.summary.acknowledged += 1
                if message.kind.startswith("pacs.008"):
                    self.day.summary.delivered.update(message.uetrs)


def corridor_rows(summary: DaySummary) -> Sequence[tuple[str, str, str, int, int]]:
    """(currency, sender, receiver, payments, value) per corridor, busiest first."""
    rows = [(c, s, r, v.payments, v.value_minor) for (c, s, r), v in summary.corridors.items()]
    return sorted(rows, key=lambda row: (row[0], -row[3]))
