-- bench/http-read.lua - wrk script for bench/http-read: cycles through a file
-- of request paths, one per line (e.g. "/api/v1/locate?lat=23.16&lon=113.27").
--   wrk ... -s bench/http-read.lua URL -- PATHS_FILE
local paths = {}
local i = 0

function init(args)
  local file = args[1] or error("http-read.lua: a file of paths is expected after --")
  for line in io.lines(file) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  if #paths == 0 then error("http-read.lua: " .. file .. " holds no paths") end
  -- each wrk thread starts at another place in the list
  i = math.random(#paths) - 1
end

-- WRK_BEARER in the environment: send it as a bearer token (routes that need a log-in)
local bearer = os.getenv("WRK_BEARER")
if bearer and #bearer > 0 then wrk.headers["Authorization"] = "Bearer " .. bearer end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
