-- csv_totals: a report script over a CSV file. Writes 300,000 sales rows
-- (id,customer,region,quantity,price; a fixed pseudo-random sequence) to a
-- temporary file, reads it back whole as lines, splits every line and
-- totals quantity * price per customer and per region in tables.
local function split(s, sep)
  local out, n, start = {}, 0, 1
  while true do
    local i = string.find(s, sep, start, true)
    n = n + 1
    if not i then
      out[n] = string.sub(s, start)
      return out
    end
    out[n] = string.sub(s, start, i - 1)
    start = i + 1
  end
end

local function main()
  local rows = 300000 -- @size 2000
  local path = os.tmpname()
  local out = io.open(path, "w")
  out:write("id,customer,region,quantity,price\n")
  local seed = 42
  local chunk = ""
  for i = 0, rows - 1 do
    seed = seed * 48271 % 2147483647
    local customer = seed % 5000
    local region = math.floor(seed / 5000) % 8
    local quantity = math.floor(seed / 40000) % 20 + 1
    local price = math.floor(seed / 800000) % 1000 + 1
    chunk = chunk .. i .. ",c" .. customer .. ",r" .. region .. "," .. quantity .. "," .. price .. "\n"
    if i % 1000 == 999 then
      out:write(chunk)
      chunk = ""
    end
  end
  out:write(chunk)
  out:close()

  local by_customer = {}
  local by_region = {}
  local lines = {}
  for line in io.lines(path) do
    lines[#lines + 1] = line
  end
  local header = true
  for _, line in ipairs(lines) do
    if header then
      header = false
    else
      local fields = split(line, ",")
      local amount = tonumber(fields[4]) * tonumber(fields[5])
      local customer = fields[2]
      local sofar = by_customer[customer]
      if sofar == nil then
        by_customer[customer] = amount
      else
        by_customer[customer] = sofar + amount
      end
      local region = fields[3]
      local r = by_region[region]
      if r == nil then
        by_region[region] = amount
      else
        by_region[region] = r + amount
      end
    end
  end
  os.remove(path)
  local keys = {}
  for c in pairs(by_customer) do keys[#keys + 1] = c end
  table.sort(keys)
  local customers = 0
  local best = 0
  for _, c in ipairs(keys) do
    customers = customers + 1
    if by_customer[c] > best then
      best = by_customer[c]
    end
  end
  local total = 0
  for _, r in pairs(by_region) do
    total = total + r
  end
  print(string.format("%d %d %d", customers, best, total))
end

main()
