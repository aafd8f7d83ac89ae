# nbody: the classic 5-body (Jovian planets) simulation with float
# arithmetic on object fields (Computer Language Benchmarks Game).
# Prints round(energy * 1e9) before and after, as integers.
import math


class Body:
    def __init__(self, x, y, z, vx, vy, vz, mass):
        self.x = x
        self.y = y
        self.z = z
        self.vx = vx
        self.vy = vy
        self.vz = vz
        self.mass = mass


def make_bodies():
    pi = 3.141592653589793
    solar_mass = 4.0 * pi * pi
    days_per_year = 365.24
    bodies = [
        Body(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, solar_mass),
        Body(4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
             1.66007664274403694e-03 * days_per_year, 7.69901118419740425e-03 * days_per_year,
             -6.90460016972063023e-05 * days_per_year, 9.54791938424326609e-04 * solar_mass),
        Body(8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
             -2.76742510726862411e-03 * days_per_year, 4.99852801234917238e-03 * days_per_year,
             2.30417297573763929e-05 * days_per_year, 2.85885980666130812e-04 * solar_mass),
        Body(1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
             2.96460137564761618e-03 * days_per_year, 2.37847173959480950e-03 * days_per_year,
             -2.96589568540237556e-05 * days_per_year, 4.36624404335156298e-05 * solar_mass),
        Body(1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
             2.68067772490389322e-03 * days_per_year, 1.62824170038242295e-03 * days_per_year,
             -9.51592254519715870e-05 * days_per_year, 5.15138902046611451e-05 * solar_mass),
    ]
    px = 0.0
    py = 0.0
    pz = 0.0
    for b in bodies:
        px = px + b.vx * b.mass
        py = py + b.vy * b.mass
        pz = pz + b.vz * b.mass
    sun = bodies[0]
    sun.vx = -px / solar_mass
    sun.vy = -py / solar_mass
    sun.vz = -pz / solar_mass
    return bodies


def advance(bodies, nbody, dt):
    for i in range(nbody):
        bi = bodies[i]
        bix = bi.x
        biy = bi.y
        biz = bi.z
        bimass = bi.mass
        bivx = bi.vx
        bivy = bi.vy
        bivz = bi.vz
        for j in range(i + 1, nbody):
            bj = bodies[j]
            dx = bix - bj.x
            dy = biy - bj.y
            dz = biz - bj.z
            d2 = dx * dx + dy * dy + dz * dz
            mag = dt / (d2 * math.sqrt(d2))
            bm = bj.mass * mag
            bivx = bivx - dx * bm
            bivy = bivy - dy * bm
            bivz = bivz - dz * bm
            bm = bimass * mag
            bj.vx = bj.vx + dx * bm
            bj.vy = bj.vy + dy * bm
            bj.vz = bj.vz + dz * bm
        bi.vx = bivx
        bi.vy = bivy
        bi.vz = bivz
        bi.x = bix + dt * bivx
        bi.y = biy + dt * bivy
        bi.z = biz + dt * bivz


def energy(bodies, nbody):
    e = 0.0
    for i in range(nbody):
        bi = bodies[i]
        vx = bi.vx
        vy = bi.vy
        vz = bi.vz
        bim = bi.mass
        e = e + 0.5 * bim * (vx * vx + vy * vy + vz * vz)
        for j in range(i + 1, nbody):
            bj = bodies[j]
            dx = bi.x - bj.x
            dy = bi.y - bj.y
            dz = bi.z - bj.z
            e = e - bim * bj.mass / math.sqrt(dx * dx + dy * dy + dz * dz)
    return e


def main():
    n = 500000  # @size 1000
    bodies = make_bodies()
    nbody = len(bodies)
    before = math.floor(energy(bodies, nbody) * 1e9 + 0.5)
    for i in range(n):
        advance(bodies, nbody, 0.01)
    after = math.floor(energy(bodies, nbody) * 1e9 + 0.5)
    print(before, after)


main()
