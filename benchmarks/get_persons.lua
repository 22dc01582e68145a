-- wrk script for GET person across many persons: the keys come one per line from the file named by
-- CATAPULT_BENCH_KEYS, taken in turn by every thread (more of them than the simulator keeps in memory,
-- so each read goes to its store); the URL on the command line is the persons collection.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")

local keys = {}
for line in io.lines(os.getenv("CATAPULT_BENCH_KEYS")) do
   keys[#keys + 1] = line
end
local base = nil
local n = 0

function init(args)
   n = math.random(#keys)
end

function request()
   base = base or wrk.path
   n = n % #keys + 1
   return wrk.format("GET", base .. "/" .. keys[n])
end
