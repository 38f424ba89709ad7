-- wrk script for tests/bench/gateway.sh: a different bearer token on
-- every request. args: TOKEN_FILE OFFSET THREADS. Thread j sends tokens
-- OFFSET+j, OFFSET+j+THREADS, OFFSET+j+2*THREADS, ... (wrapping at the
-- end of the file), so the threads of one run never send the same token,
-- and a run that starts where the previous one ended sends none of its.
local nthreads = 0

function setup(thread)
	thread:set("id", nthreads)
	nthreads = nthreads + 1
end

function init(args)
	tokens = {}
	for line in io.lines(args[1]) do
		if #line > 0 then
			tokens[#tokens + 1] = "Bearer " .. line
		end
	end
	n = #tokens
	step = tonumber(args[3])
	i = tonumber(args[2]) + id
	headers = {}
end

function request()
	headers["Authorization"] = tokens[(i % n) + 1]
	i = i + step
	return wrk.format(nil, nil, headers)
end
