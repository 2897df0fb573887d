-- wrk script of run.py's http measurement with --hosts: each request names the next centre's host
-- (round robin over the file given after `--`, one host a line); each wrk thread starts at its own
-- place in the list, so the threads do not send the same host at the same moment.
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("offset", threads * 7919)
end

local hosts = {}
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    hosts[#hosts + 1] = line
  end
  i = offset or 0
end

function request()
  i = i + 1
  return wrk.format("GET", nil, {Host = hosts[i % #hosts + 1]})
end
