import json, sys, time
text = open(sys.argv[1], encoding="utf-8").read()
mb = len(text.encode("utf-8")) / 1e6
reps = 5
t0 = time.monotonic()
for _ in range(reps): doc = json.loads(text)
t1 = time.monotonic()
for _ in range(reps): out = json.dumps(doc, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
t2 = time.monotonic()
print("parse", mb * reps / (t1 - t0))
print("stringify", len(out.encode("utf-8")) / 1e6 * reps / (t2 - t1))
print("count", doc["count"])
