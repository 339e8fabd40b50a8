"""`corridor iso ...`: validate, inspect, sign, verify, keygen, example — for integrators."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from lxml import etree

from corridor.crypto.keys import (
    KeyKind,
    KeyRing,
    generate_private_key,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_pem,
)
from corridor.iso20022.envelope import MessageParts, locate_parts
from corridor.iso20022.examples import EXAMPLES, example_message
from corridor.iso20022.pipeline import MessageReject, ParsedMessage, Policy, parse_message
from corridor.iso20022.reasons import Problem
from corridor.iso20022.schema import SchemaRegistry
from corridor.iso20022.secure import secure_parse
from corridor.iso20022.signing import sign_apphdr, verify_apphdr

app = typer.Typer(
    help="ISO 20022 messages: validate, inspect, sign, verify, keygen, example.",
    no_args_is_help=True,
)
FILES_MAX = 10_000


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _policy(key_files: list[Path] | None) -> Policy:
    keys = None
    if key_files:
        keys = KeyRing()
        for path in key_files:
            keys.add("", load_public_key(path.read_bytes()))
    return Policy(schemas=SchemaRegistry.default(), require_document=False, keys=keys)


def _verdict(path: Path, result: ParsedMessage | MessageReject) -> dict[str, Any]:
    if isinstance(result, ParsedMessage):
        return {
            "file": str(path),
            "valid": True,
            "message": result.identifier,
            "signed": bool(result.header and result.header.signed),
            "problems": [],
        }
    return {
        "file": str(path),
        "valid": False,
        "message": result.identifier,
        "reason": str(result.reason),
        "problems": [_jsonable(p) for p in result.problems],
    }


@app.command("validate")
def validate(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    key: Annotated[
        list[Path] | None,
        typer.Option(help="public key file(s): also verify signatures against them"),
    ] = None,
) -> None:
    """Validate messages (schema + business rules); exit 0 only if every file is valid."""
    if len(files) > FILES_MAX:
        raise typer.BadParameter(f"at most {FILES_MAX} files")
    policy = _policy(key)
    verdicts = [_verdict(path, parse_message(path.read_bytes(), policy)) for path in files]
    if as_json:
        typer.echo(
            json.dumps({"files": verdicts, "valid": all(v["valid"] for v in verdicts)}, indent=2)
        )
    else:
        for v in verdicts:
            typer.echo(f"{'VALID  ' if v['valid'] else 'INVALID'} {v['file']} ({v['message']})")
            for p in v["problems"]:
                typer.echo(f"  {Problem(**p).describe()}")
    raise typer.Exit(0 if all(v["valid"] for v in verdicts) else 1)


@app.command("inspect")
def inspect(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Print the extracted message (header and records) as JSON; exit 1 if it is refused."""
    result = parse_message(file.read_bytes(), _policy(None))
    if isinstance(result, MessageReject):
        typer.echo(json.dumps(_verdict(file, result), indent=2))
        raise typer.Exit(1)
    typer.echo(
        json.dumps(
            {
                "message": result.identifier,
                "envelope": result.envelope,
                "header": _jsonable(result.header),
                "body": _jsonable(result.body),
            },
            indent=2,
            ensure_ascii=False,
        )
    )


def _parts(data: bytes) -> tuple[etree._Element, MessageParts]:
    root = secure_parse(data)
    if isinstance(root, Problem):
        raise typer.BadParameter(root.describe())
    parts = locate_parts(root)
    if isinstance(parts, Problem):
        raise typer.BadParameter(parts.describe())
    if parts.apphdr is None or parts.document is None:
        raise typer.BadParameter("signing needs a message with an AppHdr and a Document")
    return root, parts


@app.command("sign")
def sign(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    key: Annotated[Path, typer.Option(help="private key file (from `iso keygen`)")],
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Add AppHdr/Sgntr (XML-DSig over AppHdr + Document) and write the signed message."""
    root, parts = _parts(file.read_bytes())
    sign_apphdr(parts.apphdr, parts.document, load_private_key(key.read_bytes()))
    signed = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
    if output is None:
        typer.echo(signed.decode("utf-8"))
    else:
        output.write_bytes(signed)


@app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    key: Annotated[Path, typer.Option(help="public (or private) key file")],
) -> None:
    """Verify the AppHdr signature with a key; exit 0 only if it verifies."""
    _, parts = _parts(file.read_bytes())
    keys = KeyRing()
    keys.add("", load_public_key(key.read_bytes()))
    problem = verify_apphdr(parts.apphdr, parts.document, keys, None)
    typer.echo("signature valid" if problem is None else f"signature INVALID: {problem.describe()}")
    raise typer.Exit(0 if problem is None else 1)


@app.command("keygen")
def keygen(
    output: Annotated[Path, typer.Argument(help="private key file to write")],
    kind: Annotated[KeyKind, typer.Option(help="ed25519 or p256")] = KeyKind.ED25519,
    force: bool = False,
) -> None:
    """Write a new private key (PEM, mode 600) and its public key next to it (.pub.pem)."""
    public_path = output.with_name(output.name + ".pub.pem")
    if (output.exists() or public_path.exists()) and not force:
        raise typer.BadParameter(f"{output} or {public_path} exists (use --force)")
    key = generate_private_key(kind)
    output.touch(mode=0o600)
    output.write_bytes(private_key_pem(key))
    public_path.write_bytes(public_key_pem(key.public_key()))
    typer.echo(f"private key: {output}\npublic key:  {public_path}")


@app.command("example")
def example(kind: Annotated[str, typer.Argument(help=f"one of {', '.join(EXAMPLES)}")]) -> None:
    """Print a valid example message of the given type to start from."""
    if kind not in EXAMPLES:
        raise typer.BadParameter(f"unknown type {kind!r}; known: {', '.join(EXAMPLES)}")
    typer.echo(example_message(kind).decode("utf-8"))
