"""Setting up a network from its configuration: accounts, credit lines, opening funds."""

from __future__ import annotations

from dataclasses import dataclass, replace

from corridor.foundation.config import NetworkConfig
from corridor.foundation.ids import derived_id
from corridor.foundation.money import parse_amount
from corridor.hub.engine import SettlementEngine
from corridor.ledger import AccountKind, Command, CreateAccount, CreateTransfer, Result
from corridor.payments.records import Participant, ParticipantKind

TRANSFER_CODE_FUNDING = 1


def issuance_account_id(currency: str) -> int:
    """The settlement agent's issuance account for a currency."""
    return derived_id("account", "issuance", currency)


def fees_account_id(currency: str) -> int:
    """The operator's account collecting network charges in a currency."""
    return derived_id("account", "fees", currency)


def transit_account_id(currency: str) -> int:
    """The operator's escrow account that bridge-currency FX legs pass through."""
    return derived_id("account", "transit", currency)


def settlement_account_id(bic: str, currency: str) -> int:
    """A participant's settlement account in a currency."""
    return derived_id("account", "settlement", bic, currency)


@dataclass(frozen=True, slots=True)
class InitReport:
    """What `initialise_network` did.

    Attributes:
        accounts: accounts in the network after init.
        funded_minor: opening funds per currency, minor units.
        failures: (command index, result) for every command that did not succeed.
    """

    accounts: int
    funded_minor: dict[str, int]
    failures: list[tuple[int, Result]]


def network_commands(config: NetworkConfig, operator_bic: str) -> list[Command]:
    """The ledger commands that set up a network: one linked chain, all or nothing."""
    agents = {c.code: c.settlement_agent for c in config.currencies}
    commands: list[Command] = []
    for code, agent in agents.items():
        commands += [
            CreateAccount(issuance_account_id(code), agent, code, AccountKind.issuance, None),
            CreateAccount(fees_account_id(code), operator_bic, code, AccountKind.fees, 0),
            CreateAccount(transit_account_id(code), operator_bic, code, AccountKind.escrow, 0),
        ]
    funding: list[Command] = []
    for participant in config.participants:
        for account in participant.accounts:
            account_id = settlement_account_id(participant.bic, account.currency)
            credit_line = parse_amount(account.credit_line, account.currency)
            commands.append(
                CreateAccount(
                    account_id,
                    participant.bic,
                    account.currency,
                    AccountKind.settlement,
                    -credit_line,
                )
            )
            opening = parse_amount(account.opening_balance, account.currency)
            if opening:
                funding.append(
                    CreateTransfer(
                        derived_id("funding", participant.bic, account.currency),
                        issuance_account_id(account.currency),
                        account_id,
                        opening,
                        code=TRANSFER_CODE_FUNDING,
                        reference="opening balance",
                    )
                )
    chain = commands + funding
    return [_linked(command, index < len(chain) - 1) for index, command in enumerate(chain)]


def _linked(command: Command, linked: bool) -> Command:
    return replace(command, linked=linked)


def initialise_network(
    engine: SettlementEngine, config: NetworkConfig, operator_bic: str = "CRDRSGSG"
) -> InitReport:
    """Create every account and fund it, atomically. Re-running with the same config is a
    no-op (ids are derived from names); a conflicting config changes nothing."""
    batch = network_commands(config, operator_bic)
    outcome = engine.execute(batch)
    failures = [(i, r) for i, r in enumerate(outcome.results) if r is not Result.ok]
    funded: dict[str, int] = {}
    for command in batch:
        if isinstance(command, CreateTransfer):
            currency = engine.ledger.account(command.credit_account_id)
            code = currency.currency if currency else "?"
            funded[code] = funded.get(code, 0) + command.amount_minor
    return InitReport(len(engine.ledger.accounts()), {} if failures else funded, failures)


def directory_entries(config: NetworkConfig) -> list[Participant]:
    """The participants a network file names, ready for the directory (no keys yet)."""
    return [
        Participant(
            bic=p.bic,
            name=p.name,
            country=p.country,
            kind=ParticipantKind(p.kind),
            lei=p.lei,
            settles_through=p.settles_through,
        )
        for p in config.participants
    ]
