-- strings_top: the strings benchmark written at top level (no main function):
-- build a line by concatenation, split it, join it, compare pieces.
local function split(s, sep)
  local parts = {}
  local n = 0
  local start = 1
  local seplen = #sep
  while true do
    local i = string.find(s, sep, start, true)
    if i == nil then break end
    n = n + 1
    parts[n] = string.sub(s, start, i - 1)
    start = i + seplen
  end
  n = n + 1
  parts[n] = string.sub(s, start)
  return parts, n
end

local rounds = 60000 -- @size 20
local total = 0
for r = 0, rounds - 1 do
  local s = ""
  for i = 0, 49 do
    s = s .. "w" .. (i + r % 10) .. ","
  end
  local parts, np = split(s, ",")
  local joined = table.concat(parts, ";")
  local hits = 0
  for k = 1, np do
    if parts[k] == "w12" then
      hits = hits + 1
    end
  end
  total = total + #s + #joined + np + hits
end
print(total)
