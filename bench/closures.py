# closures: create adders/counters in a loop and call them many times.


def makeAdder(n):
    return lambda x: x + n


def makeCounter():
    c = 0

    def counter():
        nonlocal c
        c = c + 1
        return c

    return counter


def compose(f, g):
    return lambda x: f(g(x))


def main():
    n = 3000000  # @size 500
    adders = []
    for k in range(10):
        adders.append(makeAdder(k))
    total = 0
    for i in range(n):
        add = makeAdder(i % 7)
        counter = makeCounter()
        for j in range(3):
            counter()
        both = compose(add, adders[i % 10])
        total = total + add(counter()) + both(i % 100)
    print(total)


main()
