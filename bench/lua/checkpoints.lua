-- Checkpoint scans: batches as tablets sync them (POST /api/v1/checkpoints/{id}/scans/).
-- args: data directory (tokens.txt, ids.txt, key.txt from prepare_checkpoints.py), batch size,
-- and a file to write what the items became (created, duplicate, rejected).
-- Each batch holds distinct people: consecutive tokens of the shuffled list, each thread
-- walking it from its own clock-seeded point. Every item has a fresh random client_id (a
-- repeated one is a replay, which writes nothing). One item in 50 is an id number typed in
-- by staff; one in 10 has a temperature (some at 37.5 or above: a fever); one in 7 a plate.
local tokens, ids, key = {}, {}, ""
local size, cursor, typed = 500, 0, 0
-- A global (not local), so done() can read each thread's with thread:get.
counts = {created = 0, duplicate = 0, rejected = 0, bad = 0}
local threads = {}
math.randomseed(os.time())

local function lines(path)
  local out = {}
  for line in io.lines(path) do if #line > 0 then out[#out + 1] = line end end
  return out
end

function setup(thread)
  thread:set("seed", math.random(1, 2^30))
  thread:set("thread_no", #threads + 1)
  threads[#threads + 1] = thread
end

function init(args)
  tokens = lines(args[1] .. "/tokens.txt")
  ids = lines(args[1] .. "/ids.txt")
  key = lines(args[1] .. "/key.txt")[1]
  size = tonumber(args[2] or "500")
  report_path = args[3]  -- a global: done() runs in the main state and reads it with thread:get
  math.randomseed((seed or 0) + os.time())
  cursor = math.random(0, #tokens - 1)
  typed = math.random(0, #ids - 1)
end

local function uuid4()
  return string.format("%08x-%04x-4%03x-%04x-%06x%06x", math.random(0, 0xffffffff), math.random(0, 0xffff),
    math.random(0, 0xfff), math.random(0x8000, 0xbfff), math.random(0, 0xffffff), math.random(0, 0xffffff))
end

request = function()
  -- Half a minute ago, in UTC with its offset (as a tablet's clock writes it).
  local at = os.date("!%Y-%m-%dT%H:%M:%S+00:00", os.time() - 30)
  local items = {}
  for n = 1, size do
    local who
    if n % 50 == 0 then
      typed = typed % #ids + 1
      who = '"id_number":"' .. ids[typed] .. '"'
    else
      cursor = cursor % #tokens + 1
      who = '"qr_token":"' .. tokens[cursor] .. '"'
    end
    local extra = ""
    if n % 10 == 3 then extra = extra .. ',"temperature":' .. string.format("%.1f", 36.0 + math.random(0, 17) / 10) end
    if n % 7 == 1 then extra = extra .. ',"vehicle_plate":"29A-123.45","vehicle_type":"motorbike"' end
    items[n] = '{"client_id":"' .. uuid4() .. '","direction":"' .. (n % 2 == 0 and "out" or "in") ..
      '","scanned_at":"' .. at .. '",' .. who .. extra .. '}'
  end
  local body = '{"tablet_id":"bench-tablet-' .. (thread_no or 0) .. '","pending":0,"scans":[' ..
    table.concat(items, ",") .. ']}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Token " .. key}, body)
end

local function count(body, word)
  local _, n = string.gsub(body, '"status":"' .. word .. '"', "")
  return n
end

response = function(status, headers, body)
  if status ~= 200 then
    counts.bad = counts.bad + 1
    return
  end
  counts.created = counts.created + count(body, "created")
  counts.duplicate = counts.duplicate + count(body, "duplicate")
  counts.rejected = counts.rejected + count(body, "rejected")
end

function done(summary, latency, requests)
  local total = {created = 0, duplicate = 0, rejected = 0, bad = 0}
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for k, v in pairs(c) do total[k] = total[k] + v end
  end
  local line = string.format("created %d, duplicate %d, rejected %d; non-200 batches %d",
    total.created, total.duplicate, total.rejected, total.bad)
  io.write(line .. "\n")
  local report = threads[1] and threads[1]:get("report_path")
  if report then
    local f = io.open(report, "w")
    f:write(line .. "\n")
    f:close()
  end
end
