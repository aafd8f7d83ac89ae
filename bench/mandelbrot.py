# mandelbrot: float arithmetic in a tight loop (escape-time iterations
# over a size x size grid, summed).


def main():
    size = 500  # @size 40
    max_iter = 100
    total = 0
    y = 0
    while y < size:
        ci = 2.0 * y / size - 1.0
        x = 0
        while x < size:
            cr = 2.5 * x / size - 2.0
            zr = 0.0
            zi = 0.0
            i = 0
            while i < max_iter:
                zr2 = zr * zr
                zi2 = zi * zi
                if zr2 + zi2 > 4.0:
                    break
                zi = 2.0 * zr * zi + ci
                zr = zr2 - zi2 + cr
                i += 1
            total += i
            x += 1
        y += 1
    print(total)


main()
