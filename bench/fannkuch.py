# fannkuch: fannkuch-redux (Computer Language Benchmarks Game): generate
# every permutation of 1..n and count the prefix reversals ("flips") until 1
# is in front; small-integer array reads, writes and swaps.
# Prints the alternating-sign checksum and the maximum flip count.


def fannkuch(n):
    perm = []
    perm1 = []
    count = []
    for i in range(n):
        perm.append(0)
        perm1.append(i)
        count.append(0)
    max_flips = 0
    checksum = 0
    perm_count = 0
    r = n
    while True:
        while r != 1:
            count[r - 1] = r
            r = r - 1
        for i in range(n):
            perm[i] = perm1[i]
        flips = 0
        k = perm[0]
        while k != 0:
            i = 0
            j = k
            while i < j:
                t = perm[i]
                perm[i] = perm[j]
                perm[j] = t
                i = i + 1
                j = j - 1
            flips = flips + 1
            k = perm[0]
        if flips > max_flips:
            max_flips = flips
        if perm_count % 2 == 0:
            checksum = checksum + flips
        else:
            checksum = checksum - flips
        # Next permutation.
        while True:
            if r == n:
                return checksum, max_flips
            perm0 = perm1[0]
            i = 0
            while i < r:
                perm1[i] = perm1[i + 1]
                i = i + 1
            perm1[r] = perm0
            count[r] = count[r] - 1
            if count[r] > 0:
                break
            r = r + 1
        perm_count = perm_count + 1


def main():
    n = 10  # @size 7
    checksum, max_flips = fannkuch(n)
    print(checksum, max_flips)


main()
