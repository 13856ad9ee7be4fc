"""The HTML report (``ftdata report --html``): one self-contained page.

The page has no script and loads nothing: its style is inline and allowed by its hash in a strict
Content-Security-Policy (``default-src 'none'``), its charts are inline SVG drawn here, and its links are
anchors within the page (each rule's documentation is in it). Every piece of data — paths, messages, previews
of answers and system prompts — is HTML-escaped, and previews are redacted (:func:`ftdata.stats.preview`)
before they are kept, so no secret gets into the file.

Sections: the header (target, model, files, verdict); token lengths (the length CDF against the limit, and
histograms per file, the training and validation files side by side); the figures per file; the problems,
grouped by rule; the duplicate groups; balance and consistency (refusals, repeated answers, labels, system
prompts, and the findings of the balance and consistency rules); the cost; the documentation of each rule
that found something.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import html
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from ftdata import __version__
from ftdata.registry import Rule, rule_markdown
from ftdata.report import FileReport, Problem, Report
from ftdata.stats import (
    DUPLICATE_RULES,
    LEAKAGE_RULES,
    DatasetStatistics,
    Entry,
    Figures,
    FileStatistics,
    histogram_bins,
)

PROBLEMS_SHOWN = 200  # problems listed per rule and file (the rest are counted)
GROUPS_SHOWN = 50  # duplicate groups listed per file
GROUPS_OPEN = 10  # of which shown open; the others behind a "more" summary
_NO_GROUP = '<p class="empty">No duplicate group.</p>'
LINES_SHOWN = 12  # lines listed per duplicate group

STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: #1f2328; font: 15px/1.5 "Inter", "Segoe UI", "Helvetica Neue",
  "Liberation Sans", "DejaVu Sans", Arial, sans-serif; }
a { color: #0b62c4; text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre, .mono { font-family: "JetBrains Mono", "SFMono-Regular", Menlo, Consolas, "Liberation Mono",
  "DejaVu Sans Mono", monospace; font-size: 0.86em; }
header.top { background: #ffffff; border-bottom: 1px solid #e2e5e9; }
.wrap { max-width: 1180px; margin: 0 auto; padding: 0 28px; }
header.top .wrap { padding-top: 26px; padding-bottom: 22px; }
.brand { font-size: 12px; letter-spacing: 0.08em; text-transform: uppercase; color: #6b7280; font-weight: 600; }
h1 { font-size: 26px; margin: 4px 0 6px; font-weight: 650; letter-spacing: -0.01em; word-break: break-word; }
h2 { font-size: 19px; margin: 0 0 14px; font-weight: 650; }
h3 { font-size: 15px; margin: 18px 0 8px; font-weight: 650; }
.meta { color: #57606a; margin: 0; font-size: 14px; }
.meta b { color: #1f2328; font-weight: 600; }
.verdict { display: inline-flex; align-items: center; gap: 10px; margin-top: 14px; padding: 7px 14px;
  border-radius: 999px; font-weight: 600; font-size: 14px; }
.verdict.ok { background: #e6f6ea; color: #16672e; border: 1px solid #b7e3c3; }
.verdict.warn { background: #fff6db; color: #7a5200; border: 1px solid #f0d88a; }
.verdict.bad { background: #fdecec; color: #a11a1a; border: 1px solid #f4c2c2; }
nav.toc { position: sticky; top: 0; z-index: 2; background: rgba(246, 247, 249, 0.96);
  border-bottom: 1px solid #e2e5e9; }
nav.toc .wrap { display: flex; flex-wrap: wrap; gap: 4px 18px; padding-top: 9px; padding-bottom: 9px; font-size: 14px; }
nav.toc a { color: #424a53; }
main .wrap { padding-top: 22px; padding-bottom: 40px; }
section { margin-bottom: 26px; }
.card { background: #ffffff; border: 1px solid #e2e5e9; border-radius: 10px; padding: 18px 20px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 16px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 12px; margin-bottom: 16px; }
.stat { background: #ffffff; border: 1px solid #e2e5e9; border-radius: 10px; padding: 12px 16px; }
.stat .label { color: #6b7280; font-size: 12.5px; }
.stat .value { font-size: 21px; font-weight: 650; font-variant-numeric: tabular-nums; }
.stat .sub { color: #6b7280; font-size: 12.5px; }
.file-title { display: flex; align-items: baseline; gap: 10px; margin: 0 0 10px; font-size: 15px; font-weight: 650;
  word-break: break-all; }
.pill { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 600;
  white-space: nowrap; }
.pill.training { background: #e3eefc; color: #1d4f91; }
.pill.validation { background: #fdf0dc; color: #8a4b08; }
.sev { display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 12px; font-weight: 600; }
.sev.error { background: #fdecec; color: #a11a1a; }
.sev.warning { background: #fff4d6; color: #7a5200; }
.sev.info { background: #e6f1fb; color: #185a9d; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #eceef1; vertical-align: top; }
th { font-weight: 600; color: #57606a; font-size: 12.5px; background: #fafbfc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr:last-child td { border-bottom: none; }
.table-card { padding: 0; overflow: hidden; }
.table-card table th:first-child, .table-card table td:first-child { padding-left: 18px; }
.muted { color: #6b7280; }
.small { font-size: 13px; }
.quote { color: #24292f; }
.quote::before { content: "\\201C"; color: #9aa1a9; }
.quote::after { content: "\\201D"; color: #9aa1a9; }
.msg { word-break: break-word; }
td.rule-cell { white-space: nowrap; width: 1%; }
.answer { font-family: "Inter", "Segoe UI", "Helvetica Neue", "Liberation Sans", "DejaVu Sans", Arial, sans-serif;
  font-size: 13.5px; margin-top: 2px; word-break: break-word; }
details { margin: 8px 0; }
details > summary { cursor: pointer; padding: 8px 0; font-weight: 600; }
details > summary .muted { font-weight: 400; }
.rule-doc { background: #ffffff; border: 1px solid #e2e5e9; border-radius: 10px; padding: 14px 20px;
  margin-bottom: 12px; }
.rule-doc h3 { margin-top: 4px; }
.rule-doc details { margin-bottom: 0; }
.rule-doc details > summary { padding: 2px 0; font-weight: 500; color: #0b62c4; }
.rule-doc h4 { font-size: 14px; margin: 14px 0 4px; }
.rule-doc p { margin: 6px 0; }
.rule-doc pre { background: #f6f8fa; border: 1px solid #eceef1; border-radius: 6px; padding: 10px 12px;
  overflow-x: auto; white-space: pre; }
p code, li code, td code { background: #f1f3f5; padding: 1px 5px; border-radius: 4px; }
svg { display: block; width: 100%; height: auto; }
svg text { font: 11px "Liberation Sans", "DejaVu Sans", Arial, sans-serif; fill: #6b7280; }
svg .grid-line { stroke: #eceef1; stroke-width: 1; }
svg .axis-line { stroke: #c9ced4; stroke-width: 1; }
svg .bar-training { fill: #5b8def; }
svg .bar-validation { fill: #f0a23b; }
svg .bar-label { fill: #8c6be8; }
svg .bar-track { fill: #eef0f3; }
svg .bar-refusal { fill: #e5534b; }
svg .cdf-training { fill: none; stroke: #2f6fe0; stroke-width: 2; }
svg .cdf-validation { fill: none; stroke: #e08a12; stroke-width: 2; }
svg .limit { stroke: #d1242f; stroke-width: 1.5; stroke-dasharray: 5 4; }
svg text.limit-label { fill: #d1242f; font-weight: 600; }
svg text.legend { fill: #424a53; font-size: 12px; }
svg text.value { fill: #424a53; }
.charts { display: grid; gap: 16px; margin-top: 16px; }
.charts.cols-3 { grid-template-columns: repeat(3, minmax(0, 1fr)); }
.charts.cols-2 { grid-template-columns: repeat(2, minmax(0, 1fr)); }
.chart-card { padding: 12px 14px 10px; }
.chart-card .chart-title { margin-top: 0; display: flex; justify-content: space-between; align-items: center; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 22px; font-size: 13px; color: #424a53; margin-top: 8px; }
.swatch { display: inline-flex; align-items: center; gap: 7px; }
svg.swatch-line { width: 24px; height: 10px; display: inline-block; }
svg.bars { max-width: 620px; }
.chart-title { font-size: 13px; font-weight: 600; color: #424a53; margin: 12px 0 4px; }
.legend-note { font-size: 13px; color: #57606a; margin-top: 6px; }
.empty { color: #6b7280; font-style: italic; }
footer { color: #8b949e; font-size: 12.5px; padding: 18px 0 30px; text-align: center; }
"""

