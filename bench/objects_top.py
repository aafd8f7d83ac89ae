# objects_top: the objects benchmark written at top level (no main function):
# string-keyed map insert, lookup (half misses) and update.

n = 200000  # @size 1000
o = {}
for i in range(n):
    o["k" + str(i)] = i
total = 0
misses = 0
for r in range(3):
    for i in range(2 * n):
        v = o.get("k" + str(i))
        if v is not None:
            total = total + v
        else:
            misses = misses + 1
for i in range(0, n, 2):
    k = "k" + str(i)
    o[k] = o[k] * 3 + 1
after = 0
for i in range(n):
    after = after + o["k" + str(i)]
print(total + misses + after)
