-- richards: Martin Richards' OS task-scheduler simulation (the version in
-- the Octane / V8 benchmark suite): objects, method calls, linked lists.
-- The task state bits and the idle task's "xor 0xD008" use plain arithmetic
-- (no bitwise operators) so that the Lua 5.1 version is the same algorithm.
-- Prints the total queue count and hold count over all iterations.
-- Classes are tables with a metatable (__index = the class table).

local ID_IDLE = 0
local ID_WORKER = 1
local ID_HANDLER_A = 2
local ID_HANDLER_B = 3
local ID_DEVICE_A = 4
local ID_DEVICE_B = 5
local NUMBER_OF_IDS = 6
local KIND_DEVICE = 0
local KIND_WORK = 1
local DATA_SIZE = 4
local STATE_RUNNING = 0
local STATE_RUNNABLE = 1
local STATE_SUSPENDED = 2
local STATE_HELD = 4
local STATE_SUSPENDED_RUNNABLE = 3

-- x with the bit of value p (a power of two) flipped.
local function toggleBit(x, p)
  if x % (2 * p) >= p then
    return x - p
  end
  return x + p
end

local Scheduler = {}
Scheduler.__index = Scheduler
local TaskControlBlock = {}
TaskControlBlock.__index = TaskControlBlock
local IdleTask = {}
IdleTask.__index = IdleTask
local DeviceTask = {}
DeviceTask.__index = DeviceTask
local WorkerTask = {}
WorkerTask.__index = WorkerTask
local HandlerTask = {}
HandlerTask.__index = HandlerTask
local Packet = {}
Packet.__index = Packet

local function newScheduler()
  local blocks = {}
  for i = 0, NUMBER_OF_IDS - 1 do
    blocks[i + 1] = false
  end
  return setmetatable({queueCount = 0, holdCount = 0, blocks = blocks, list = nil,
                       currentTcb = nil, currentId = nil}, Scheduler)
end

local function newTaskControlBlock(link, id, priority, queue, task)
  local state = STATE_SUSPENDED_RUNNABLE
  if queue == nil then
    state = STATE_SUSPENDED
  end
  return setmetatable({link = link, id = id, priority = priority, queue = queue,
                       task = task, state = state}, TaskControlBlock)
end

function Scheduler:addIdleTask(id, priority, queue, count)
  self:addRunningTask(id, priority, queue,
    setmetatable({scheduler = self, v1 = 1, count = count}, IdleTask))
end

function Scheduler:addWorkerTask(id, priority, queue)
  self:addTask(id, priority, queue,
    setmetatable({scheduler = self, v1 = ID_HANDLER_A, v2 = 0}, WorkerTask))
end

function Scheduler:addHandlerTask(id, priority, queue)
  self:addTask(id, priority, queue,
    setmetatable({scheduler = self, v1 = nil, v2 = nil}, HandlerTask))
end

function Scheduler:addDeviceTask(id, priority, queue)
  self:addTask(id, priority, queue, setmetatable({scheduler = self, v1 = nil}, DeviceTask))
end

function Scheduler:addRunningTask(id, priority, queue, task)
  self:addTask(id, priority, queue, task)
  self.currentTcb:setRunning()
end

function Scheduler:addTask(id, priority, queue, task)
  self.currentTcb = newTaskControlBlock(self.list, id, priority, queue, task)
  self.list = self.currentTcb
  self.blocks[id + 1] = self.currentTcb
end

function Scheduler:schedule()
  self.currentTcb = self.list
  while self.currentTcb ~= nil do
    if self.currentTcb:isHeldOrSuspended() then
      self.currentTcb = self.currentTcb.link
    else
      self.currentId = self.currentTcb.id
      self.currentTcb = self.currentTcb:run()
    end
  end
end

-- blocks[] holds false for "no task" (a nil would end the Lua array).
function Scheduler:release(id)
  local tcb = self.blocks[id + 1]
  if not tcb then
    return nil
  end
  tcb:markAsNotHeld()
  if tcb.priority > self.currentTcb.priority then
    return tcb
  end
  return self.currentTcb
end

function Scheduler:holdCurrent()
  self.holdCount = self.holdCount + 1
  self.currentTcb:markAsHeld()
  return self.currentTcb.link
end

function Scheduler:suspendCurrent()
  self.currentTcb:markAsSuspended()
  return self.currentTcb
end

function Scheduler:queue(packet)
  local t = self.blocks[packet.id + 1]
  if not t then
    return nil
  end
  self.queueCount = self.queueCount + 1
  packet.link = nil
  packet.id = self.currentId
  return t:checkPriorityAdd(self.currentTcb, packet)
end

function TaskControlBlock:setRunning()
  self.state = STATE_RUNNING
end

function TaskControlBlock:markAsNotHeld()
  if self.state >= STATE_HELD then
    self.state = self.state - STATE_HELD
  end
end

function TaskControlBlock:markAsHeld()
  if self.state < STATE_HELD then
    self.state = self.state + STATE_HELD
  end
end

function TaskControlBlock:isHeldOrSuspended()
  return self.state >= STATE_HELD or self.state == STATE_SUSPENDED
end

