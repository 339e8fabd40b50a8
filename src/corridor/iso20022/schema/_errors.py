"""Errors of the schema package (under corridor.foundation.errors)::

CorridorError
├── SchemaBuildError     the models could not be turned into an XSD (a bug or an upgrade)
└── InputError
    └── SchemaSourceError   an operator-supplied XSD directory or file cannot be used
"""

from __future__ import annotations

from corridor.foundation.errors import CorridorError, InputError


class SchemaBuildError(CorridorError):
    """pyiso20022's models hold something the XSD writer does not understand."""


class SchemaSourceError(InputError):
    """An operator-supplied XSD directory or file that cannot be used."""
