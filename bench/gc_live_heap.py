# gc_live_heap: 2 million small objects kept alive while 20 million short-lived ones are allocated (compare gc_garbage).
def main():
    live = 2000000  # @size 1000
    garbage = 20000000  # @size 10000
    keep = []
    for i in range(live):
        keep.append({"v": i})
    acc = 0
    for i in range(garbage):
        o = {"v": i}
        acc = (acc + o["v"]) % 1000003
    print(acc + len(keep))


main()
