-- wrk script for POST person: every request adds a NEW person (a fresh MDN), so the simulator
-- measures its create path (insert + id + domain event), the heaviest thing a CRM sync sends.
-- MDN = "3" .. 2-digit run .. thread digit .. 6-digit sequence: unique across threads and runs, and
-- never the seeded person's number (which starts with 2).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local run = tonumber(os.getenv("CATAPULT_BENCH_RUN") or "0") % 100
local threads = 0

function setup(thread)
   thread:set("tid", threads % 10)
   threads = threads + 1
end

local seq = 0

function request()
   seq = seq + 1
   local mdn = string.format("3%02d%d%06d", run, tid or 0, seq % 1000000)
   local body = '{"mobile_phone":{"mdn":"' .. mdn .. '"},'
      .. '"custom_fields":{"first_name":"Ada","last_name":"Lovelace","loyalty_tier":"gold"}}'
   return wrk.format(nil, nil, nil, body)
end
