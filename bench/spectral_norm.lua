-- spectral_norm: the classic (Computer Language Benchmarks Game): power
-- iteration with the infinite matrix A(i,j) = 1/((i+j)(i+j+1)/2+i+1), float
-- arithmetic in nested loops over arrays. Prints round(norm * 1e9).

local function evalA(i, j)
  return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1)
end

local function multiplyAv(n, v, av)
  for i = 0, n - 1 do
    local sum = 0.0
    for j = 0, n - 1 do
      sum = sum + evalA(i, j) * v[j + 1]
    end
    av[i + 1] = sum
  end
end

local function multiplyAtv(n, v, atv)
  for i = 0, n - 1 do
    local sum = 0.0
    for j = 0, n - 1 do
      sum = sum + evalA(j, i) * v[j + 1]
    end
    atv[i + 1] = sum
  end
end

local function multiplyAtAv(n, v, out, tmp)
  multiplyAv(n, v, tmp)
  multiplyAtv(n, tmp, out)
end

-- Newton's method, written out so that every language does the same steps.
local function squareRoot(x)
  local r = 1.0
  for k = 0, 59 do
    r = (r + x / r) / 2.0
  end
  return r
end

local function main()
  local n = 800 -- @size 30
  local u = {}
  local v = {}
  local tmp = {}
  for i = 0, n - 1 do
    u[#u + 1] = 1.0
    v[#v + 1] = 0.0
    tmp[#tmp + 1] = 0.0
  end
  for i = 0, 9 do
    multiplyAtAv(n, u, v, tmp)
    multiplyAtAv(n, v, u, tmp)
  end
  local vBv = 0.0
  local vv = 0.0
  for i = 0, n - 1 do
    vBv = vBv + u[i + 1] * v[i + 1]
    vv = vv + v[i + 1] * v[i + 1]
  end
  print(string.format("%d", math.floor(squareRoot(vBv / vv) * 1e9 + 0.5)))
end

main()
