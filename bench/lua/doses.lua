-- Doses: each request a different person at the bench site, dose 1, a fresh client_id;
-- every wrk thread takes its own people (thread i of n: i, i + n, i + 2n ... of the file).
-- args: file of person ids (one a line), API token, site id, day (YYYY-MM-DD), lot, threads.
local people, token, site, day, lot, nthreads
local counter = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_index", #threads - 1)
end

function init(args)
  people = {}
  for line in io.lines(args[1]) do if #line > 0 then people[#people + 1] = line end end
  token, site, day, lot, nthreads = args[2], args[3], args[4], args[5], tonumber(args[6])
  math.randomseed(os.time() * 1000 + (thread_index or 0))
end

local function uuid4()
  local template = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
  return (string.gsub(template, "[xy]", function (c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

function request()
  local person = people[(counter * nthreads + (thread_index or 0)) % #people + 1]
  counter = counter + 1
  local body = '{"person_id":' .. person .. ',"product":"EU/1/20/1528","manufacturer":"ORG-100030215",' ..
    '"dose_number":1,"total_doses":2,"administered_on":"' .. day .. '","site_id":' .. site ..
    ',"lot":"' .. lot .. '","client_id":"' .. uuid4() .. '"}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Token " .. token}, body)
end
