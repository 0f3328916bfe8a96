#!/usr/bin/env python3
"""Print the Markdown tables of docs/performance.md from `make bench`'s JSON lines.

Usage: scripts/bench_table.py [var/bench/results.jsonl]. The last line of each (scenario, scale,
database) wins, so a re-run of one scale replaces its rows. Standard library only.
"""

import json
import sys
from pathlib import Path

PAGE_TARGET_MS = 50
SEARCH_TARGET_MS = 100
RATIO_TARGET = 2.0


def load(path: Path) -> dict[tuple[str, str, str], dict]:
    latest: dict[tuple[str, str, str], dict] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            latest[(row["scenario"], row["scale"], row["database"])] = row
    return latest


def mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "var/bench/results.jsonl")
    rows = load(path)
    scales = [s for s in ("township", "county", "province") if any(k[1] == s for k in rows)]
    bases = sorted({k[2] for k in rows})
    commits = sorted({r["commit"] for r in rows.values()})
    print(f"Commit(s): {', '.join(commits)}\n")

    print("### Generation\n")
    print("| scale | database | units | accounts | matters | seconds |")
    print("|---|---|---:|---:|---:|---:|")
    for scale in scales:
        for base in bases:
            r = rows.get(("generate", scale, base))
            if r and "seconds" in r:
                counts = f"{r['units']:,} | {r['accounts']:,} | {r['petitions']:,}"
                print(f"| {scale} | {base} | {counts} | {r['seconds']} |")

    print("\n### Requests (server time in this process; p50 / p95 / p99 ms, queries)\n")
    for scale in scales:
        print(f"#### {scale}\n")
        print("| scenario | " + " | ".join(f"{b} p50 / p95 / p99" for b in bases) + " | queries | target |")
        print("|---|" + "---:|" * len(bases) + "---:|---|")
        names = [k[0] for k in rows if k[1] == scale and rows[k].get("kind") in {"page", "api", "search"}]
        for name in dict.fromkeys(names):
            cells, queries, oks = [], "", []
            kinds = {rows[(name, scale, b)].get("kind") for b in bases if (name, scale, b) in rows}
            target = SEARCH_TARGET_MS if "search" in kinds else PAGE_TARGET_MS
            for base in bases:
                r = rows.get((name, scale, base))
                if r is None:
                    cells.append("—")
                    continue
                cells.append(f"{r['p50_ms']} / {r['p95_ms']} / {r['p99_ms']}")
                queries = str(r["queries"])
                oks.append(r["p95_ms"] <= target)
            verdict = f"p95 ≤ {target} {mark(all(oks))}" if scale != "township" else f"p95 ≤ {target}"
            print(f"| {name} | " + " | ".join(cells) + f" | {queries} | {verdict} |")
        print()

    print("### Baselines: zhenwu's data path against hand-written SQL (p50 ms, ratio)\n")
    print("| scale | scenario | " + " | ".join(f"{b} zhenwu / SQL = ratio" for b in bases) + " |")
    print("|---|---|" + "---:|" * len(bases))
    for scale in scales:
        names = [k[0] for k in rows if k[1] == scale and rows[k].get("kind") == "baseline"]
        for name in dict.fromkeys(names):
            cells = []
            for base in bases:
                r = rows.get((name, scale, base))
                cells.append(f"{r['zhenwu_p50_ms']} / {r['sql_p50_ms']} = **{r['ratio']}**" if r else "—")
            print(f"| {scale} | {name.removeprefix('baseline: ')} | " + " | ".join(cells) + " |")

    print("\n### Batches, sweep, export, collector, load run\n")
    for scale in scales:
        for base in bases:
            for (name, s, b), r in rows.items():
                if (
                    s != scale
                    or b != base
                    or r.get("kind") not in {"sweep", "batch", "export", "collector"}
                    and "load" not in name
                ):
                    continue
                fields = {
                    k: v for k, v in r.items() if k not in {"scenario", "scale", "database", "commit", "kind"}
                }
                print(f"- **{scale}, {base}, {name}**: `{json.dumps(fields, ensure_ascii=False)}`")


if __name__ == "__main__":
    main()
