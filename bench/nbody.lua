-- nbody: the classic 5-body (Jovian planets) simulation with float
-- arithmetic on object fields (Computer Language Benchmarks Game).
-- Prints round(energy * 1e9) before and after, as integers.


local function makeBodies()
  local pi = 3.141592653589793
  local solarMass = 4.0 * pi * pi
  local daysPerYear = 365.24
  local bodies = {
    {x = 0.0, y = 0.0, z = 0.0, vx = 0.0, vy = 0.0, vz = 0.0, mass = solarMass},
    {x = 4.84143144246472090e+00, y = -1.16032004402742839e+00, z = -1.03622044471123109e-01,
     vx = 1.66007664274403694e-03 * daysPerYear, vy = 7.69901118419740425e-03 * daysPerYear,
     vz = -6.90460016972063023e-05 * daysPerYear, mass = 9.54791938424326609e-04 * solarMass},
    {x = 8.34336671824457987e+00, y = 4.12479856412430479e+00, z = -4.03523417114321381e-01,
     vx = -2.76742510726862411e-03 * daysPerYear, vy = 4.99852801234917238e-03 * daysPerYear,
     vz = 2.30417297573763929e-05 * daysPerYear, mass = 2.85885980666130812e-04 * solarMass},
    {x = 1.28943695621391310e+01, y = -1.51111514016986312e+01, z = -2.23307578892655734e-01,
     vx = 2.96460137564761618e-03 * daysPerYear, vy = 2.37847173959480950e-03 * daysPerYear,
     vz = -2.96589568540237556e-05 * daysPerYear, mass = 4.36624404335156298e-05 * solarMass},
    {x = 1.53796971148509165e+01, y = -2.59193146099879641e+01, z = 1.79258772950371181e-01,
     vx = 2.68067772490389322e-03 * daysPerYear, vy = 1.62824170038242295e-03 * daysPerYear,
     vz = -9.51592254519715870e-05 * daysPerYear, mass = 5.15138902046611451e-05 * solarMass},
  }
  local px = 0.0
  local py = 0.0
  local pz = 0.0
  for k = 1, #bodies do
    local b = bodies[k]
    px = px + b.vx * b.mass
    py = py + b.vy * b.mass
    pz = pz + b.vz * b.mass
  end
  local sun = bodies[1]
  sun.vx = -px / solarMass
  sun.vy = -py / solarMass
  sun.vz = -pz / solarMass
  return bodies
end

local function advance(bodies, nbody, dt)
  for i = 0, nbody - 1 do
    local bi = bodies[i + 1]
    local bix = bi.x
    local biy = bi.y
    local biz = bi.z
    local bimass = bi.mass
    local bivx = bi.vx
    local bivy = bi.vy
    local bivz = bi.vz
    for j = i + 1, nbody - 1 do
      local bj = bodies[j + 1]
      local dx = bix - bj.x
      local dy = biy - bj.y
      local dz = biz - bj.z
      local d2 = dx * dx + dy * dy + dz * dz
      local mag = dt / (d2 * math.sqrt(d2))
      local bm = bj.mass * mag
      bivx = bivx - dx * bm
      bivy = bivy - dy * bm
      bivz = bivz - dz * bm
      bm = bimass * mag
      bj.vx = bj.vx + dx * bm
      bj.vy = bj.vy + dy * bm
      bj.vz = bj.vz + dz * bm
    end
    bi.vx = bivx
    bi.vy = bivy
    bi.vz = bivz
    bi.x = bix + dt * bivx
    bi.y = biy + dt * bivy
    bi.z = biz + dt * bivz
  end
end

local function energy(bodies, nbody)
  local e = 0.0
  for i = 0, nbody - 1 do
    local bi = bodies[i + 1]
    local vx = bi.vx
    local vy = bi.vy
    local vz = bi.vz
    local bim = bi.mass
    e = e + 0.5 * bim * (vx * vx + vy * vy + vz * vz)
    for j = i + 1, nbody - 1 do
      local bj = bodies[j + 1]
      local dx = bi.x - bj.x
      local dy = bi.y - bj.y
      local dz = bi.z - bj.z
      e = e - bim * bj.mass / math.sqrt(dx * dx + dy * dy + dz * dz)
    end
  end
  return e
end

local function main()
  local n = 500000 -- @size 1000
  local bodies = makeBodies()
  local nbody = #bodies
  local before = math.floor(energy(bodies, nbody) * 1e9 + 0.5)
  for i = 0, n - 1 do
    advance(bodies, nbody, 0.01)
  end
  local after = math.floor(energy(bodies, nbody) * 1e9 + 0.5)
  print(string.format("%d %d", before, after))
end

main()
