-- binary_trees: allocate and walk complete binary trees of objects
-- (the classic from the Computer Language Benchmarks Game).
local Node = {}
Node.__index = Node

function Node:check()
  if self.left == nil then
    return 1
  end
  return 1 + self.left:check() + self.right:check()
end

local function bottomUp(depth)
  if depth == 0 then
    return setmetatable({}, Node)
  end
  return setmetatable({left = bottomUp(depth - 1), right = bottomUp(depth - 1)}, Node)
end

local function main()
  local n = 15 -- @size 6
  local minDepth = 4
  local maxDepth = n
  if minDepth + 2 > maxDepth then
    maxDepth = minDepth + 2
  end
  local total = bottomUp(maxDepth + 1):check()
  local longLived = bottomUp(maxDepth)
  local depth = minDepth
  while depth <= maxDepth do
    local iterations = 1
    for k = 0, maxDepth - depth + minDepth - 1 do
      iterations = iterations * 2
    end
    local check = 0
    for i = 0, iterations - 1 do
      check = check + bottomUp(depth):check()
    end
    total = total + check
    depth = depth + 2
  end
  total = total + longLived:check()
  print(total)
end

main()
