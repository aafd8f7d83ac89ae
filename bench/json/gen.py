#!/usr/bin/env python3
"""Writes a deterministic ~20 MB JSON document (records with nested objects,
arrays, strings with escapes and unicode, ints and floats) to the given path."""
import json, random, sys

random.seed(7)
words = ["alpha", "beta", "gamma", "delta", "épsilon", "zeta\"q", "eta\\b", "θeta", "iota\n", "kappa"]
records = []
size = 0
i = 0
while size < 20_000_000:
    rec = {
        "id": i,
        "name": " ".join(random.choice(words) for _ in range(4)),
        "score": round(random.random() * 1000, 3),
        "active": random.random() < 0.5,
        "tags": [random.choice(words) for _ in range(5)],
        "pos": {"x": random.randint(-10**6, 10**6), "y": random.random(), "z": None},
        "history": [{"t": random.randint(0, 10**12), "v": random.random()} for _ in range(3)],
    }
    records.append(rec)
    size += 330
    i += 1
text = json.dumps({"records": records, "count": len(records)})
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write(text)
