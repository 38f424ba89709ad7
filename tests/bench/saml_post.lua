-- keygate SAML benchmark: wrk posts pre-generated login bodies to an ACS,
-- each body once. usage: wrk -s saml_post.lua URL -- BODIES_FILE THREADS
-- Thread k takes lines k, k+THREADS, ... of BODIES_FILE; a thread that
-- runs out stops (and says so), so no login is ever posted twice.
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local nthreads = tonumber(args[2])
  bodies, i, n = {}, 0, 0
  for line in io.lines(args[1]) do
    if i % nthreads == id then bodies[#bodies + 1] = line end
    i = i + 1
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  n = n + 1
  return wrk.format(nil, nil, nil, bodies[math.min(n, #bodies)])
end

function response(status, headers, body)
  if n >= #bodies then
    io.stderr:write("saml_post.lua: thread " .. id .. " ran out of logins\n")
    wrk.thread:stop()
  end
end
