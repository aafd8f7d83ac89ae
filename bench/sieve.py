# sieve: count the primes up to n with a sieve of Eratosthenes, several
# rounds (filling a fresh n-element array, then indexed loads and stores).


def main():
    n = 1000000  # @size 1000
    rounds = 10  # @size 2
    total = 0
    for r in range(rounds):
        composite = [False] * (n + 1)
        count = 0
        for i in range(2, n + 1):
            if not composite[i]:
                count += 1
                j = i * i
                while j <= n:
                    composite[j] = True
                    j += i
        total += count
    print(total)


main()
