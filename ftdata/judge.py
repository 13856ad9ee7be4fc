"""Judging a job: the scanned files of one fine-tuning job in, the :class:`Report` out.

Per file: the CRLF notice, the dataset rules on the file's merged facts, token statistics and, for
training files, the price on the target. Per job: the job rules, which see every file at once (the
training files and the validation file), each said once however many files there are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from ftdata.plan import Plan
from ftdata.reader import LineIssue, display_path
from ftdata.report import FileReport, Problem, Report, TokenStats, cap_problems
from ftdata.ruleapi import FileFacts, JobFacts
from ftdata.scan import FileScan, crash, stamp


def judge(scans: Sequence[FileScan], plan: Plan, *, strict: bool = False, max_usd: float | None = None) -> Report:
    """The report of one job whose files (training files first, then the validation file) are scanned."""
    problems = [[*scan.partial.problems, *file_problems(scan, plan)] for scan in scans]
    for index, problem in job_problems(scans, plan):
        problems[index].append(problem)
    return Report(
        files=[file_report(scan, plan, found) for scan, found in zip(scans, problems, strict=True)],
        strict=strict,
        max_usd=max_usd,
        target=plan.target.profile.name,
        target_title=plan.target.profile.title,
        model=plan.target.model.name if plan.target.model else None,
        exact_counts=plan.target.exact_counts,
    )


def file_problems(scan: FileScan, plan: Plan) -> list[Problem]:
    """What the file-level rules find in one scanned file: the CRLF notice and the dataset rules."""
    found: list[Problem] = []
    facts = scan.partial.facts
    first_crlf = scan.partial.first_crlf
    for crlf in scan.line_rules.get("crlf", []) if first_crlf is not None else []:
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


def job_problems(scans: Sequence[FileScan], plan: Plan) -> list[tuple[int, Problem]]:
    """What the job rules find, with the index of the file each finding is in.

    A finding that names no file is in the first training file whose per-file ignores leave the rule on;
    one that names a path is in the last file with that path (a path given as both a training file and the
    validation file stands for the validation file, which is what the cross-file rules report on), unless
    the rule is ignored there.
    """
    if not scans:
        return []
    job = JobFacts(tuple(FileFacts(scan.name, scan.partial.facts) for scan in scans))
    training = [i for i, scan in enumerate(scans) if scan.partial.facts.role == "training"] or [0]
    last = {scan.name: i for i, scan in enumerate(scans)}
    on = [{rule.code for rule in scan.rules} for scan in scans]  # the rules per-file ignores leave on, per file
    found: list[tuple[int, Problem]] = []
    for rule in plan.rules:
        if rule.kind != "job":
            continue
        first = scans[training[0]].name
        try:
            findings = list(rule.function(job, plan.contexts[rule.code]))
            unknown = next((f.file for f in findings if f.file is not None and f.file not in last), None)
            if unknown is not None:
                raise ValueError(f"a finding names the file {unknown!r}, which is not a file of the job")
        except Exception as exc:
            raise crash(rule, first, None, exc) from exc
        for finding in findings:
            if finding.file is None:
                index = next((i for i in training if rule.code in on[i]), None)
            else:
                index = last[finding.file] if rule.code in on[last[finding.file]] else None
            if index is not None:
                stamped: list[Problem] = []
                stamp(plan, rule, [finding], scans[index].name, None, stamped)
                found.extend((index, problem) for problem in stamped)
    return found


def file_report(scan: FileScan, plan: Plan, problems: list[Problem]) -> FileReport:
    facts = scan.partial.facts
    target = plan.target
    shown = display_path(scan.name)
    if shown != scan.name:
        problems = [replace(problem, file=shown) for problem in problems]
    left_out = Counter(scan.partial.left_out)
    ordered = sorted(problems, key=lambda p: (p.line is not None, p.line or 0))
    kept = cap_problems(ordered, plan.max_problems_per_rule, Counter(), left_out)  # file-level rules' too
    return FileReport(
        path=shown,
        role=facts.role,
        format=facts.format,
        examples=facts.examples,
        problems=kept,
        left_out=left_out,
        tokens=TokenStats.from_counts(
            facts.token_counts,
            facts.trained_tokens,
            encoding=target.counter.encoding_name,
            limit=target.max_tokens_for(facts.format),
            estimated=facts.estimated,
            drop=target.drops_over_length,
        ),
        cost=target.price(facts.token_counts, facts.format) if facts.role == "training" else None,
    )
