#!/usr/bin/env python3
"""Writes fixtures/report/sample_input.json: a plausible, hand-scripted run.

Ten days, about thirty lineages with a split, two absorptions, a gap, a
re-identification and five novel clusters (three on the last day). The story is
written out below; the per-day figures (clusters, sizes, transitions, emerged,
novel) are derived from it so that the fixture is internally consistent.
Standard library only; deterministic (fixed seed). Run from the workspace root:

    python3 docs/scripts/make_report_sample.py
"""
import json
import random

rng = random.Random(7)
N_DAYS = 10
DAYS = [f"2026-03-{d:02d}" for d in range(1, N_DAYS + 1)]

# id -> (first day, last day, base size, label, novel?); gaps listed apart.
STORY = {
    1: (0, 9, 420, "mirai-like", False),
    2: (0, 9, 160, "censys", False),
    3: (0, 9, 95, "shodan", False),
    4: (0, 9, 150, None, False),        # splits on day 4 into 4 and 17
    5: (0, 9, 70, "stretchoid", False),
    6: (0, 5, 40, None, False),         # absorbed into 7 on day 6
    7: (0, 9, 55, None, False),
    8: (0, 8, 30, "internet-census", False),
    9: (0, 2, 25, None, False),         # re-identified as 23 on day 7
    10: (0, 9, 22, None, False),        # gap on days 4-5
    11: (0, 6, 18, None, False),        # inactive from day 7
    12: (0, 9, 35, "binaryedge", False),
    13: (1, 9, 26, None, False),
    14: (1, 4, 14, None, False),        # absorbed into 12 on day 5
    15: (2, 9, 48, None, True),         # novel on day 2
    16: (2, 7, 12, None, False),
    17: (4, 9, 60, None, False),        # split from 4
    18: (3, 9, 20, "mirai-like", False),
    19: (5, 9, 33, None, True),         # novel on day 5
    20: (5, 8, 16, None, False),
    21: (6, 9, 11, None, False),
    22: (6, 9, 27, None, False),
    23: (7, 9, 24, None, False),        # re-identified from 9
    24: (7, 9, 13, None, False),
    25: (8, 9, 19, "mirai-like", False),
    26: (8, 9, 10, None, False),
    27: (8, 9, 15, None, False),
    28: (9, 9, 55, None, True),         # novel today: a large ADB botnet wave
    29: (9, 9, 21, None, True),         # novel today: SIP scanner
    30: (9, 9, 12, None, True),         # novel today: Redis probes
}
GAPS = {10: {4, 5}}
LINKS = [
    ("split", 4, 17, 4),
    ("absorbed", 6, 7, 6),
    ("absorbed", 14, 12, 5),
    ("reidentified", 9, 23, 7),
]
INACTIVE = {11, 14, 16, 20}  # ends that are "inactive" rather than "disappeared"


def alive(lid, day):
    first, last, *_ = STORY[lid]
    return first <= day <= last and day not in GAPS.get(lid, set())


sizes = {}
for lid, (first, last, base, _, _) in STORY.items():
    for d in range(first, last + 1):
        if alive(lid, d):
            size = max(10, round(base * rng.uniform(0.85, 1.15)))
            if lid == 4 and d >= 4:
                size = max(10, round(size * 0.6))
            if lid == 7 and d >= 6:
                size += 35
            sizes[(lid, d)] = size

lineages = []
for lid, (first, last, base, label, novel) in STORY.items():
    presence = [{"day_idx": d, "size": sizes[(lid, d)]} for d in range(N_DAYS) if (lid, d) in sizes]
    lineages.append({
        "id": lid,
        "presence": presence,
        "novel_on": first if novel else None,
        "majority_label": label,
    })

days = []
for d in range(N_DAYS):
    present = sorted(l for l in STORY if alive(l, d))
    t = {"survived": 0, "split": 0, "absorbed": 0, "disappeared": 0, "inactive": 0}
    n_emerged = n_novel = 0
    if d > 0:
        for l in (l for l in STORY if alive(l, d - 1)):
            kinds = [k for k, f, _, day in LINKS if f == l and day == d and k != "reidentified"]
            if kinds:
                t[kinds[0]] += 1
            elif alive(l, d):
                t["survived"] += 1
            elif l in INACTIVE:
                t["inactive"] += 1
            else:
                t["disappeared"] += 1
        split_targets = {to for k, _, to, day in LINKS if k == "split" and day == d}
        for l in present:
            if not alive(l, d - 1) and l not in split_targets:
                n_emerged += 1
                if STORY[l][4] and STORY[l][0] == d:
                    n_novel += 1
    else:
        n_emerged = len(present)
    cluster_sizes = [sizes[(l, d)] for l in present]
    silhouettes = [round(rng.uniform(0.05, 0.85), 3) for _ in present]
    if d == 3:
        silhouettes[-1] = None  # a cluster whose silhouette is undefined
    n_active = sum(cluster_sizes) + rng.randint(900, 1300)
    n_senders = n_active * 3 + rng.randint(0, 400)
    days.append({
        "day": DAYS[d],
        "n_packets": n_senders * 41 + rng.randint(0, 50_000),
        "n_senders": n_senders,
        "n_active": n_active,
        "n_clusters": len(present),
        "n_noise": n_active - sum(cluster_sizes),
        "transitions": t,
        "n_emerged": n_emerged,
        "n_novel": n_novel,
        "silhouettes": silhouettes,
        "cluster_sizes": cluster_sizes,
    })

