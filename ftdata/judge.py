"""Judging a job: the scanned files of one fine-tuning job in, the :class:`Report` out.

Per file: the CRLF notice, the dataset rules on the file's merged facts, token statistics and, for
training files, the price on the target. Per job: the job rules, which see every file at once (the
training files and the validation file), each said once however many files there are.
"""

from __future__ import annotations

from collections.abc import Sequence

from ftdata.plan import Plan
from ftdata.reader import LineIssue
from ftdata.report import FileReport, Problem, Report, TokenStats
from ftdata.ruleapi import FileFacts, JobFacts
from ftdata.scan import FileScan, crash, stamp


def judge(scans: Sequence[FileScan], plan: Plan, *, strict: bool = False, max_usd: float | None = None) -> Report:
    """The report of one job whose files (training files first, then the validation file) are scanned."""
    problems = [[*scan.partial.problems, *file_problems(scan, plan)] for scan in scans]
    # A job rule's finding names its file by path; a path given as both a training and the validation file
    # stands for the validation file (the last one), which is what the cross-file rules report on.
    index = {scan.name: number for number, scan in enumerate(scans)}
    for found in job_problems(scans, plan):
        problems[index[found.file]].append(found)
    return Report(
        files=[file_report(scan, plan, found) for scan, found in zip(scans, problems, strict=True)],
        strict=strict,
        max_usd=max_usd,
    )


def file_problems(scan: FileScan, plan: Plan) -> list[Problem]:
    """What the file-level rules find in one scanned file: the CRLF notice and the dataset rules."""
    found: list[Problem] = []
    facts = scan.partial.facts
    first_crlf = scan.partial.first_crlf
    crlf = scan.line_rules.get("crlf")
    if first_crlf is not None and crlf is not None:
        try:
            stamp(plan, crlf, crlf.function(LineIssue("crlf", first_crlf)), scan.name, first_crlf, found)
        except Exception as exc:
            raise crash(crlf, scan.name, first_crlf, exc) from exc
    for rule in scan.rules:
        if rule.kind != "dataset" or not (rule.formats is None or facts.format is None or facts.format in rule.formats):
            continue
        try:
            stamp(plan, rule, rule.function(facts, plan.contexts[rule.code]), scan.name, None, found)
        except Exception as exc:
            raise crash(rule, scan.name, None, exc) from exc
    return found


def job_problems(scans: Sequence[FileScan], plan: Plan) -> list[Problem]:
    """What the job rules find. A finding is in the file it names (default: the first training file),
    unless that file's per-file ignores switch the rule off there."""
    if not scans:
        return []
    job = JobFacts(tuple(FileFacts(scan.name, scan.partial.facts) for scan in scans))
    first = next((scan.name for scan in scans if scan.partial.facts.role == "training"), scans[0].name)
    known = {scan.name for scan in scans}
    found: list[Problem] = []
    for rule in plan.rules:
        if rule.kind != "job":
            continue
        problems: list[Problem] = []
        try:
            stamp(plan, rule, rule.function(job, plan.contexts[rule.code]), first, None, problems)
            unknown = next((p.file for p in problems if p.file not in known), None)
            if unknown is not None:
                raise ValueError(f"a finding names the file {unknown!r}, which is not a file of the job")
        except Exception as exc:
            raise crash(rule, first, None, exc) from exc
        found.extend(problem for problem in problems if rule in plan.rules_for(problem.file))
    return found


def file_report(scan: FileScan, plan: Plan, problems: list[Problem]) -> FileReport:
    facts = scan.partial.facts
    target = plan.target
    return FileReport(
        path=scan.name,
        role=facts.role,
        format=facts.format,
        examples=facts.examples,
        problems=sorted(problems, key=lambda p: (p.line is not None, p.line or 0)),
        tokens=TokenStats.from_counts(
            facts.token_counts,
            facts.trained_tokens,
            encoding=target.counter.encoding.name,
            limit=target.max_tokens,
            estimated=facts.estimated,
        ),
        cost=target.price(facts.token_counts) if facts.role == "training" else None,
    )
