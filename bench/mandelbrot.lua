-- mandelbrot: float arithmetic in a tight loop (escape-time iterations
-- over a size x size grid, summed).
local function main()
  local size = 500 -- @size 40
  local maxIter = 100
  local total = 0
  local y = 0
  while y < size do
    local ci = 2.0 * y / size - 1.0
    local x = 0
    while x < size do
      local cr = 2.5 * x / size - 2.0
      local zr = 0.0
      local zi = 0.0
      local i = 0
      while i < maxIter do
        local zr2 = zr * zr
        local zi2 = zi * zi
        if zr2 + zi2 > 4.0 then
          break
        end
        zi = 2.0 * zr * zi + ci
        zr = zr2 - zi2 + cr
        i = i + 1
      end
      total = total + i
      x = x + 1
    end
    y = y + 1
  end
  print(total)
end

main()
