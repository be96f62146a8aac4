-- A new person per request (a unique, valid citizen id), one in five with a symptom.
-- Each thread counts up from a random point of the 16 million ids (16 province prefixes x
-- 10^6 serials) drawn from the clock, so runs do not repeat earlier runs' people: a repeated
-- id is a returning person (another code path), not a first declaration. (Before, the
-- unseeded generator gave every run the same starting points, a few thousand apart.)
local prefixes = {"001","008","010","011","012","014","015","017","019","020","022","024","025","026","027","030"}
local wards = {}
local counter = 0
math.randomseed(os.time())

function setup(thread)
  thread:set("seed", math.random(1, 2^30))
end

function init(args)
  for code in string.gmatch(args[1] or "3388", "%d+") do wards[#wards + 1] = code end
  math.randomseed((seed or 0) + os.time())
  counter = math.random(0, #prefixes * 1000000 - 1)
end

request = function()
  counter = counter + 1
  local prefix = prefixes[counter % #prefixes + 1]
  local serial = string.format("%06d", math.floor(counter / #prefixes) % 1000000)
  local symptoms = (counter % 5 == 0) and '["cough"]' or '[]'
  local body = '{"kind":"daily","person":{"full_name":"Nguyễn Văn Thử","id_number":"' .. prefix .. '090' .. serial ..
    '","date_of_birth":"1990-05-17","gender":"male","phone":"0912345678","ward_code":' .. wards[counter % #wards + 1] ..
    ',"address":"Bản 1"},"symptoms":' .. symptoms .. ',"exposures":{"case_contact":false,"outbreak_zone":false,"abroad_14d":false}}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
