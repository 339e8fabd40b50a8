"""Client SDK for banks and operators: the hub's HTTP API, and message composition.

    from corridor.client import CorridorClient, compose_credit_transfer, load_key, sign_message

    xml = compose_credit_transfer("GANGINBB", "DECCINBB", "100.00", "INR",
                                  debtor_name="Ganges Textiles", creditor_name="Deccan Mills",
                                  remittance="Invoice 42")
    with CorridorClient("http://127.0.0.1:8080", token) as hub:
        answer = hub.send(sign_message(xml, load_key("bank.pem")))
        quote = hub.quote("HANGCNSH", "INR", "CNY", "100000.00")     # cross-currency
        hub.send(sign_message(compose_fx_transfer(quote, debtor_name=..., creditor_name=...),
                              load_key("bank.pem")))
        for message in hub.watch(auto_ack=True):
            ...
    with CorridorClient(url, officer_token) as hub:             # compliance officers
        for case in hub.cases(status="open"):
            print(hub.case(case.id).explanation)
        hub.request_release(uetr, "false positive")  # a second officer: hub.approve(id)

Errors (see _errors): InputError for bad arguments (before anything is sent),
CorridorApiError(status, code, message, param) for a refused request, ConnectionFailed
when the hub cannot be reached after retries. An interface-level package: it never
imports the hub, the store or bootstrap (import-linter enforces it).
"""

from corridor.client._client import CorridorClient
from corridor.client._errors import ClientError, ConnectionFailed, CorridorApiError
from corridor.client._results import (
    AckResult,
    Balance,
    Credential,
    DirectoryEntry,
    InboxMessage,
    OnboardResult,
    OutboxPage,
    SubmitResult,
    Tracking,
    TrackingEvent,
    UnexpectedResponse,
)
from corridor.client._results_compliance import (
    Case,
    CaseExplanation,
    CaseHit,
    CasePage,
    RescreenReport,
)
from corridor.client._results_more import (
    Approval,
    AuditCheck,
    AuditEntry,
    AuditPage,
    CutOffResult,
    DayStatus,
    Decision,
    EndOfDayResult,
    Exposure,
    FxVolume,
    GridlockReport,
    PriorityChange,
    QueuedPayment,
    Quote,
    QuoteCharge,
    QuoteLeg,
    RateSheet,
    RateTier,
    Report,
)
from corridor.client._transport import RetryPolicy
from corridor.client.compose import (
    DEFAULT_HUB_BIC,
    compose_credit_transfer,
    compose_fx_transfer,
    load_key,
    message_references,
    sign_message,
)

__all__ = [
    "DEFAULT_HUB_BIC",
    "AckResult",
    "Approval",
    "AuditCheck",
    "AuditEntry",
    "AuditPage",
    "Balance",
    "Case",
    "CaseExplanation",
    "CaseHit",
    "CasePage",
    "ClientError",
    "ConnectionFailed",
    "CorridorApiError",
    "CorridorClient",
    "Credential",
    "CutOffResult",
    "DayStatus",
    "Decision",
    "DirectoryEntry",
    "EndOfDayResult",
    "Exposure",
    "FxVolume",
    "GridlockReport",
    "InboxMessage",
    "OnboardResult",
    "OutboxPage",
    "PriorityChange",
    "QueuedPayment",
    "Quote",
    "QuoteCharge",
    "QuoteLeg",
    "RateSheet",
    "RateTier",
    "Report",
    "RescreenReport",
    "RetryPolicy",
    "SubmitResult",
    "Tracking",
    "TrackingEvent",
    "UnexpectedResponse",
    "compose_credit_transfer",
    "compose_fx_transfer",
    "load_key",
    "message_references",
    "sign_message",
]
