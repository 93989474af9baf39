-- One class of bench/api's mixed load, for one wrk process: which requests it sends is chosen by
-- the environment (CLASS, TARGETS: a file of request paths, one a line, picked at random; for the
-- reports class TOKEN and REPORT_TARGETS, a file of "LOCATION DATE" lines), its pace by DELAY_MS
-- (the wait of each connection after an answer, so a class holds a rate instead of saturating).
-- done() prints one line that bench/api/run reads: class, requests, seconds, errors, latencies.
local class = os.getenv("CLASS")
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")
local token = os.getenv("TOKEN")

local function lines_of(path)
  local out = {}
  for line in io.lines(path) do
    if line ~= "" then out[#out + 1] = line end
  end
  return out
end

local targets = lines_of(os.getenv("TARGETS"))
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter * 7919 + os.time())
end

function init(args)
  math.randomseed(seed or os.time())
end

function delay()
  return delay_ms
end

function request()
  local target = targets[math.random(#targets)]
  if class ~= "reports" then
    local headers = {}
    if target:find("format=csv", 1, true) then headers["Accept"] = "text/csv" end
    return wrk.format("GET", target, headers)
  end
  -- A figure for a recent day of a country, with a value that differs from the stored one, so
  -- every report commits a new revision of a series the readers are reading.
  local location, date = target:match("^(%S+) (%S+)$")
  local body = "location,indicator,date,value\n" .. location .. ",cases," .. date .. "," ..
               math.random(0, 100000) .. "\n"
  return wrk.format("POST", "/api/v1/reports?source=jhu",
                    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "text/csv"}, body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  -- Socket errors (connect, read, write, timeout) count with the non-2xx/3xx answers.
  local failed = errors.status + errors.connect + errors.read + errors.write + errors.timeout
  io.write(string.format("RESULT %s %d %.3f %d %.3f %.3f %.3f %d\n", class, summary.requests,
                         summary.duration / 1e6, failed, latency:percentile(50) / 1000,
                         latency:percentile(99) / 1000, latency.max / 1000, summary.bytes))
end
