"""ftdata's rules, one module each (installed as ``ftdata.rules``; see ``ftdata.ruleapi`` for the contract).

Modules are discovered, not listed: adding a file here adds a rule. Codes are grouped by hundreds:
FT0xx file and JSON, FT1xx structure, FT2xx content, FT3xx tokens, FT4xx dataset, FT5xx quality.

In the docstrings' ``jsonl`` examples, ``<BOM>`` stands for a UTF-8 byte-order mark, ``<CR>`` for a carriage
return, ``<0xFF>`` for a byte that is not UTF-8, and ``... (N lines in all)`` repeats the line above until the
example has N lines; ``key=value`` after ``jsonl`` are settings the example is checked with.
"""