_CATEGORIES = (
    ("format", "Format, structure and tokens"),
    ("secrets", "Secrets and personal data"),
    ("duplicates", "Duplicates and leakage"),
    ("balance", "Balance and consistency"),
)
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_LINE = re.compile(r"\bline (\d+)\b")


def e(value: object) -> str:
    """Any value as HTML text: escaped, quotes too."""
    return html.escape(str(value), quote=True)


def style_hash(style: str = STYLE) -> str:
    """The CSP source that allows the page's one inline style: 'sha256-<base64>'."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(style: str = STYLE) -> str:
    """The page's policy: nothing may load or run, but its one style (no double quote in it: it is an
    attribute's value as it is)."""
    return (
        f"default-src 'none'; style-src {style_hash(style)}; img-src 'none'; font-src 'none'; "
        "script-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'"
    )


def category(code: str, rule: Rule | None) -> str:
    """Which part of the report a rule's problems are in: the quality rules by their code's range (FT50x
    secrets, FT51x duplicates and leakage, the other FT5xx balance and consistency), leakage between the files
    with the duplicates, every other rule under format."""
    if code in LEAKAGE_RULES:
        return "duplicates"
    if rule is not None and rule.group != "quality":
        return "format"
    if code.startswith("FT50"):
        return "secrets"
    if code.startswith("FT51") or (rule is not None and "duplicate" in rule.name):
        return "duplicates"
    if rule is None and not code.startswith("FT5"):
        return "format"
    return "balance"


def _n(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _percent(share: float) -> str:
    return f"{100 * share:.1f}%"


def _plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else words or word + 's'}"


def _file_label(file: FileStatistics | FileReport) -> str:
    return f'<span class="pill {e(file.role)}">{e(file.role)}</span>'


def _file_title(file: FileStatistics | FileReport) -> str:
    """A file's heading in a card: its role and its name (the whole path on hover, and in the overview)."""
    return (
        f'<div class="file-title">{_file_label(file)} <span title="{e(file.path)}">{e(_base(file.path))}</span></div>'
    )


def _base(path: str) -> str:
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or path


def _doc_text(text: str) -> str:
    """A rule's summary as HTML: escaped, its ``code`` as code."""
    return _RST_CODE.sub(lambda m: f"<code>{m.group(1)}</code>", e(text))


_RST_CODE = re.compile(r"``(.+?)``")


def _sev(severity: str) -> str:
    return f'<span class="sev {e(severity)}">{e(severity)}</span>'


