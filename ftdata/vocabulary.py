"""The words ftdata's modules share, as types: severities, formats, methods, roles, file roles, rule kinds.

A leaf module: it imports nothing of ftdata's, so any module (and any plugin) may use these in signatures.
"""

from __future__ import annotations

from typing import Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

Group = Literal["file", "structure", "content", "tokens", "dataset", "quality"]
GROUPS: tuple[Group, ...] = ("file", "structure", "content", "tokens", "dataset", "quality")

# What a rule module defines: check_line (reader issues), check (each record), finish (each file's facts) or
# finish_job (the facts of every file of the job: training and validation files together).
RuleKind = Literal["line", "record", "dataset", "job"]

# A file's format, decided by its first record (ftdata.formats.detect_format).
Format = Literal["chat", "rft", "preference", "prompt-completion"]

# What the user says they will train (--method), where a file's shape is ambiguous.
Method = Literal["sft", "dpo", "rft"]
METHODS: tuple[Method, ...] = ("sft", "dpo", "rft")

# What a model can be trained with, as a service's model list names it.
ModelMethod = Literal["sft", "dpo", "rft", "vision", "prompt-completion"]

# A message's role, as the services' formats name them.
Role = Literal["system", "developer", "user", "assistant", "tool", "function"]

# What a file is to the job: trained on (and billed), or held out to measure the training.
FileRole = Literal["training", "validation"]