function TaskControlBlock:markAsSuspended()
  if self.state % 4 < STATE_SUSPENDED then
    self.state = self.state + STATE_SUSPENDED
  end
end

function TaskControlBlock:markAsRunnable()
  if self.state % 2 == 0 then
    self.state = self.state + STATE_RUNNABLE
  end
end

function TaskControlBlock:run()
  local packet = nil
  if self.state == STATE_SUSPENDED_RUNNABLE then
    packet = self.queue
    self.queue = packet.link
    if self.queue == nil then
      self.state = STATE_RUNNING
    else
      self.state = STATE_RUNNABLE
    end
  end
  return self.task:run(packet)
end

function TaskControlBlock:checkPriorityAdd(task, packet)
  if self.queue == nil then
    self.queue = packet
    self:markAsRunnable()
    if self.priority > task.priority then
      return self
    end
  else
    self.queue = packet:addTo(self.queue)
  end
  return task
end

function IdleTask:run(packet)
  self.count = self.count - 1
  if self.count == 0 then
    return self.scheduler:holdCurrent()
  end
  if self.v1 % 2 == 0 then
    self.v1 = math.floor(self.v1 / 2)
    return self.scheduler:release(ID_DEVICE_A)
  end
  -- v1 = (v1 >> 1) ^ 0xD008
  local v = math.floor((self.v1 - 1) / 2)
  v = toggleBit(toggleBit(toggleBit(toggleBit(v, 32768), 16384), 4096), 8)
  self.v1 = v
  return self.scheduler:release(ID_DEVICE_B)
end

function DeviceTask:run(packet)
  if packet == nil then
    if self.v1 == nil then
      return self.scheduler:suspendCurrent()
    end
    local v = self.v1
    self.v1 = nil
    return self.scheduler:queue(v)
  end
  self.v1 = packet
  return self.scheduler:holdCurrent()
end

function WorkerTask:run(packet)
  if packet == nil then
    return self.scheduler:suspendCurrent()
  end
  if self.v1 == ID_HANDLER_A then
    self.v1 = ID_HANDLER_B
  else
    self.v1 = ID_HANDLER_A
  end
  packet.id = self.v1
  packet.a1 = 0
  for i = 0, DATA_SIZE - 1 do
    self.v2 = self.v2 + 1
    if self.v2 > 26 then
      self.v2 = 1
    end
    packet.a2[i + 1] = self.v2
  end
  return self.scheduler:queue(packet)
end

function HandlerTask:run(packet)
  if packet ~= nil then
    if packet.kind == KIND_WORK then
      self.v1 = packet:addTo(self.v1)
    else
      self.v2 = packet:addTo(self.v2)
    end
  end
  if self.v1 ~= nil then
    local count = self.v1.a1
    if count < DATA_SIZE then
      if self.v2 ~= nil then
        local v = self.v2
        self.v2 = self.v2.link
        v.a1 = self.v1.a2[count + 1]
        self.v1.a1 = count + 1
        return self.scheduler:queue(v)
      end
    else
      local v = self.v1
      self.v1 = self.v1.link
      return self.scheduler:queue(v)
    end
  end
  return self.scheduler:suspendCurrent()
end

function Packet:addTo(queue)
  self.link = nil
  if queue == nil then
    return self
  end
  local next = queue
  local peek = next.link
  while peek ~= nil do
    next = peek
    peek = next.link
  end
  next.link = self
  return queue
end

local function newPacket(link, id, kind)
  local a2 = {}
  for i = 0, DATA_SIZE - 1 do
    a2[i + 1] = 0
  end
  return setmetatable({link = link, id = id, kind = kind, a1 = 0, a2 = a2}, Packet)
end

local function runRichards()
  local scheduler = newScheduler()
  scheduler:addIdleTask(ID_IDLE, 0, nil, 1000)

  local queue = newPacket(nil, ID_WORKER, KIND_WORK)
  queue = newPacket(queue, ID_WORKER, KIND_WORK)
  scheduler:addWorkerTask(ID_WORKER, 1000, queue)

  queue = newPacket(nil, ID_DEVICE_A, KIND_DEVICE)
  queue = newPacket(queue, ID_DEVICE_A, KIND_DEVICE)
  queue = newPacket(queue, ID_DEVICE_A, KIND_DEVICE)
  scheduler:addHandlerTask(ID_HANDLER_A, 2000, queue)

  queue = newPacket(nil, ID_DEVICE_B, KIND_DEVICE)
  queue = newPacket(queue, ID_DEVICE_B, KIND_DEVICE)
  queue = newPacket(queue, ID_DEVICE_B, KIND_DEVICE)
  scheduler:addHandlerTask(ID_HANDLER_B, 3000, queue)

  scheduler:addDeviceTask(ID_DEVICE_A, 4000, nil)
  scheduler:addDeviceTask(ID_DEVICE_B, 5000, nil)

  scheduler:schedule()
  return scheduler.queueCount, scheduler.holdCount
end

local function main()
  local iterations = 400 -- @size 2
  local queueTotal = 0
  local holdTotal = 0
  for i = 0, iterations - 1 do
    local q, h = runRichards()
    queueTotal = queueTotal + q
    holdTotal = holdTotal + h
  end
  print(queueTotal .. " " .. holdTotal)
end

main()
