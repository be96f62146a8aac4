-- Dose batches (POST /api/v1/vaccination/sites/{id}/doses/, or the floor /bench/insert-doses):
-- each batch holds `size` distinct people, dose 1, fresh client_ids; the wrk threads take
-- disjoint people (batch b of thread t of n: people (b * n + t) * size + 1 .. + size).
-- args: file of person ids (one a line), API token, site id, day (YYYY-MM-DD), lot, threads,
-- batch size, and a file to write what the items became (created, duplicate, rejected).
local people, token, site, day, lot, nthreads, size = {}, "", "", "", "", 2, 100
local batches = 0
-- A global (not local), so done() can read each thread's with thread:get.
counts = {created = 0, duplicate = 0, rejected = 0, bad = 0}
local threads = {}
math.randomseed(os.time())

function setup(thread)
  thread:set("seed", math.random(1, 2^30))
  thread:set("thread_index", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  for line in io.lines(args[1]) do if #line > 0 then people[#people + 1] = line end end
  token, site, day, lot = args[2], args[3], args[4], args[5]
  nthreads, size = tonumber(args[6]), tonumber(args[7])
  report_path = args[8]  -- a global: done() runs in the main state and reads it with thread:get
  math.randomseed((seed or 0) + os.time())
end

local function uuid4()
  return string.format("%08x-%04x-4%03x-%04x-%06x%06x", math.random(0, 0xffffffff), math.random(0, 0xffff),
    math.random(0, 0xfff), math.random(0x8000, 0xbfff), math.random(0, 0xffffff), math.random(0, 0xffffff))
end

request = function()
  local base = (batches * nthreads + (thread_index or 0)) * size
  batches = batches + 1
  local items = {}
  for k = 1, size do
    local person = people[(base + k - 1) % #people + 1]
    items[k] = '{"client_id":"' .. uuid4() .. '","person_id":' .. person ..
      ',"product":"EU/1/20/1528","manufacturer":"ORG-100030215","dose_number":1,"total_doses":2,' ..
      '"administered_on":"' .. day .. '","lot":"' .. lot .. '"}'
  end
  local body = '{"doses":[' .. table.concat(items, ",") .. ']}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Token " .. token}, body)
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
