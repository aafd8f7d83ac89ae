# json_roundtrip: build a nested document (objects, arrays, strings, ints,
# bools), then json.stringify / json.parse it repeatedly, each round parsing
# the previous round's output. The checksum is the total length of the texts
# plus a sum over the last parsed document.
# Compact output with sorted keys, as Langoost's json.stringify writes it.
import json


def make_doc(m):
    items = []
    for i in range(m):
        items.append({
            "active": i % 3 == 0,
            "id": i,
            "name": "item-" + str(i),
            "nested": {"x": i * 2, "y": [i, i + 1, i + 2]},
            "score": (i * 37) % 101,
            "tags": ["alpha", "beta", "t" + str(i % 10)],
        })
    return {"count": m, "items": items, "title": "benchmark \"document\""}


def main():
    m = 2000  # @size 50
    rounds = 40  # @size 3
    doc = make_doc(m)
    total = 0
    for r in range(rounds):
        text = json.dumps(doc, separators=(",", ":"), sort_keys=True)
        total = total + len(text)
        doc = json.loads(text)
    for it in doc["items"]:
        total = total + it["id"] + it["score"] + it["nested"]["y"][2] + len(it["tags"][2])
        if it["active"]:
            total = total + 1
    print(total + doc["count"])


main()