links = [{"kind": k, "from": f, "to": to, "day_idx": day} for k, f, to, day in LINKS]

PROFILES = {
    15: (["8080/tcp", "8081/tcp", "8443/tcp"], 0.0),
    19: (["23/tcp", "2323/tcp"], 0.93),
    28: (["5555/tcp", "5554/tcp"], 0.12),
    29: (["5060/udp", "5061/udp"], 0.0),
    30: (["6379/tcp"], 0.0),
}
HOURLY_SHAPE = {
    15: lambda h: 1.0,
    19: lambda h: 1.0 + 0.5 * (h % 6 == 0),
    28: lambda h: 3.0 if 13 <= h <= 17 else 0.3,  # a burst in the afternoon
    29: lambda h: 1.0 if h < 8 else 0.1,
    30: lambda h: 2.0 if h in (2, 3, 14) else 0.0,
}


def address(lid, i):
    # Addresses from benchmark and documentation ranges, grouped by prefix.
    if lid == 29:
        return f"203.0.113.{10 + i}"
    return f"198.{18 + (i % 2)}.{lid * 3 + i % 4}.{(i * 37 + lid) % 250 + 1}"


novel_clusters = []
for lid, (services, mirai) in PROFILES.items():
    day = STORY[lid][0]
    size = sizes[(lid, day)]
    senders = [address(lid, i) for i in range(size)]
    if lid == 30:
        columns = [f"{h:02d}h" for h in range(24)]
        raster = [[rng.randint(20, 60) if HOURLY_SHAPE[30](h) > 0 and rng.random() < 0.8 else 0
                   for h in range(24)] for _ in senders]
    else:
        first_col = max(0, day - 6)
        columns = DAYS[first_col:day + 1]
        raster = []
        for i, _ in enumerate(senders):
            row = []
            for c in range(first_col, day + 1):
                active_before = (i % 5 == 0) and c >= day - 2
                p = rng.randint(6, 300) if c == day else (rng.randint(1, 8) if active_before else 0)
                row.append(p)
            raster.append(row)
    n_packets = sum(r[-1] for r in raster) if lid != 30 else sum(map(sum, raster))
    weights = [rng.uniform(0.5, 1.0) * HOURLY_SHAPE[lid](h) for h in range(24)]
    hourly = [round(n_packets * w / sum(weights)) for w in weights]
    hourly[max(range(24), key=lambda h: weights[h])] += n_packets - sum(hourly)
    shares = [0.7, 0.2, 0.1][:len(services)]
    top_services = [{"key": s, "n_packets": round(n_packets * w / sum(shares))} for s, w in zip(services, shares)]
    p24, p16 = {}, {}
    for s, row in zip(senders, raster):
        n = row[-1] if lid != 30 else sum(row)
        a = s.split(".")
        p24[f"{a[0]}.{a[1]}.{a[2]}.0/24"] = p24.get(f"{a[0]}.{a[1]}.{a[2]}.0/24", 0) + n
        p16[f"{a[0]}.{a[1]}.0.0/16"] = p16.get(f"{a[0]}.{a[1]}.0.0/16", 0) + n
    top = lambda m: [{"key": k, "n_packets": v} for k, v in sorted(m.items(), key=lambda kv: (-kv[1], kv[0]))[:5]]
    novel_clusters.append({
        "lineage_id": lid,
        "day_idx": day,
        "size": size,
        "silhouette": round(rng.uniform(0.3, 0.8), 3),
        "majority_label": None,
        "profile": {
            "n_packets": n_packets,
            "mirai_share": mirai,
            "top_services": top_services,
            "top_protocols": [{"key": services[0].split("/")[1], "n_packets": n_packets}],
            "top_prefixes24": top(p24),
            "top_prefixes16": top(p16),
            "activity": hourly,
        },
        "raster": {"columns": columns, "senders": senders, "n_packets": raster},
    })

run = {
    "name": "sample darknet /24",
    "tool_version": "darkdca 0.1.0",
    "preset": "paper",
    "params": [
        {"name": "min_packets", "value": "5"},
        {"name": "vector_size", "value": "200"},
        {"name": "window", "value": "25"},
        {"name": "epochs", "value": "1"},
        {"name": "min_cluster_size", "value": "10"},
        {"name": "match_threshold", "value": "0.65"},
        {"name": "split_threshold", "value": "0.3"},
    ],
    "state_format_version": 1,
    "generated_at": "2026-03-11T06:00:00Z",
    "sources": ["captures/2026-03-*.pcap.gz"],
}

out = {
    "schema_version": 1,
    "run": run,
    "days": days,
    "lineages": lineages,
    "links": links,
    "novel_clusters": novel_clusters,
}
with open("fixtures/report/sample_input.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
