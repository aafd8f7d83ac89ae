# gc_garbage: the 20 million short-lived objects of gc_live_heap with no live heap.
def main():
    live = 0  # @size 0
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