def _quote(text: str | None) -> str:
    if text is None:
        return '<span class="empty">no preview kept</span>'
    if not text:
        return '<span class="empty">empty</span>'
    return f'<span class="quote">{e(text)}</span>'


# --- Charts (inline SVG) -----------------------------------------------------------------------------------------


def _count_step(peak: int) -> int:
    """A round whole step (1, 2 or 5 times a power of ten) that cuts 0..peak in about four."""
    power = 1
    while True:
        for factor in (1, 2, 5):
            if factor * power * 4 >= peak:
                return factor * power
        power *= 10


def _short(value: float) -> str:
    """A tick label: 950, 1.2k, 65.5k, 1M."""
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if abs(value) >= 10_000:
        return f"{value / 1000:.0f}k"
    if abs(value) >= 1000:
        return f"{value / 1000:.1f}".rstrip("0").rstrip(".") + "k"
    return f"{value:g}"


def histogram_svg(
    bins: Sequence[tuple[int, int, int]], role: str, unit: str, what: str = "examples", width: int = 560
) -> str:
    """Bars of (low, high, count) bins, with a count axis and the bins' bounds below (``width``: of the viewBox,
    as wide as the chart is shown, so that its text is the page's size)."""
    if not bins:
        return '<p class="empty">nothing to draw</p>'
    height = 200
    left, right, top, bottom = 44, 12, 10, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(n for _, _, n in bins)
    tick = _count_step(peak)
    ceiling = tick * max(1, math.ceil(peak / tick))
    step = plot_w / len(bins)
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{e(unit)} histogram">']
    for value in range(0, ceiling + 1, tick):
        y = top + plot_h - plot_h * value / ceiling
        parts.append(f'<line class="grid-line" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{e(_short(value))}</text>')
    gap = min(2.0, step * 0.15)
    for index, (low, high, n) in enumerate(bins):
        x = left + index * step
        h = plot_h * n / ceiling if ceiling else 0
        if n and h < 1.5:
            h = 1.5
        span = f"{low:,}" if low == high else f"{low:,}–{high:,}"
        parts.append(
            f'<rect class="bar-{e(role)}" x="{x + gap / 2:.1f}" y="{top + plot_h - h:.1f}" '
            f'width="{max(step - gap, 1):.1f}" height="{h:.1f}" rx="1.5"><title>{e(span)} {e(unit)}: '
            f"{e(_plural(n, what[:-1] if what.endswith('s') else what, what))}</title></rect>"
        )
    parts.append(f'<line class="axis-line" x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}"/>')
    ticks = _tick_positions(len(bins), max(3, width // 80))
    for index in ticks:
        low, high, _ = bins[index]
        x = left + index * step + step / 2
        label = _short(low) if low == high else _short(low) + "–" + _short(high)
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 15}" text-anchor="middle">{e(label)}</text>')
    uneven = len({high - low for low, high, _ in bins[1:-1]}) > 1
    axis = f"{unit} (log-scale bins)" if uneven else unit
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle">{e(axis)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _tick_positions(count: int, most: int) -> list[int]:
    if count <= most:
        return list(range(count))
    every = math.ceil(count / most)
    return list(range(0, count, every))


def cdf_svg(files: Sequence[FileStatistics], limit: int) -> str:
    """The share of examples with at most N tokens, for each file (training and validation overlaid), on a
    logarithmic axis of tokens that reaches the model's limit (a dashed line)."""
    series = [(file, file.stats.tokens) for file in files if file.stats.tokens]
    if not series:
        return '<p class="empty">no examples</p>'
    width, height = 1000, 280
    left, right, top, bottom = 52, 24, 16, 42
    plot_w, plot_h = width - left - right, height - top - bottom
    smallest = min(min(counts) for _, counts in series)
    largest = max(max(max(counts) for _, counts in series), limit)
    low = 10 ** math.floor(math.log10(max(smallest, 1)))
    high = 10 ** math.ceil(math.log10(max(largest, 2) * 1.05))
    span = math.log10(high) - math.log10(low)

    def x_of(tokens: float) -> float:
        return left + plot_w * (math.log10(max(tokens, low)) - math.log10(low)) / span

    def y_of(share: float) -> float:
        return top + plot_h * (1 - share)

    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="token length CDF">']
    for i in range(5):
        share = i / 4
        y = y_of(share)
        parts.append(f'<line class="grid-line" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{100 * share:.0f}%</text>')
    decade = low
    while decade <= high:
        for factor in (1, 2, 5):
            tick = decade * factor
            if low <= tick <= high:
                x = x_of(tick)
                parts.append(f'<line class="grid-line" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}"/>')
                if factor == 1 or span <= 3:
                    parts.append(
                        f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{_short(tick)}</text>'
                    )
        decade *= 10
    parts.append(f'<line class="axis-line" x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}"/>')
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle">tokens per example (log scale)</text>'
    )
    for file, counts in series:
        total = sum(counts.values())
        points = [f"{x_of(low):.1f},{y_of(0):.1f}"]
        seen = 0
        for tokens in sorted(counts):
            x = x_of(tokens)
            points.append(f"{x:.1f},{y_of(seen / total):.1f}")
            seen += counts[tokens]
            points.append(f"{x:.1f},{y_of(seen / total):.1f}")
        points.append(f"{x_of(high):.1f},{y_of(1):.1f}")
        parts.append(
            f'<polyline class="cdf-{e(file.role)}" points="{" ".join(points)}"><title>{e(file.path)}</title></polyline>'
        )
    x = x_of(limit)
    parts.append(f'<line class="limit" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}"/>')
    anchor = "end" if x > left + plot_w * 0.8 else "start"
    offset = -6 if anchor == "end" else 6
    parts.append(
        f'<text class="limit-label" x="{x + offset:.1f}" y="{top + 12}" text-anchor="{anchor}">'
        f"limit {limit:,} tokens</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def share_bars_svg(
    rows: Sequence[tuple[str, int, float]], role_class: str = "bar-label", scale: float | None = None
) -> str:
    """Horizontal bars of shares: (label, count, share), labels left, count and share right; the longest bar
    is the largest share (``scale``: the share a whole bar stands for)."""
    width = 520
    row_h = 24
    height = row_h * len(rows) + 6
    label_w, value_w = 170, 110
    bar_w = width - label_w - value_w
    largest = scale or max((share for _, _, share in rows), default=0) or 1
    parts = [f'<svg class="bars" viewBox="0 0 {width} {height}" role="img" aria-label="shares">']
    for index, (label, count, share) in enumerate(rows):
        y = 3 + index * row_h
        text = label if len(label) <= 26 else label[:25] + "…"
        parts.append(f'<text class="legend" x="0" y="{y + 16}">{e(text)}<title>{e(label)}</title></text>')
        parts.append(f'<rect class="bar-track" x="{label_w}" y="{y + 5}" width="{bar_w}" height="12" rx="3"/>')
        w = max(bar_w * share / largest, 2 if count else 0)
        parts.append(f'<rect class="{role_class}" x="{label_w}" y="{y + 5}" width="{w:.1f}" height="12" rx="3"/>')
        parts.append(
            f'<text class="value" x="{width}" y="{y + 16}" text-anchor="end">{count:,} · {_percent(share)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


# --- Sections ----------------------------------------------------------------------------------------------------


def _header(found: DatasetStatistics) -> str:
    report = found.report
    names = " + ".join(_base(file.path) for file in report.files) or "no file"
    counts = report.summary()
    ok = report.ok
    warned = ok and counts["warnings"] > 0
    verdict = "Not ready" if not ok else "No error: ready, with warnings to review" if warned else "Ready for upload"
    look = "bad" if not ok else "warn" if warned else "ok"
    tally = (
        f"{_plural(counts['errors'], 'error')} · {_plural(counts['warnings'], 'warning')} · "
        f"{_plural(counts['infos'], 'info', 'infos')}"
    )
    model = report.model or "no model chosen"
    counted = found.counted_with + ("" if found.exact else " (estimates)")
    failed = "".join(
        f'<p class="meta"><b>Could not read</b> {e(path)}: {e(message)}</p>' for path, message in report.inputs_failed
    )
    return (
        '<header class="top"><div class="wrap">'
        '<div class="brand">ftdata report</div>'
        f"<h1>{e(names)}</h1>"
        f'<p class="meta">Target <b>{e(report.target_title or report.target)}</b> ({e(report.target)}) · '
        f"Model <b>{e(model)}</b> · tokens counted with <b>{e(counted)}</b></p>"
        f"{failed}"
        f'<div class="verdict {look}">{e(verdict)} <span>· {e(tally)}</span></div>'
        "</div></header>"
    )


def _toc() -> str:
    links = [
        ("overview", "Overview"),
        ("lengths", "Token lengths"),
        ("figures", "Figures"),
        ("problems", "Problems"),
        ("duplicates", "Duplicates"),
        ("balance", "Balance and consistency"),
        ("cost", "Cost"),
        ("rules", "Rules"),
    ]
    items = "".join(f'<a href="#{key}">{e(title)}</a>' for key, title in links)
    return f'<nav class="toc"><div class="wrap">{items}</div></nav>'


def _stat(label: str, value: str, sub: str = "") -> str:
    extra = f'<div class="sub">{e(sub)}</div>' if sub else ""
    return f'<div class="stat"><div class="label">{e(label)}</div><div class="value">{e(value)}</div>{extra}</div>'


def _overview(found: DatasetStatistics) -> str:
    report = found.report
    training = [file for file in found.files if file.role == "training"]
    validation = [file for file in found.files if file.role == "validation"]
    examples = sum(file.examples for file in training)
    tokens = sum(file.tokens.total for file in training)
    trained = sum(file.trained_tokens.total for file in training)
    over = sum(n for file in found.files for count, n in file.stats.tokens.items() if count > file.limit)
    usd = report.usd
    cards = [
        _stat("Training examples", f"{examples:,}", f"{_plural(len(training), 'file')}"),
        _stat("Tokens (training)", f"{tokens:,}", f"{trained:,} in trained messages"),
    ]
    if validation:
        cards.append(
            _stat(
                "Validation examples",
                f"{sum(f.examples for f in validation):,}",
                f"{sum(f.tokens.total for f in validation):,} tokens, not billed",
            )
        )
    cards.append(_stat("Over the limit", f"{over:,}", "examples longer than the model's limit"))
    cards.append(_stat("Duplicates flagged", f"{sum(file.duplicates for file in found.files):,}", "FT511–FT513"))
    refusals = sum(file.refusals for file in found.files if file.role == "training")
    answers = sum(file.answers for file in found.files if file.role == "training")
    cards.append(
        _stat("Refusals", _percent(refusals / answers) if answers else "–", f"{refusals:,} of {answers:,} answers")
    )
    cards.append(
        _stat(
            "Estimated cost",
            f"${usd:,.2f}" if usd is not None else "–",
            "training files" if usd is not None else "pass --model for a price",
        )
    )
    return (
        '<section id="overview"><h2>Overview</h2>'
        f'<div class="cards">{"".join(cards)}</div>'
        f"{_overview_table(report)}"
        "</section>"
    )


def _overview_table(report: Report) -> str:
    rows = []
    for file in report.files:
        problems = Counter(problem.severity for problem in file.problems)
        for (_, _, severity), n in file.left_out.items():
            problems[severity] += n
        rows.append(
            f"<tr><td>{_file_label(file)} <span class='mono'>{e(file.path)}</span></td>"
            f"<td>{e(file.format or 'unknown')}</td><td class='num'>{file.examples:,}</td>"
            f"<td class='num'>{file.tokens.total:,}</td><td class='num'>{problems['error']:,}</td>"
            f"<td class='num'>{problems['warning']:,}</td><td class='num'>{problems['info']:,}</td></tr>"
        )
    return (
        '<div class="card table-card"><table><thead><tr><th>File</th><th>Format</th><th class="num">Examples</th>'
        '<th class="num">Tokens</th><th class="num">Errors</th><th class="num">Warnings</th><th class="num">Infos</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _lengths(found: DatasetStatistics) -> str:
    limits = {file.limit for file in found.files}
    limit = max(limits) if limits else 0
    notes = []
    legend = []
    for file in found.files:
        counts = file.stats.tokens
        total = sum(counts.values())
        over = sum(n for tokens, n in counts.items() if tokens > file.limit)
        if total:
            legend.append(
                f'<span class="swatch"><svg viewBox="0 0 24 10" class="swatch-line"><line class="cdf-{e(file.role)}" '
                f'x1="0" x2="24" y1="5" y2="5"/></svg>{e(file.role)}: {e(file.path)}</span>'
            )
            notes.append(
                f"{_file_label(file)} {_percent(over / total)} over the {file.limit:,}-token limit "
                f"({over:,} of {total:,}); median {_n(file.tokens.median)}, p95 {_n(file.tokens.p95)}, "
                f"max {file.tokens.max:,} tokens"
            )
    columns = 3 if len(found.files) == 1 else 2
    width = 380 if columns == 3 else 560
    charts: list[tuple[str, FileStatistics, str]] = []
    metrics: list[tuple[str, str, Callable[[FileStatistics], Counter[int] | None]]] = [
        ("Tokens per example", "tokens", lambda f: f.stats.tokens),
        ("Trained tokens per example", "trained tokens", lambda f: f.stats.trained if f.trained_tokens.max else None),
        ("Messages per example", "messages", lambda f: f.stats.messages if f.messages is not None else None),
    ]
    for title, unit, counts_of in metrics:
        shown = [(file, counts) for file in found.files for counts in (counts_of(file),) if counts]
        if not shown:
            continue
        span = (min(min(c) for _, c in shown), max(max(c) for _, c in shown))  # the same bins for every file
        for file, counts in shown:
            bins = histogram_bins(counts, 24, span)
            charts.append((title, file, histogram_svg(bins, file.role, unit, width=width)))
    several = len(found.files) > 1
    cards = "".join(
        f'<div class="card chart-card"><div class="chart-title">{e(title)} {_file_label(file) if several else ""}'
        f"</div>{svg}</div>"
        for title, file, svg in charts
    )
    return (
        '<section id="lengths"><h2>Token lengths</h2>'
        '<div class="card"><div class="chart-title">Share of examples with at most N tokens, against the limit</div>'
        f"{cdf_svg(found.files, limit)}"
        f'<div class="legend">{"".join(legend)}</div>'
        f'<div class="legend-note">{"<br>".join(notes)}</div></div>'
        f'<div class="charts cols-{columns}">{cards}</div></section>'
    )


def _figures_table(file: FileStatistics) -> str:
    rows: list[tuple[str, Figures]] = []
    if file.messages:
        rows.append(("Messages per example", file.messages))
    if file.user_turns:
        rows.append(("User turns", file.user_turns))
    rows += [("Tokens per example", file.tokens), ("Trained tokens", file.trained_tokens)]
    rows += [(f"{role} message tokens", figures) for role, figures in file.tokens_by_role.items()]
    head = "".join(f'<th class="num">{name}</th>' for name in ("min", "p5", "median", "mean", "p95", "max"))
    body = []
    for label, figures in rows:
        cells = "".join(
            f'<td class="num">{_n(value)}</td>'
            for value in (figures.min, figures.p5, figures.median, figures.mean, figures.p95, figures.max)
        )
        body.append(f"<tr><td>{e(label)}</td>{cells}</tr>")
    note = (
        ""
        if file.tokens_by_role or not file.examples
        else '<p class="small muted">No tokens per role: an open-weight model\'s template counts examples whole.</p>'
    )
    return f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}"


def _figures(found: DatasetStatistics) -> str:
    empty = '<p class="empty">no examples</p>'
    columns = [
        f'<div class="card">{_file_title(file)}{_figures_table(file) if file.examples else empty}</div>'
        for file in found.files
    ]
    return f'<section id="figures"><h2>Figures</h2><div class="grid">{"".join(columns)}</div></section>'


def _rule_link(code: str, rules: Mapping[str, Rule]) -> str:
    if code in rules:
        return f'<a class="mono" href="#rule-{e(code)}">{e(code)}</a>'
    return f'<span class="mono">{e(code)}</span>'


def _problems(report: Report, rules: Mapping[str, Rule]) -> str:
    by_rule: dict[tuple[str, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for file in report.files:
        for problem in file.problems:
            by_rule[(problem.code, problem.name, problem.severity)][file.path] += 1
        for (code, name, severity), n in file.left_out.items():
            by_rule[(code, name, severity)][file.path] += n
    if not by_rule:
        return '<section id="problems"><h2>Problems</h2><div class="card"><p>No problem found.</p></div></section>'
    files = report.files
    head = "".join(f'<th class="num">{_file_label(file)}<br>{e(_tail(_base(file.path)))}</th>' for file in files)
    parts = ['<section id="problems"><h2>Problems</h2>']
    for key, title in _CATEGORIES:
        keys = sorted(
            (k for k in by_rule if category(k[0], rules.get(k[0])) == key),
            key=lambda k: (_SEVERITY_ORDER.get(k[2], 3), k[0]),
        )
        if not keys:
            continue
        rows = []
        for code, name, level in keys:
            counts = by_rule[(code, name, level)]
            cells = "".join(f'<td class="num">{counts.get(file.path, 0):,}</td>' for file in files)
            summary = _doc_text(rules[code].summary) if code in rules else ""
            rows.append(
                f"<tr><td>{_rule_link(code, rules)}</td><td><a href='#p-{e(code)}'>{e(name)}</a>"
                f"<div class='small muted'>{summary}</div></td><td>{_sev(level)}</td>{cells}</tr>"
            )
        parts.append(
            f"<h3>{e(title)}</h3>"
            '<div class="card table-card"><table><thead><tr><th>Rule</th><th>Name</th><th>Severity</th>'
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        )
        for code, name, level in keys:
            parts.append(_problem_details(code, name, level, report, rules))
    parts.append("</section>")
    return "".join(parts)


def _tail(path: str) -> str:
    return path if len(path) <= 28 else "…" + path[-27:]


def _problem_details(code: str, name: str, severity: str, report: Report, rules: Mapping[str, Rule]) -> str:
    rows = []
    total = 0
    for file in report.files:
        found = [p for p in file.problems if p.code == code]
        left = sum(n for (c, _, _), n in file.left_out.items() if c == code)
        total += len(found) + left
        for problem in found[:PROBLEMS_SHOWN]:
            rows.append(_problem_row(file, problem))
        more = len(found) - PROBLEMS_SHOWN if len(found) > PROBLEMS_SHOWN else 0
        if more or left:
            rows.append(
                f"<tr><td colspan='3' class='muted small'>… {more + left:,} more in {e(file.path)} "
                "(ftdata lint --format json lists every one)</td></tr>"
            )
    return (
        f'<details id="p-{e(code)}"><summary>{_rule_link(code, rules)} {e(name)} {_sev(severity)} '
        f'<span class="muted">· {_plural(total, "problem")}</span></summary>'
        '<div class="card table-card"><table><thead><tr><th>Where</th><th>Path</th><th>Message</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div></details>"
    )


def _problem_row(file: FileReport, problem: Problem) -> str:
    where = "file" if problem.line is None else f"line {problem.line:,}"
    return (
        f"<tr><td class='mono'>{_file_label(file)} {e(where)}</td><td class='mono small'>{e(problem.path or '')}</td>"
        f"<td class='msg'>{e(problem.message)}</td></tr>"
    )


def duplicate_groups(file: FileReport, rules: Mapping[str, Rule]) -> list[tuple[str, int, list[int]]]:
    """The groups the duplicate rules found in a file: (code, first line, every line of the group), largest
    first. A finding names the group's first line ("same as line 12"), or is the first line itself."""
    groups: dict[tuple[str, int], set[int]] = {}
    for problem in file.problems:
        if problem.line is None or category(problem.code, rules.get(problem.code)) != "duplicates":
            continue
        if problem.code in LEAKAGE_RULES:
            continue
        named = _LINE.search(problem.message)
        first = int(named.group(1)) if named else problem.line
        group = groups.setdefault((problem.code, first), {first})
        group.add(problem.line)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0][1], item[0][0]))
    return [(code, first, sorted(lines)) for (code, first), lines in ordered]


