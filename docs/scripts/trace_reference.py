#!/usr/bin/env python3
"""Reference counts for darkdca-trace's real-data tests, from an independent reader.

Reads ../shared/fixtures-real with dpkt 1.9.8 (pcaps) and Python's csv/gzip
modules (CSV logs) and writes fixtures/trace/reference_counts.json.

Usage (from the workspace root):
    python3 -m venv /work/venv-trace && /work/venv-trace/bin/pip install dpkt==1.9.8
    /work/venv-trace/bin/python docs/scripts/trace_reference.py ../shared/fixtures-real \
        fixtures/trace/reference_counts.json
"""
import collections
import csv
import datetime
import gzip
import ipaddress
import json
import sys
from decimal import Decimal

import dpkt

DAY = 86400


def pcap_counts(path, raw, inbound_net=None):
    frames = ip = 0
    senders = collections.Counter()
    per_proto = collections.Counter()
    mirai = 0
    days = collections.defaultdict(lambda: [0, set()])
    inbound = 0
    inbound_senders = set()
    with open(path, "rb") as f:
        for ts, buf in dpkt.pcap.Reader(f):
            frames += 1
            try:
                pkt = dpkt.ip.IP(buf) if raw else dpkt.ethernet.Ethernet(buf).data
            except dpkt.UnpackError:
                continue
            if not isinstance(pkt, (dpkt.ip.IP, dpkt.ip6.IP6)):
                continue
            ip += 1
            src = ipaddress.ip_address(pkt.src)
            dst = ipaddress.ip_address(pkt.dst)
            senders[src] += 1
            per_proto[pkt.p if isinstance(pkt, dpkt.ip.IP) else pkt.nxt] += 1
            tcp = pkt.data
            if isinstance(tcp, dpkt.tcp.TCP) and tcp.flags & 0x12 == 0x02 and tcp.seq == int(dst):
                mirai += 1
            d = int(ts) // DAY
            days[d][0] += 1
            days[d][1].add(src)
            if inbound_net is not None and dst in inbound_net:
                inbound += 1
                inbound_senders.add(src)
    out = {
        "frames": frames,
        "ip_packets": ip,
        "senders": len(senders),
        "active_senders_gt5": sum(1 for n in senders.values() if n > 5),
        "tcp": per_proto[6], "udp": per_proto[17], "icmp": per_proto[1],
        "mirai_like_packets": mirai,
        "days": {str(d): {"packets": v[0], "senders": len(v[1])} for d, v in sorted(days.items())},
    }
    if inbound_net is not None:
        out["inbound_packets"] = inbound
        out["inbound_senders"] = len(inbound_senders)
    return out


def service_of(port, proto):
    """The service key and name of i-DarkVec's (dst_port, proto) pair."""
    p = int(proto)
    if p in (6, 17) and port != "-":
        return (0 if p == 6 else 1, int(port)), f"{int(port)}/{'tcp' if p == 6 else 'udp'}"
    names = {1: "icmp", 58: "icmpv6", 47: "gre", 6: "tcp", 17: "udp"}
    return (2, p), names.get(p, f"proto{p}")


def darkvec_counts(path, top_n=2500, min_pkts=5):
    with gzip.open(path, "rt", newline="") as f:
        rows = list(csv.DictReader(f))
    per_src = collections.Counter(r["src_ip"] for r in rows)
    active = {s for s, n in per_src.items() if n > min_pkts}
    kept = [r for r in rows if r["src_ip"] in active]
    svc = collections.Counter()
    for r in kept:
        svc[service_of(r["dst_port"], r["proto"])] += 1
    ranked = sorted(svc.items(), key=lambda kv: (-kv[1], kv[0][0]))
    top = {k for k, _ in ranked[:top_n]}
    # Stable sort by exact timestamp, then one sentence per service.
    kept.sort(key=lambda r: Decimal(r["ts"]))
    sentences = collections.OrderedDict()
    for r in kept:
        key = service_of(r["dst_port"], r["proto"])
        name_key = key if key in top else ((3, 0), "other")
        sentences.setdefault(name_key, []).append(r["src_ip"])
    corpus = []
    for (key, name), words in sorted(sentences.items(), key=lambda kv: kv[0][0]):
        collapsed = [w for i, w in enumerate(words) if i == 0 or words[i - 1] != w]
        corpus.append([name, collapsed])
    return {
        "rows": len(rows),
        "senders": len(per_src),
        "destinations": len({r["dst_ip"] for r in rows}),
        "active_senders_gt5": len(active),
        "mirai_column_rows": sum(1 for r in rows if r["mirai"] == "1"),
        "corpus_top2500": corpus,
    }


def marx_counts(path):
    days = collections.defaultdict(collections.Counter)
    rows = 0
    senders = set()
    protos = collections.Counter()
    with gzip.open(path, "rt", newline="") as f:
        for r in csv.DictReader(f):
            rows += 1
            t = datetime.datetime.strptime(r["datetime"], "%Y-%m-%d %H:%M:%S")
            t = t.replace(tzinfo=datetime.timezone.utc)
            d = int(t.timestamp()) // DAY
            days[d][int(r["src"])] += 1
            senders.add(int(r["src"]))
            protos[r["proto"]] += 1
    return {
        "rows": rows,
        "senders": len(senders),
        "tcp": protos["TCP"], "udp": protos["UDP"], "icmp": protos["ICMP"],
        "days": {
            str(d): {"packets": sum(c.values()), "senders": len(c),
                     "active_senders_gt5": sum(1 for n in c.values() if n > 5)}
            for d, c in sorted(days.items())
        },
    }


def main():
    root, out = sys.argv[1], sys.argv[2]
    ref = {
        "tool": f"dpkt {dpkt.__version__}, Python {sys.version.split()[0]} csv/gzip",
        "stopddos": pcap_counts(f"{root}/stopddos/amp.TCP.reflection.SYNACK.pcap", raw=False),
        "greynoise": pcap_counts(
            f"{root}/greynoise-noise-storm/brazil-storm-small-tcp-sample.pcap", raw=True,
            inbound_net=ipaddress.ip_network("172.16.0.0/12")),
        "darkvec_0501": darkvec_counts(f"{root}/darkvec/darknet01_20210501.csv.gz"),
        "darkvec_0502": darkvec_counts(f"{root}/darkvec/darknet01_20210502.csv.gz"),
        "marx": marx_counts(f"{root}/aws-honeypot-marx/marx.csv.gz"),
    }
    with open(out, "w") as f:
        json.dump(ref, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
