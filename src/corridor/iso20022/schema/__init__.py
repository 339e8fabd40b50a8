"""Exact, offline ISO 20022 schema validation.

`SchemaRegistry.default()` derives each message version's XSD at run time from the
pyiso20022 models (xsdata-generated from the official XSDs), caches it on disk and
compiles it with lxml; `SchemaRegistry.from_directory()` takes an operator's own XSDs.
`validate(element)` dispatches on the element's namespace and returns `SchemaIssue`s
naming the XPath, the value and the rule broken (empty list: valid)::

    registry = SchemaRegistry.default()
    issues = registry.validate(document_root)   # lxml element: Document or AppHdr
"""

from __future__ import annotations

from corridor.iso20022.schema._errors import SchemaBuildError, SchemaSourceError
from corridor.iso20022.schema._issues import ISSUES_MAX, SchemaIssue
from corridor.iso20022.schema._registry import SchemaRegistry

__all__ = ["ISSUES_MAX", "SchemaBuildError", "SchemaIssue", "SchemaRegistry", "SchemaSourceError"]