def _duplicates(found: DatasetStatistics, rules: Mapping[str, Rule]) -> str:
    parts = ['<section id="duplicates"><h2>Duplicates</h2>']
    checked = [code for code in DUPLICATE_RULES if code in found.checked]
    if not checked:
        parts.append(
            '<div class="card"><p class="empty">The duplicate rules (FT511–FT513) were not selected.</p></div>'
        )
    columns = []
    for stats, file in zip(found.files, found.report.files, strict=True):
        groups = duplicate_groups(file, rules)
        previews = {line: text for line, text in stats.stats.answers.previews.values()}
        counts = ", ".join(f"{stats.findings.get(code, 0):,} {code}" for code in checked)
        rows = []
        for code, _, lines in groups[:GROUPS_SHOWN]:
            shown = ", ".join(f"{line:,}" for line in lines[:LINES_SHOWN])
            more = f" … +{len(lines) - LINES_SHOWN:,}" if len(lines) > LINES_SHOWN else ""
            answer = next((previews[line] for line in lines if line in previews), None)
            quote = f"<div class='answer'>{_quote(answer)}</div>" if answer is not None else ""
            rows.append(
                f"<tr><td>{_rule_link(code, rules)}</td><td class='num'>{len(lines):,}</td>"
                f"<td class='mono small'>{e(shown)}{e(more)}{quote}</td></tr>"
            )
        if len(groups) > GROUPS_SHOWN:
            rows.append(f"<tr><td colspan='3' class='muted small'>… and {len(groups) - GROUPS_SHOWN:,} more</td></tr>")
        head = '<thead><tr><th>Rule</th><th class="num">Lines</th><th>Lines of the group (an answer)</th></tr></thead>'
        table = f"<table>{head}<tbody>{''.join(rows[:GROUPS_OPEN])}</tbody></table>" if rows else _NO_GROUP
        if len(rows) > GROUPS_OPEN:  # the others folded
            table += (
                f"<details><summary class='small'>{len(groups) - GROUPS_OPEN:,} more groups</summary>"
                f"<table><tbody>{''.join(rows[GROUPS_OPEN:])}</tbody></table></details>"
            )
        leaks = [p for p in file.problems if p.code in LEAKAGE_RULES]
        leak_rows = "".join(
            f"<tr><td class='rule-cell'>{_rule_link(p.code, rules)}<div class='mono small'>line {p.line or 0:,}</div>"
            f"</td><td class='msg'>{e(p.message)}</td></tr>"
            for p in leaks[:PROBLEMS_SHOWN]
        )
        leak = (
            '<div class="chart-title">Also in the training file</div><table><thead><tr><th>Where</th>'
            f"<th>Message</th></tr></thead><tbody>{leak_rows}</tbody></table>"
            if leaks
            else ""
        )
        columns.append(
            f'<div class="card">{_file_title(file)}'
            f'<p class="small muted">Findings: {e(counts) or "none checked"}</p>{table}{leak}</div>'
        )
    parts.append(f'<div class="grid">{"".join(columns)}</div></section>')
    return "".join(parts)


