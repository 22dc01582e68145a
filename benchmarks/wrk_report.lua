-- Shared by get_person.lua and post_person.lua: Basic auth and a one-line JSON report.
-- bench_api.py reads the line that starts with "BENCH_JSON " from wrk's output.

-- base64("VibesUser:Password123"), the demo company's credentials; bench_api.py passes its own.
local auth = os.getenv("CATAPULT_BENCH_AUTH") or "Basic VmliZXNVc2VyOlBhc3N3b3JkMTIz"
wrk.headers["Authorization"] = auth

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,'
         .. '"non2xx":%d,"socket_errors":%d}\n',
      summary.requests, summary.duration,
      latency:percentile(50), latency:percentile(99), latency.max,
      e.status, e.connect + e.read + e.write + e.timeout))
end
