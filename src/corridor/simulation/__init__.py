"""Simulation: a prepared network, a hub server process and traffic, for the demo and
the end-to-end benchmark.

    network = prepare_network(Path("var/sim"))       # fresh DB, keys, credentials
    with HubServer(network) as server:                # `corridor serve` on a free port
        for order in trade_day(network, 500, seed=1):  # signed pacs.008 messages
            ...  # send order.xml with CorridorClient(server.base_url, bank.token)

The demo's whole day (trade, FX with a bridge, gridlock, holds, end of day) is
`Day(...).play(corridor.simulation.scenes.DEFAULT_SCENES)` against a server started with
`HubServer(network, options=ServeOptions(bridge_currencies=("CNY",)))` on a network
prepared with `prepare_network(workdir, watch_list=DEMO_WATCH_LIST)`.
"""

from corridor.simulation.network import (
    Bank,
    PreparedNetwork,
    example_config_path,
    prepare_network,
)
from corridor.simulation.server import HubServer, ServeOptions, ServerError, free_port
from corridor.simulation.traffic import (
    Flaw,
    Leg,
    Order,
    bulk_transfers,
    make_order,
    single_transfers,
    trade_day,
)

__all__ = [
    "Bank",
    "Flaw",
    "HubServer",
    "Leg",
    "Order",
    "PreparedNetwork",
    "ServeOptions",
    "ServerError",
    "bulk_transfers",
    "example_config_path",
    "free_port",
    "make_order",
    "prepare_network",
    "single_transfers",
    "trade_day",
]
