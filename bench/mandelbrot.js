// mandelbrot: float arithmetic in a tight loop (escape-time iterations
// over a size x size grid, summed).
function main() {
  const size = 500; // @size 40
  const maxIter = 100;
  let total = 0;
  let y = 0;
  while (y < size) {
    const ci = 2.0 * y / size - 1.0;
    let x = 0;
    while (x < size) {
      const cr = 2.5 * x / size - 2.0;
      let zr = 0.0;
      let zi = 0.0;
      let i = 0;
      while (i < maxIter) {
        const zr2 = zr * zr;
        const zi2 = zi * zi;
        if (zr2 + zi2 > 4.0) {
          break;
        }
        zi = 2.0 * zr * zi + ci;
        zr = zr2 - zi2 + cr;
        i += 1;
      }
      total += i;
      x += 1;
    }
    y += 1;
  }
  console.log(String(total));
}

main();
