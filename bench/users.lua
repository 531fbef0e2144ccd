-- wrk script for bench/users.sh: GET /api/users/<id> with a valid access token.
--
-- usage: wrk -t1 -c50 -d10s --latency -s bench/users.lua https://127.0.0.1:PORT/ -- USERS_FILE [KIND]
--
-- USERS_FILE has one registered user per line: "<id> <access token>" (bench/users.sh writes
-- it after POST /api/auth/register). KIND (default "other"):
--   other    the benchmark: the requests cycle through every ordered pair (viewer, target)
--            with viewer ~= target, user `viewer`'s token in `Authorization: Bearer`,
--            `target`'s id in the path, so every request reads another user's profile (the
--            account SELECT plus the relation queries, as in the app) and the ids and tokens
--            are spread evenly. Expect 200.
--   self     each user reads its own profile (the account SELECT only, no relation queries).
--            Expect 200.
--   bad      as "other" but the first character of each token's signature is changed: pongd
--            rejects it before any database work. Expect 401 (all "Non-2xx").
--   healthz  GET /healthz without a token (the same connection and TLS cost, no account work).
-- These kinds split the cost of a profile read (see docs/performance.md).
-- The requests are built once in init(); request() only hands out the next one, so the
-- script adds almost nothing to wrk's own cost per request. No response() function: wrk
-- then does not build a Lua table per response. Status codes are checked by wrk's
-- "Non-2xx or 3xx responses" line (absent, or for "bad" equal to the request count) and by
-- users.sh's curl checks.

local reqs = {}
local n = 0
local i = 0

local function broken(token)   -- same length, wrong signature
   local head, c, tail = token:match("^(.*%.)(.)(.*)$")
   if not head then return token .. "x" end
   return head .. (c == "A" and "B" or "A") .. tail
end

function init(args)
   local path, kind = args[1], args[2] or "other"
   if not path then
      error("users.lua: pass the users file after --: wrk ... -s users.lua URL -- USERS_FILE")
   end
   local users = {}
   for line in io.lines(path) do
      local id, token = line:match("^(%d+)%s+(%S+)%s*$")
      if id then users[#users + 1] = { id = id, token = token } end
   end
   if #users < 2 then error("users.lua: need at least 2 users in " .. path) end

   local base = {}
   for k, v in pairs(wrk.headers) do base[k] = v end   -- Host (with the port) set by wrk
   if kind == "healthz" then
      reqs[1] = wrk.format("GET", "/healthz", base)
   elseif kind == "other" or kind == "self" or kind == "bad" then
      for v = 1, #users do
         for t = 1, #users do
            if (v ~= t) == (kind ~= "self") then
               local h = {}
               for k, x in pairs(base) do h[k] = x end
               local token = users[v].token
               if kind == "bad" then token = broken(token) end
               h["Authorization"] = "Bearer " .. token
               reqs[#reqs + 1] = wrk.format("GET", "/api/users/" .. users[t].id, h)
            end
         end
      end
   else
      error("users.lua: unknown kind " .. kind .. " (other, self, bad, healthz)")
   end
   n = #reqs
   -- each wrk thread starts at a different place in the cycle
   local seed = tonumber(tostring({}):match("0x(%x+)") or "0", 16) or 0
   i = seed % n
end

function request()
   i = i % n + 1
   return reqs[i]
end