def _entries_table(entries: Iterable[Entry], what: str) -> str:
    rows = "".join(
        f"<tr><td class='num'>{entry.count:,}</td><td class='num'>{_percent(entry.share)}</td>"
        f"<td class='msg'>{_quote(entry.preview)}</td></tr>"
        for entry in entries
    )
    if not rows:
        return f'<p class="empty">{e(what)}</p>'
    return (
        '<table><thead><tr><th class="num">Examples</th><th class="num">Share</th><th>Preview (redacted)</th></tr>'
        f"</thead><tbody>{rows}</tbody></table>"
    )


def _balance(found: DatasetStatistics, rules: Mapping[str, Rule]) -> str:
    columns = []
    for stats, file in zip(found.files, found.report.files, strict=True):
        blocks = [f"{_file_title(file)}"]
        if stats.answers:
            share = stats.refusal_share or 0.0
            blocks.append(
                f'<div class="chart-title">Refusals <span class="muted">({stats.refusals:,} of '
                f"{stats.answers:,} answers)</span></div>"
            )
            blocks.append(share_bars_svg([("refusals", stats.refusals, share)], "bar-refusal", scale=1.0))
            if stats.labels is not None:
                blocks.append(f'<div class="chart-title">Labels ({len(stats.labels)} classes)</div>')
                rows = [(entry.preview or "?", entry.count, entry.share) for entry in stats.labels]
                blocks.append(share_bars_svg(rows))
            else:
                blocks.append(
                    '<p class="small muted">Not a label dataset (the answers are not a few short labels).</p>'
                )
            blocks.append(
                f'<div class="chart-title">Answers given more than once '
                f'<span class="muted">({stats.distinct_answers:,} distinct in {stats.answers:,})</span></div>'
            )
            blocks.append(_entries_table(stats.repeated_answers, "Every answer is different."))
        else:
            blocks.append('<p class="empty">No answer to train on.</p>')
        if stats.messages is not None:
            without = (
                f"; {_plural(stats.without_system_prompt, 'example')} without one"
                if stats.without_system_prompt
                else ""
            )
            blocks.append(
                f'<div class="chart-title">System prompts <span class="muted">({stats.distinct_system_prompts:,} '
                f"distinct{e(without)})</span></div>"
            )
            blocks.append(_entries_table(stats.system_prompts[:5], "No system prompt."))
        findings = _balance_findings(file, rules)
        if findings:
            blocks.insert(1, f'<div class="chart-title">Findings</div>{findings}')
        columns.append(f'<div class="card">{"".join(blocks)}</div>')
    return f'<section id="balance"><h2>Balance and consistency</h2><div class="grid">{"".join(columns)}</div></section>'


