-- wrk script: sends the session cookie (from the COOKIE environment variable) on every request,
-- and the method and body given by METHOD and BODY.
local cookie = os.getenv("COOKIE")
local body = os.getenv("BODY")
wrk.method = os.getenv("METHOD") or "GET"
if cookie then wrk.headers["Cookie"] = cookie end
if body then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

-- BODIES (one JSON body per line) replaces BODY: each thread sends them in turn, so that a login
-- flood signs in many accounts, as a crowd would, rather than queueing on one email's lockout.
local bodies = {}
for line in string.gmatch(os.getenv("BODIES") or "", "[^\n]+") do
  bodies[#bodies + 1] = line
end
if #bodies > 0 then
  wrk.headers["Content-Type"] = "application/json"
  local next_body = 0
  function request()
    next_body = next_body % #bodies + 1
    return wrk.format(nil, nil, nil, bodies[next_body])
  end
end

-- DELAY_MS makes a connection pause before each request: a light probe rather than a load.
local pause = tonumber(os.getenv("DELAY_MS") or "0")
if pause > 0 then
  function delay() return pause end
end

-- Count every non-2xx answer as an error in the summary wrk prints.
local failures = 0
function response(status, headers, body)
  if status < 200 or status > 299 then failures = failures + 1 end
end

function done(summary, latency, requests)
  io.write(string.format("non2xx=%d\n", summary.errors.status))
end
