-- wrk script for `make bench`: extra request headers come from the command line (-H). When
-- the environment names a file in BENCH_COOKIES (one Cookie header value a line), each
-- request carries the next of those cookies in turn: the load of many signed-in people.
-- It counts every status code and prints one JSON line at the end:
--   BENCH_JSON {"requests":..,"duration_s":..,"rps":..,"latency_ms":{"p50":..,"p95":..,"p99":..},
--               "statuses":{"200":..},"errors":{"connect":..,"read":..,"write":..,"timeout":..}}
-- A page that answers anything but 2xx is not measured: run.py fails its line.

local threads = {}

function setup(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  requests_by_cookie = {}
  local path = os.getenv("BENCH_COOKIES")
  if path and path ~= "" then
    for cookie in io.lines(path) do
      local headers = {}
      for name, value in pairs(wrk.headers) do
        headers[name] = value
      end
      headers["Cookie"] = cookie
      table.insert(requests_by_cookie, wrk.format(nil, nil, headers))
    end
  end
  turn = offset or 0
end

if os.getenv("BENCH_COOKIES") and os.getenv("BENCH_COOKIES") ~= "" then
  function request()
    turn = turn % #requests_by_cookie + 1
    return requests_by_cookie[turn]
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do
      counts[code] = (counts[code] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(counts) do
    table.insert(parts, string.format('"%d":%d', code, n))
  end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_s":%.3f,"rps":%.2f,' ..
    '"latency_ms":{"p50":%.3f,"p95":%.3f,"p99":%.3f,"max":%.3f,"mean":%.3f},' ..
    '"statuses":{%s},"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d}}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000,
    table.concat(parts, ","), e.connect, e.read, e.write, e.timeout, e.status))
end
