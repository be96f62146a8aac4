-- Check-ins: a random known person at a random venue, a fresh client_id each time.
local tokens, venues = {}, {}
-- Seed the main state from the clock, so each run (and each thread) makes new client_ids:
-- a repeated client_id is a replay (200, nothing written), not a check-in.
math.randomseed(os.time())

local function lines(path)
  local out = {}
  for line in io.lines(path) do if #line > 0 then out[#out + 1] = line end end
  return out
end

function setup(thread)
  thread:set("seed", math.random(1, 2^30))
end

function init(args)
  tokens = lines(args[1] .. "/tokens.txt")
  venues = lines(args[1] .. "/venues.txt")
  math.randomseed((seed or 0) + os.time())
end

local function uuid4()
  local template = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
  return (string.gsub(template, "[xy]", function (c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

request = function()
  local body = '{"venue_code":"' .. venues[math.random(#venues)] .. '","qr_token":"' .. tokens[math.random(#tokens)] ..
    '","client_id":"' .. uuid4() .. '"}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
