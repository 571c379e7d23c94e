-- bench/intake.lua - wrk script for bench/intake: POST /api/v1/events as
-- grid workers, cycling through their points (each in the reporter's own
-- community), each request with an Idempotency-Key of its own.
--   wrk ... -s bench/intake.lua URL -- POINTS_FILE
-- POINTS_FILE: "token lon lat" per line (bench/intake-points.mjs). Counts the
-- answers by status and prints them at the end (the script checks them
-- against the rows stored).
local points = {}
local i = 0
local n = 0
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  local file = args[1] or error("intake.lua: a points file is expected after --")
  for line in io.lines(file) do
    local token, lon, lat = line:match("^(%S+)%s+(%S+)%s+(%S+)$")
    if lat then points[#points + 1] = {lon, lat, "Bearer " .. token} end
  end
  if #points == 0 then error("intake.lua: " .. file .. " holds no points") end
  i = math.random(#points) - 1
  created, replayed, other = 0, 0, 0
end

local run = os.getenv("WRK_RUN") or tostring(os.time())
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local cats = {"csgl.srhj", "csgl.jmzx", "xf.ddcd", "msfw.ssgz", "mdjf.lljf", "za.ldrk"}

function request()
  i = i % #points + 1
  n = n + 1
  local p = points[i]
  local body = string.format(
    '{"category":"%s","description":"压测上报 %d","lon":%s,"lat":%s,"address":"白云区压测路%d号"}',
    cats[n % #cats + 1], n, p[1], p[2], n)
  wrk.headers["Authorization"] = p[3]
  wrk.headers["Idempotency-Key"] = string.format("bench-%s-%d-%d", run, tid, n)
  return wrk.format(nil, "/api/v1/events", nil, body)
end

function response(status, headers, body)
  if status == 201 then created = created + 1
  elseif status == 200 then replayed = replayed + 1
  else
    other = other + 1
    if other <= 3 then io.stderr:write("intake.lua: " .. status .. " " .. body:sub(1, 200) .. "\n") end
  end
end

function done(summary, latency, requests)
  local c, r, o = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    r = r + t:get("replayed")
    o = o + t:get("other")
  end
  io.write(string.format("answers: created=%d replayed=%d other=%d\n", c, r, o))
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("latency p%s: %.2f ms\n", p, latency:percentile(p) / 1000))
  end
end