def _balance_findings(file: FileReport, rules: Mapping[str, Rule]) -> str:
    """The findings of the balance and consistency rules in a file, by rule: what a file-level finding says, and
    for findings at lines how many and the first lines (every one is listed under Problems)."""
    by_rule: dict[tuple[str, str, str], list[Problem]] = {}
    for problem in file.problems:
        if category(problem.code, rules.get(problem.code)) == "balance":
            by_rule.setdefault((problem.code, problem.name, problem.severity), []).append(problem)
    rows = []
    for (code, name, severity), found in sorted(
        by_rule.items(), key=lambda item: (_SEVERITY_ORDER.get(item[0][2], 3), item[0][0])
    ):
        said = [p for p in found if p.line is None]
        at = [p.line for p in found if p.line is not None]
        text = "".join(f"<div class='msg'>{e(p.message)}</div>" for p in said[:5])
        if at:
            first = ", ".join(f"{line:,}" for line in at[:LINES_SHOWN]) + (" …" if len(at) > LINES_SHOWN else "")
            left = sum(n for (c, _, _), n in file.left_out.items() if c == code)
            text += (
                f"<div class='msg'>{_plural(len(at) + left, 'example')} at lines <span class='mono small'>{e(first)}"
                f"</span> · <a href='#p-{e(code)}'>see each one</a></div>"
            )
        rows.append(
            f"<tr><td class='rule-cell'>{_rule_link(code, rules)} {_sev(severity)}<div class='small muted'>{e(name)}"
            "</div></td>"
            f"<td>{text}</td></tr>"
        )
    if not rows:
        return ""
    return f"<table><tbody>{''.join(rows)}</tbody></table>"


