# arrays: push, indexed read/write and summation over large arrays.


def main():
    n = 2000000  # @size 1000
    passes = 20  # @size 2
    a = []
    for i in range(n):
        a.append((i * 7919) % 10007)
    b = []
    for i in range(n):
        b.append(a[n - 1 - i])
    for p in range(passes):
        for i in range(n):
            a[i] = (a[i] + b[i] + p) % 10007
    total = 0
    for i in range(n):
        total = total + a[i]
    print(total + len(a) + len(b))


main()
