"""Extractors: a schema-valid Document's message element to a record (one module per family).

Each extractor is `extract(el, ns) -> record` and raises `ExtractError` carrying a Problem
for values the schema lets through but money rules refuse (unknown currency, too many
decimals). They read children through `kids()` dictionaries for speed.
"""