def _cost(report: Report) -> str:
    rows = []
    for file in report.files:
        cost = file.cost
        if cost is None:
            rows.append(
                f"<tr><td>{_file_label(file)} <span class='mono'>{e(file.path)}</span></td>"
                f"<td colspan='6' class='muted'>validation file: counted ({file.tokens.total:,} tokens), not billed"
                "</td></tr>"
            )
            continue
        price = f"${cost.price_usd:g} per {e(cost.price_unit)}" if cost.price_usd is not None else "–"
        usd = f"${cost.usd:,.2f}" if cost.usd is not None else "–"
        note = f"<div class='small muted'>{e(cost.note)}</div>" if cost.note else ""
        rows.append(
            f"<tr><td>{_file_label(file)} <span class='mono'>{e(file.path)}</span>{note}</td>"
            f"<td>{e(cost.model or 'no model')}</td>"
            f"<td class='num'>{cost.billed_tokens_per_epoch:,}</td>"
            f"<td class='num'>{cost.epochs} <span class='muted small'>({e(cost.epochs_source)})</span></td>"
            f"<td class='num'>{cost.trained_tokens:,}</td><td class='num'>{price}</td>"
            f"<td class='num'><b>{usd}</b></td></tr>"
        )
    if len(report.training_files) > 1 and report.usd is not None:
        rows.append(
            f"<tr><td colspan='6'><b>All training files</b></td><td class='num'><b>${report.usd:,.2f}</b></td></tr>"
        )
    taken = next((f.cost.prices_taken for f in report.files if f.cost and f.cost.prices_taken), None)
    note = f'<p class="small muted">Prices taken {e(taken)}; an estimate.</p>' if taken else ""
    return (
        '<section id="cost"><h2>Cost</h2><div class="card table-card"><table><thead><tr><th>File</th><th>Model</th>'
        '<th class="num">Billed tokens per epoch</th><th class="num">Epochs</th><th class="num">Trained tokens</th>'
        f'<th class="num">Price</th><th class="num">Estimate</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
        f"</div>{note}</section>"
    )


