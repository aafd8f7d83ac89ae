// nbody: the classic 5-body (Jovian planets) simulation with float
// arithmetic on object fields (Computer Language Benchmarks Game).
// Prints round(energy * 1e9) before and after, as integers.
class Body {
  constructor(x, y, z, vx, vy, vz, mass) {
    this.x = x;
    this.y = y;
    this.z = z;
    this.vx = vx;
    this.vy = vy;
    this.vz = vz;
    this.mass = mass;
  }
}

function makeBodies() {
  const pi = 3.141592653589793;
  const solarMass = 4.0 * pi * pi;
  const daysPerYear = 365.24;
  const bodies = [
    new Body(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, solarMass),
    new Body(4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
      1.66007664274403694e-03 * daysPerYear, 7.69901118419740425e-03 * daysPerYear,
      -6.90460016972063023e-05 * daysPerYear, 9.54791938424326609e-04 * solarMass),
    new Body(8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
      -2.76742510726862411e-03 * daysPerYear, 4.99852801234917238e-03 * daysPerYear,
      2.30417297573763929e-05 * daysPerYear, 2.85885980666130812e-04 * solarMass),
    new Body(1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
      2.96460137564761618e-03 * daysPerYear, 2.37847173959480950e-03 * daysPerYear,
      -2.96589568540237556e-05 * daysPerYear, 4.36624404335156298e-05 * solarMass),
    new Body(1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
      2.68067772490389322e-03 * daysPerYear, 1.62824170038242295e-03 * daysPerYear,
      -9.51592254519715870e-05 * daysPerYear, 5.15138902046611451e-05 * solarMass),
  ];
  let px = 0.0;
  let py = 0.0;
  let pz = 0.0;
  for (const b of bodies) {
    px = px + b.vx * b.mass;
    py = py + b.vy * b.mass;
    pz = pz + b.vz * b.mass;
  }
  const sun = bodies[0];
  sun.vx = -px / solarMass;
  sun.vy = -py / solarMass;
  sun.vz = -pz / solarMass;
  return bodies;
}

function advance(bodies, nbody, dt) {
  for (let i = 0; i < nbody; i++) {
    const bi = bodies[i];
    const bix = bi.x;
    const biy = bi.y;
    const biz = bi.z;
    const bimass = bi.mass;
    let bivx = bi.vx;
    let bivy = bi.vy;
    let bivz = bi.vz;
    for (let j = i + 1; j < nbody; j++) {
      const bj = bodies[j];
      const dx = bix - bj.x;
      const dy = biy - bj.y;
      const dz = biz - bj.z;
      const d2 = dx * dx + dy * dy + dz * dz;
      const mag = dt / (d2 * Math.sqrt(d2));
      let bm = bj.mass * mag;
      bivx = bivx - dx * bm;
      bivy = bivy - dy * bm;
      bivz = bivz - dz * bm;
      bm = bimass * mag;
      bj.vx = bj.vx + dx * bm;
      bj.vy = bj.vy + dy * bm;
      bj.vz = bj.vz + dz * bm;
    }
    bi.vx = bivx;
    bi.vy = bivy;
    bi.vz = bivz;
    bi.x = bix + dt * bivx;
    bi.y = biy + dt * bivy;
    bi.z = biz + dt * bivz;
  }
}

function energy(bodies, nbody) {
  let e = 0.0;
  for (let i = 0; i < nbody; i++) {
    const bi = bodies[i];
    const vx = bi.vx;
    const vy = bi.vy;
    const vz = bi.vz;
    const bim = bi.mass;
    e = e + 0.5 * bim * (vx * vx + vy * vy + vz * vz);
    for (let j = i + 1; j < nbody; j++) {
      const bj = bodies[j];
      const dx = bi.x - bj.x;
      const dy = bi.y - bj.y;
      const dz = bi.z - bj.z;
      e = e - bim * bj.mass / Math.sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return e;
}

function main() {
  const n = 500000; // @size 1000
  const bodies = makeBodies();
  const nbody = bodies.length;
  const before = Math.floor(energy(bodies, nbody) * 1e9 + 0.5);
  for (let i = 0; i < n; i++) {
    advance(bodies, nbody, 0.01);
  }
  const after = Math.floor(energy(bodies, nbody) * 1e9 + 0.5);
  console.log(before + " " + after);
}

main();
