-- json_roundtrip: build a nested document (objects, arrays, strings, ints,
-- bools), then json.stringify / json.parse it repeatedly, each round parsing
-- the previous round's output. The checksum is the total length of the texts
-- plus a sum over the last parsed document.
-- Lua has no JSON library, so this file carries a small one (compact output,
-- sorted keys, like Langoost's json.stringify): Lua's time here is for a
-- codec written in Lua, not in C.

local byte, sub, find, concat = string.byte, string.sub, string.find, table.concat

local escapes = {['"'] = '\\"', ['\\'] = '\\\\', ['\n'] = '\\n', ['\r'] = '\\r',
                 ['\t'] = '\\t', ['\b'] = '\\b', ['\f'] = '\\f'}

local function escapeChar(c)
  return escapes[c] or string.format("\\u%04x", byte(c))
end

local encodeValue

local function encodeString(s, buf)
  buf[#buf + 1] = '"' .. (string.gsub(s, '[%c"\\]', escapeChar)) .. '"'
end

-- A table with t[1] is an array; any other table is an object.
function encodeValue(v, buf)
  local t = type(v)
  if t == "string" then
    encodeString(v, buf)
  elseif t == "number" then
    buf[#buf + 1] = string.format("%d", v)
  elseif t == "boolean" then
    buf[#buf + 1] = v and "true" or "false"
  elseif t == "table" then
    if v[1] ~= nil then
      buf[#buf + 1] = "["
      for i = 1, #v do
        if i > 1 then
          buf[#buf + 1] = ","
        end
        encodeValue(v[i], buf)
      end
      buf[#buf + 1] = "]"
    else
      local keys = {}
      for k in pairs(v) do
        keys[#keys + 1] = k
      end
      table.sort(keys)
      buf[#buf + 1] = "{"
      for i = 1, #keys do
        if i > 1 then
          buf[#buf + 1] = ","
        end
        encodeString(keys[i], buf)
        buf[#buf + 1] = ":"
        encodeValue(v[keys[i]], buf)
      end
      buf[#buf + 1] = "}"
    end
  else
    buf[#buf + 1] = "null"
  end
end

local function stringify(v)
  local buf = {}
  encodeValue(v, buf)
  return concat(buf)
end

local unescapes = {['"'] = '"', ['\\'] = '\\', ['/'] = '/', n = '\n', r = '\r',
                   t = '\t', b = '\b', f = '\f'}

local decodeValue

local function skipSpace(s, i)
  local c = byte(s, i)
  while c == 32 or c == 9 or c == 10 or c == 13 do
    i = i + 1
    c = byte(s, i)
  end
  return i
end

local function decodeString(s, i)
  -- s[i] is the opening quote
  local j = find(s, '["\\]', i + 1)
  if byte(s, j) == 34 then
    return sub(s, i + 1, j - 1), j + 1
  end
  local parts = {}
  local start = i + 1
  while true do
    j = find(s, '["\\]', start)
    parts[#parts + 1] = sub(s, start, j - 1)
    if byte(s, j) == 34 then
      return concat(parts), j + 1
    end
    local e = sub(s, j + 1, j + 1)
    if e == "u" then
      parts[#parts + 1] = string.char(tonumber(sub(s, j + 2, j + 5), 16))
      start = j + 6
    else
      parts[#parts + 1] = unescapes[e]
      start = j + 2
    end
  end
end

function decodeValue(s, i)
  i = skipSpace(s, i)
  local c = byte(s, i)
  if c == 123 then -- {
    local obj = {}
    i = skipSpace(s, i + 1)
    if byte(s, i) == 125 then
      return obj, i + 1
    end
    while true do
      local k
      k, i = decodeString(s, skipSpace(s, i))
      i = skipSpace(s, i) + 1 -- ':'
      obj[k], i = decodeValue(s, i)
      i = skipSpace(s, i)
      c = byte(s, i)
      i = i + 1
      if c == 125 then
        return obj, i
      end
    end
  elseif c == 91 then -- [
    local arr = {}
    i = skipSpace(s, i + 1)
    if byte(s, i) == 93 then
      return arr, i + 1
    end
    while true do
      arr[#arr + 1], i = decodeValue(s, i)
      i = skipSpace(s, i)
      c = byte(s, i)
      i = i + 1
      if c == 93 then
        return arr, i
      end
    end
  elseif c == 34 then
    return decodeString(s, i)
  elseif c == 116 then
    return true, i + 4
  elseif c == 102 then
    return false, i + 5
  elseif c == 110 then
    return nil, i + 4
  else
    local j = find(s, "[^-+0-9.eE]", i) or #s + 1
    return tonumber(sub(s, i, j - 1)), j
  end
end

local function parse(s)
  local v = decodeValue(s, 1)
  return v
end

local function makeDoc(m)
  local items = {}
  for i = 0, m - 1 do
    items[#items + 1] = {
      active = i % 3 == 0,
      id = i,
      name = "item-" .. i,
      nested = {x = i * 2, y = {i, i + 1, i + 2}},
      score = (i * 37) % 101,
      tags = {"alpha", "beta", "t" .. i % 10},
    }
  end
  return {count = m, items = items, title = "benchmark \"document\""}
end

local function main()
  local m = 2000 -- @size 50
  local rounds = 40 -- @size 3
  local doc = makeDoc(m)
  local total = 0
  for r = 0, rounds - 1 do
    local text = stringify(doc)
    total = total + #text
    doc = parse(text)
  end
  for k = 1, #doc.items do
    local it = doc.items[k]
    total = total + it.id + it.score + it.nested.y[3] + #it.tags[3]
    if it.active then
      total = total + 1
    end
  end
  print(string.format("%d", total + doc.count))
end

main()
