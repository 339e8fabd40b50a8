"""The demo's day, in order: `DEFAULT_SCENES` (see corridor.simulation.day for scenes).

open_inboxes  every bank and FX provider watches and acknowledges its inbox
trade         the day's trade payments (a few deliberately bad)
over_limit    payments above what the sender can cover: queued, then cancelled
fx_trade      cross-currency payments with quotes, one through a bridge currency
gridlock      banks drained near their floors; rings of payments queue; gridlock run
holds         payments to listed names held; one released (four eyes), one rejected
deliver       every settled payment acknowledged by its receiving bank
track         one payment followed through the tracker
end_of_day    end of day in every currency; the banks check their camt.053 statements
"""

from __future__ import annotations

from corridor.simulation.compliance_scenes import holds
from corridor.simulation.day import Scene, deliver, open_inboxes, over_limit, track, trade
from corridor.simulation.fx_scenes import fx_trade
from corridor.simulation.liquidity_scenes import end_of_day, gridlock

DEFAULT_SCENES: tuple[Scene, ...] = (
    open_inboxes,
    trade,
    over_limit,
    fx_trade,
    gridlock,
    holds,
    deliver,
    track,
    end_of_day,
)

__all__ = ["DEFAULT_SCENES"]