_FENCE = re.compile(r"^```")
_HEADING = re.compile(r"^(#{1,3}) (.*)$")
_INLINE_CODE = re.compile(r"`([^`]+)`")


def markdown_html(text: str) -> str:
    """The little Markdown of a rule's documentation as HTML: headings, paragraphs, lists, code blocks and
    `code` — escaped first, so nothing in it is markup of its own."""
    out: list[str] = []
    paragraph: list[str] = []
    code: list[str] | None = None
    items: list[str] = []

    def inline(line: str) -> str:
        return _INLINE_CODE.sub(lambda m: f"<code>{m.group(1)}</code>", e(line))

    def flush() -> None:
        if paragraph:
            out.append(f"<p>{inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{inline(item)}</li>" for item in items) + "</ul>")
            items.clear()

    for line in text.splitlines():
        if code is not None:
            if _FENCE.match(line):
                out.append(f"<pre><code>{e(chr(10).join(code))}</code></pre>")
                code = None
            else:
                code.append(line)
            continue
        if _FENCE.match(line):
            flush()
            code = []
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            if len(heading.group(1)) > 1:  # the title is the article's own heading
                out.append(f"<h4>{inline(heading.group(2))}</h4>")
            continue
        if not line.strip():
            flush()
        elif line.startswith("- "):
            if paragraph:
                flush()
            items.append(line[2:])
        elif items and line.startswith("  "):
            items[-1] += " " + line.strip()
        else:
            paragraph.append(line.strip())
    if code is not None:
        out.append(f"<pre><code>{e(chr(10).join(code))}</code></pre>")
    flush()
    return "".join(out)


def _rules(report: Report, rules: Mapping[str, Rule]) -> str:
    codes = sorted(
        {problem.code for problem in report.problems} | {c for f in report.files for (c, _, _) in f.left_out}
    )
    articles = []
    for code in codes:
        rule = rules.get(code)
        if rule is None:
            continue
        articles.append(
            f'<article class="rule-doc" id="rule-{e(code)}"><h3><span class="mono">{e(rule.code)}</span> '
            f"{e(rule.name)} {_sev(rule.severity)} <span class='muted small'>· {e(rule.group)}</span></h3>"
            f"<p>{_doc_text(rule.summary)}</p>"
            f"<details><summary>Documentation</summary>{markdown_html(rule_markdown(rule))}</details></article>"
        )
    body = "".join(articles) or '<div class="card"><p class="empty">No rule found anything.</p></div>'
    return (
        '<section id="rules"><h2>Rules</h2><p class="small muted">The rules that found something, with their '
        f"documentation (<span class='mono'>ftdata rule CODE</span> shows the same).</p>{body}</section>"
    )


def render_html(found: DatasetStatistics, rules: Iterable[Rule], today: datetime.date | None = None) -> str:
    """The whole page for a job's statistics and lint report (``rules``: the registry, for names and docs)."""
    known = {rule.code: rule for rule in rules}
    report = found.report
    title = "ftdata report: " + (" + ".join(file.path for file in report.files) or "no file")
    day = (today or datetime.date.today()).isoformat()
    body = "".join(
        [
            _header(found),
            _toc(),
            '<main><div class="wrap">',
            _overview(found),
            _lengths(found),
            _figures(found),
            _problems(report, known),
            _duplicates(found, known),
            _balance(found, known),
            _cost(report),
            _rules(report, known),
            "</div></main>",
            f"<footer>Made by ftdata {e(__version__)} on {e(day)}. This page loads nothing and runs no script."
            "</footer>",
        ]
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy()}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )
