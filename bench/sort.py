# sort: sort 1,000,000 pseudo-random ints (Park-Miller "minimal standard"
# LCG, whose products stay below 2^53) with the builtin sort; the checksum
# is the sum of every 1000th element of the sorted array plus the last one.


def main():
    n = 1000000  # @size 5000
    a = []
    x = 42
    for i in range(n):
        x = (x * 16807) % 2147483647
        a.append(x)
    a.sort()
    total = 0
    for i in range(0, n, 1000):
        total = total + a[i]
    print(total + a[n - 1])


main()
