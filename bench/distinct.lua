-- wrk script (bench/serve.py): every request distinct, so Procure never reuses an answer.
-- Each thread numbers its requests; setup() gives each thread its own prefix.
local threads = 0

function setup(thread)
   thread:set("prefix", threads)
   threads = threads + 1
end

function init(args)
   n = 0
end

function request()
   n = n + 1
   local sep = string.find(wrk.path, "?", 1, true) and "&" or "?"
   return wrk.format(nil, wrk.path .. sep .. "_=" .. prefix .. "-" .. n)
end
