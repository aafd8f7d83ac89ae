# spectral_norm: the classic (Computer Language Benchmarks Game): power
# iteration with the infinite matrix A(i,j) = 1/((i+j)(i+j+1)/2+i+1), float
# arithmetic in nested loops over arrays. Prints round(norm * 1e9).


def eval_a(i, j):
    return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)


def multiply_av(n, v, av):
    for i in range(n):
        total = 0.0
        for j in range(n):
            total = total + eval_a(i, j) * v[j]
        av[i] = total


def multiply_atv(n, v, atv):
    for i in range(n):
        total = 0.0
        for j in range(n):
            total = total + eval_a(j, i) * v[j]
        atv[i] = total


def multiply_atav(n, v, out, tmp):
    multiply_av(n, v, tmp)
    multiply_atv(n, tmp, out)


# Newton's method, written out so that every language does the same steps.
def square_root(x):
    r = 1.0
    for k in range(60):
        r = (r + x / r) / 2.0
    return r


def main():
    n = 800  # @size 30
    u = []
    v = []
    tmp = []
    for i in range(n):
        u.append(1.0)
        v.append(0.0)
        tmp.append(0.0)
    for i in range(10):
        multiply_atav(n, u, v, tmp)
        multiply_atav(n, v, u, tmp)
    vbv = 0.0
    vv = 0.0
    for i in range(n):
        vbv = vbv + u[i] * v[i]
        vv = vv + v[i] * v[i]
    print(int(square_root(vbv / vv) * 1e9 + 0.5))


main()
