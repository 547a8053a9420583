#!/usr/bin/env python3
"""Convert topohub graphs (networkx node-link JSON) to the PCE topology format.

  topohub-convert.py DATA_DIR OUT_DIR [provider/name ...]

Each edge becomes a bidirectional link: IGP and TE metric = distance in km
(at least 1), delay = 5 us per km (light in fibre), 100 Gb/s reservable.
Nodes get router IDs 10.x.y.z by index and node SIDs 16000 + index;
adjacency SIDs are numbered per node from 24000.
"""
import glob
import json
import os
import sys


def convert(src, dst):
    g = json.load(open(src))
    nodes = g["nodes"]
    index = {n["id"]: i for i, n in enumerate(nodes)}
    names, out_nodes = set(), []
    for i, n in enumerate(nodes):
        name = str(n.get("name") or n["id"])
        if name in names:
            name = "%s-%d" % (name, i)
        names.add(name)
        out_nodes.append({
            "name": name,
            "router_id": "10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255),
            "node_sid": 16000 + i,
        })
    adj = [24000] * len(nodes)
    links, seen = [], set()
    for e in g.get("edges", g.get("links", [])):
        a, b = index.get(e["source"]), index.get(e["target"])
        if a is None or b is None or a == b or (min(a, b), max(a, b)) in seen:
            continue
        seen.add((min(a, b), max(a, b)))
        km = float(e.get("dist") or 1.0)
        metric = max(1, int(round(km)))
        links.append({
            "a": out_nodes[a]["name"], "b": out_nodes[b]["name"],
            "igp_metric": metric, "te_metric": metric,
            "delay_us": max(1, int(round(km * 5))),
            "bandwidth_bps": 100e9,
            "a_adj_sid": adj[a], "b_adj_sid": adj[b],
        })
        adj[a] += 1
        adj[b] += 1
    json.dump({"nodes": out_nodes, "links": links}, open(dst, "w"))
    return len(out_nodes), len(links)


def main():
    data, out = sys.argv[1], sys.argv[2]
    names = sys.argv[3:]
    if not names:
        names = ["sndlib/germany50", "sndlib/nobel-eu", "sndlib/janos-us"]
        for provider in ("topozoo", "caida"):
            files = glob.glob(os.path.join(data, provider, "**", "*.json"), recursive=True)
            sized = []
            for f in files:
                try:
                    sized.append((len(json.load(open(f)).get("nodes", [])), f))
                except (ValueError, OSError):
                    pass
            if sized:
                _, f = max(sized)
                names.append(os.path.relpath(f, data)[:-5])
    for name in names:
        src = os.path.join(data, name + ".json")
        dst = os.path.join(out, name.replace("/", "_") + ".json")
        n, m = convert(src, dst)
        print("%s: %d nodes, %d links -> %s" % (name, n, m, dst), file=sys.stderr)


if __name__ == "__main__":
    main()
