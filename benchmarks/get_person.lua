-- wrk script for GET person: the URL on the command line names the person; auth and report shared.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")
