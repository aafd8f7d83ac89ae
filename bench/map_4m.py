# map_4m: an object used as a hash map at scale: insert 4,000,000 string
# keys "k" + i, look every one up, then 4,000,000 lookups of which half miss.


def main():
    n = 4000000  # @size 5000
    o = {}
    for i in range(n):
        o["k" + str(i)] = i
    total = 0
    for i in range(n):
        total = total + o["k" + str(i)]
    misses = 0
    half = n // 2
    for i in range(n):
        v = o.get("k" + str(i + half))
        if v is not None:
            total = total + v
        else:
            misses = misses + 1
    print(total + misses)


main()
