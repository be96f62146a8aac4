-- Readings with a snapshot: the body file's JSON with a fresh client_id each request.
-- args: the body file (with the text CLIENT_ID where the id goes), the device key.
local body, key
local counter = 0
local threads = {}
-- thread_id is a global: setup() sets it in each thread's state before init() runs (a local
-- here would shadow it, every thread would seed alike and send the same client_ids).
thread_id = 0

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  local file = io.open(args[1], "r")
  body = file:read("*a")
  file:close()
  key = args[2]
  math.randomseed(os.time() * 1000 + thread_id)
end

local function uuid()
  local template = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
  return (string.gsub(template, "[xy]", function(c)
    local v = (c == "x") and math.random(0, 0xf) or math.random(8, 0xb)
    return string.format("%x", v)
  end))
end

function request()
  counter = counter + 1
  local text = string.gsub(body, "CLIENT_ID", uuid(), 1)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Device " .. key}, text)
end
