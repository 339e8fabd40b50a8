"""A prepared network: the example network in a fresh database, banks with keys and
credentials, ready for a hub server process to open.

`prepare_network(workdir)` does the operator's set-up once, in this process, through
`bootstrap.build_hub` (load the network file, register one signing key per bank and per
FX provider, issue one participant credential to each, two operator users (four eyes)
and two compliance officers), then lets go of the database so that `corridor serve` can
own it. With `watch_list` (a simple-CSV list), it also keeps that list in a watch-list
archive in the workdir, for `corridor serve --watchlists`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from corridor.bootstrap import DEFAULT_HUB_BIC, HubSettings, build_hub, load_network_config
from corridor.crypto.keys import PrivateKey, generate_private_key, private_key_pem, public_key_pem
from corridor.foundation.config import NetworkConfig, ParticipantConfig
from corridor.foundation.errors import InputError
from corridor.foundation.money import parse_amount
from corridor.hub.security import Role
from corridor.hub.service import Hub
from corridor.screening import load_simple_csv
from corridor.store.watchlist_archive import ArchivedVersion, WatchListArchive

OPERATOR_NAME = "demo-operator"
APPROVER_NAME = "demo-approver"  # the second operator user: four eyes
COMPLIANCE_NAMES = ("demo-compliance-olga", "demo-compliance-omar")
TRADING_KINDS = ("direct",)
FX_PROVIDER_KINDS = ("fx_provider",)
DATABASE_FILE = "corridor.db"
HUB_KEY_FILE = "hub_key.pem"
WATCHLISTS_DIR = "watchlists"
WATCH_LIST_NAME = "national"
WATCH_LIST_FILE = "national.csv"


def example_config_path() -> Path:
    """The example network shipped in the package (five currency areas)."""
    return Path(str(resources.files("corridor") / "examples" / "network.toml"))


@dataclass(frozen=True, slots=True)
class Bank:
    """A participant that trades in the simulation.

    Attributes:
        bic: its BIC, the sender of its messages.
        name / country: from the network file.
        currencies: the currencies it holds settlement accounts in.
        opening_minor: opening balance per currency, in minor units (sizes the traffic).
        key: its private signing key (the public half is registered with the hub).
        token: its participant API credential.
    """

    bic: str
    name: str
    country: str
    currencies: tuple[str, ...]
    opening_minor: dict[str, int]
    key: PrivateKey
    token: str


@dataclass(frozen=True, slots=True)
class PreparedNetwork:
    """Everything a hub server process and its clients need.

    Attributes:
        workdir: where the database, the hub key and the banks' keys are.
        database_url: SQLite path or PostgreSQL URL.
        hub_key_path: the hub's signing key (PEM).
        hub_bic: the hub's BIC (AppHdr/To of every message to it).
        config: the network file, as loaded.
        banks: the trading banks (direct participants), in network-file order.
        operator_token: an operator user's credential.
        fx_providers: the FX providers (accounts in several currencies), with keys and
            credentials; they trade no `trade_day` traffic.
        approver_token: a second operator user's credential (approves what the first asks).
        compliance_tokens: two compliance officers' credentials (four eyes on holds).
        watchlists_dir: the watch-list archive (`corridor serve --watchlists`), or None.
    """

    workdir: Path
    database_url: str
    hub_key_path: Path
    hub_bic: str
    config: NetworkConfig
    banks: tuple[Bank, ...]
    operator_token: str
    fx_providers: tuple[Bank, ...]
    approver_token: str
    compliance_tokens: tuple[str, ...]
    watchlists_dir: Path | None

    def bank(self, bic: str) -> Bank:
        for bank in self.banks:
            if bank.bic == bic:
                return bank
        raise InputError("not a trading bank of this network", field="bic", value=bic)

    def banks_by_currency(self) -> dict[str, tuple[Bank, ...]]:
        """Currency -> the banks holding an account in it (network-file order)."""
        result: dict[str, list[Bank]] = {}
        for bank in self.banks:
            for currency in bank.currencies:
                result.setdefault(currency, []).append(bank)
        return {currency: tuple(banks) for currency, banks in sorted(result.items())}


def prepare_network(
    workdir: Path,
    database_url: str | None = None,
    config_path: Path | None = None,
    hub_bic: str = DEFAULT_HUB_BIC,
    watch_list: bytes | None = None,
) -> PreparedNetwork:
    """A fresh network in `workdir` (SQLite `workdir/corridor.db` unless `database_url`,
    which must then point at an empty PostgreSQL database or schema). `watch_list`: a
    simple-CSV watch list (id,name,entity_type,aliases,countries) to screen against."""
    workdir = workdir.resolve()  # the server process runs in another working directory
    workdir.mkdir(parents=True, exist_ok=True)
    url = database_url or str(workdir / DATABASE_FILE)
    if database_url is None and Path(url).exists():
        raise InputError(
            "the database exists already: empty the folder first",
            field="workdir",
            value=str(workdir),
        )
    config = load_network_config(config_path or example_config_path())
    hub_key_path = workdir / HUB_KEY_FILE
    hub = build_hub(HubSettings(database_url=url, hub_key_path=hub_key_path, hub_bic=hub_bic))
    report = hub.load_network(config)
    if report.failures:
        raise InputError(
            f"the network did not load: {report.failures[:3]}",
            field="config",
            value=str(config_path or "example"),
        )
    banks = _enrol_all(hub, config, workdir, TRADING_KINDS)
    providers = _enrol_all(hub, config, workdir, FX_PROVIDER_KINDS)
    operator_token = hub.issue_credential(OPERATOR_NAME, Role.operator)
    approver_token = hub.issue_credential(APPROVER_NAME, Role.operator)
    compliance = tuple(hub.issue_credential(name, Role.compliance) for name in COMPLIANCE_NAMES)
    del hub  # its database connections close with it (the server process owns the DB now)
    assert banks, "the network has no trading banks"
    lists_dir = _archive(workdir / WATCHLISTS_DIR, watch_list) if watch_list else None
    return PreparedNetwork(
        workdir,
        url,
        hub_key_path,
        hub_bic,
        config,
        banks,
        operator_token,
        providers,
        approver_token,
        compliance,
        lists_dir,
    )


def _archive(root: Path, data: bytes) -> Path:
    """Keep `data` (simple CSV) as the national list's version in force in a new archive."""
    watch_list = load_simple_csv(data, list_name=WATCH_LIST_NAME)
    version = ArchivedVersion(
        WATCH_LIST_NAME,
        watch_list.version,
        "simple_csv",
        datetime.now(UTC).isoformat(timespec="seconds"),
        len(watch_list.entries),
        watch_list.name_count,
        (WATCH_LIST_FILE,),
    )
    WatchListArchive(root).store(version, {WATCH_LIST_FILE: data})
    return root


def _enrol_all(
    hub: Hub, config: NetworkConfig, workdir: Path, kinds: tuple[str, ...]
) -> tuple[Bank, ...]:
    return tuple(
        _enrol(hub, participant, workdir)
        for participant in config.participants
        if participant.kind in kinds and participant.accounts
    )


def _enrol(hub: Hub, participant: ParticipantConfig, workdir: Path) -> Bank:
    """Register a fresh key for a bank (saved as keys/<BIC>.pem) and issue its credential."""
    bic = participant.bic
    key = generate_private_key()
    keys_dir = workdir / "keys"
    keys_dir.mkdir(exist_ok=True)
    (keys_dir / f"{bic}.pem").write_bytes(private_key_pem(key))
    hub.register_key(bic, public_key_pem(key.public_key()).decode())
    token = hub.issue_credential(bic, Role.participant)
    accounts = participant.accounts
    return Bank(
        bic=bic,
        name=participant.name,
        country=participant.country,
        currencies=tuple(a.currency for a in accounts),
        opening_minor={
            a.currency: parse_amount(a.opening_balance, a.currency, field="opening")
            for a in accounts
        },
        key=key,
        token=token,
    )
