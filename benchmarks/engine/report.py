"""Turn compare.py's results into tables (terminal and markdown) and check each case's targets."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

COLUMNS = (
    "method", "runs", "time s (median)", "cpu s", "speedup vs ref", "peak MB", "load", "mean sat",
    "min sat", "p10 sat", "gap", "total affinity", "total / ref", "ARI", "valid",
)  # fmt: skip


def rows(result: dict[str, Any]) -> list[list[str]]:
    case, methods = result["case"], result["methods"]
    ref = methods.get(case["reference"], {})
    out = []
    for name, m in methods.items():
        if "error" in m:
            out.append([name, str(m["runs"]), f"error: {m['error']}", *[""] * 12])
            continue
        if "bound" in m:  # not a grouping: an upper bound on the total
            cells = [name, str(m["runs"]), f"{m['time_s']:.3f}", "", "", f"{m['peak_mb']:.0f}", ""]
            out.append([*cells, "", "", "", "", f"{m['bound']:.2f} (bound)", "", "", ""])
            continue
        timed = name != "planted"
        speedup = (
            f"{ref['time_s'] / m['time_s']:.3g}x"
            if timed and "time_s" in ref and m["time_s"] > 0 and name != case["reference"]
            else ""
        )
        ratio = f"{m['total'] / ref['total']:.5f}" if ref.get("total") else ""
        out.append([
            name,
            str(m["runs"]),
            f"{m['time_s']:.3f}" if timed else "-",
            f"{m['cpu_s']:.2f}" if timed and "cpu_s" in m else "",
            speedup,
            f"{m['peak_mb']:.0f}" if timed else "-",
            f"{m['load']:.1f}" if "load" in m else "",
            f"{m['mean']:.4f}",
            f"{m['min']:.4f}",
            f"{m['p10']:.4f}",
            f"{m['gap']:.4f}",
            f"{m['total']:.2f}",
            ratio,
            f"{m['ari']:.4f}" if "ari" in m else "",
            "" if "valid" not in m else ("yes" if m["valid"] else "NO"),
        ])  # fmt: skip
    return out


def checks(result: dict[str, Any]) -> list[tuple[str, bool]]:
    """(statement, met) for each target of the case, for every PeerPear variant that ran."""
    case, methods = result["case"], result["methods"]
    found: list[tuple[str, bool]] = []
    for name, m in methods.items():
        if not name.startswith("peerpear"):
            continue
        if "error" in m:
            found.append((f"{name} failed: {m['error']}", False))
            continue
        if case["time_limit_s"] is not None:
            limit = case["time_limit_s"]
            context = f" (cpu {m['cpu_s']:.2f} s, load {m['load']:.1f})" if "cpu_s" in m else ""
            statement = f"{name}: {m['time_s']:.2f} s < {limit:g} s{context}"
            found.append((statement, m["time_s"] < limit))
        if case["max_peak_mb"] is not None:
            limit = case["max_peak_mb"]
            found.append(
                (f"{name}: peak {m['peak_mb']:.0f} MB < {limit:g} MB", m["peak_mb"] < limit)
            )
        if case["min_ari"] is not None and "ari" in m:
            found.append(
                (f"{name}: ARI {m['ari']:.4f} >= {case['min_ari']}", m["ari"] >= case["min_ari"])
            )
        found.extend(relative_checks(name, m, case, methods))
    return found


def relative_checks(
    name: str, m: dict[str, Any], case: dict[str, Any], methods: dict[str, Any]
) -> list[tuple[str, bool]]:
    """Objective and speed against the reference, or against the bound when it did not finish."""
    found = []
    reference = case["reference"]
    ref = methods.get(reference, {})
    bound = methods.get("assignment-bound", {}).get("bound")
    least = case["min_objective_ratio"]
    # The references maximize the total; so does `peerpear-total`, while the default objective
    # trades a little total for the worst-off. Judge the total-maximizing variant when it ran.
    if "peerpear-total" in methods and name != "peerpear-total":
        least = None
    if least is not None and "total" in ref:
        ratio = m["total"] / ref["total"]
        found.append((f"{name}: total / {reference} = {ratio:.5f} >= {least}", ratio >= least))
    elif least is not None and bound:
        ratio = m["total"] / bound
        statement = (
            f"{name}: total / assignment upper bound = {ratio:.5f} >= {least} "
            f"({reference}'s optimum is at most the bound)"
        )
        found.append((statement, ratio >= least))
    fastest = case["min_speedup"]
    if fastest is not None and "time_s" in ref:
        speedup = ref["time_s"] / m["time_s"]
        statement = f"{name}: {speedup:.1f}x faster than {reference} (>= {fastest}x)"
        found.append((statement, speedup >= fastest))
    elif fastest is not None and "timeout_s" in ref:
        speedup = ref["timeout_s"] / m["time_s"]
        statement = (
            f"{name}: more than {speedup:.0f}x faster than {reference}, which did not finish "
            f"in {ref['timeout_s']:g} s (>= {fastest}x)"
        )
        found.append((statement, speedup >= fastest))
    return found  # fmt: skip


def render_tables(console: Console, results: list[dict[str, Any]]) -> None:
    for result in results:
        case = result["case"]
        table = Table(title=f"{case['name']}: {case['target']}", title_justify="left")
        for column in COLUMNS:
            table.add_column(column, justify="left" if column == "method" else "right")
        for row in rows(result):
            table.add_row(*row)
        console.print(table)
        for statement, met in checks(result):
            console.print(f"  {'[green]met[/]' if met else '[red]NOT met[/]'}: {statement}")


def render_markdown(results: list[dict[str, Any]]) -> str:
    parts = []
    for result in results:
        case = result["case"]
        engine = f" (engine {result['engine']})" if "engine" in result else ""
        parts.append(f"### {case['name']}\n\n{case['target']}{engine}\n")
        parts.append("| " + " | ".join(COLUMNS) + " |")
        parts.append("|" + "---|" * len(COLUMNS))
        parts.extend("| " + " | ".join(row) + " |" for row in rows(result))
        parts.append("")
        parts.extend(f"- {'met' if met else '**not met**'}: {s}" for s, met in checks(result))
        parts.append("")
    return "\n".join(parts)
