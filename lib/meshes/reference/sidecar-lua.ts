import { telemetryLuaSource } from './telemetry-lua.ts';

/**
 * The Lua every reference sidecar loads, for what haproxy 2.6 has no native keyword for. Kept
 * small and pure of state across streams; each piece says which Envoy behaviour it stands for.
 */

/** Name of the Lua action that delays a request (haproxy 2.6 has no native delay action). */
export const delayActionName = 'meshproof_delay';

/** Name of the Lua filter that cuts a response still under way at the route timeout. */
export const deadlineFilterName = 'meshproof_deadline';

/**
 * - `meshproof_delay <ms>`: sleeps without blocking the worker (Envoy's fault filter delay).
 * - `filter lua.meshproof_deadline <ms>`: Envoy's route timeout spans from the end of the
 *   request to the end of the response (router.cc `onRequestComplete` arms it,
 *   `onResponseTimeout` resets the upstream request), while haproxy's `timeout server` restarts
 *   on every byte. The backend's `timeout server` bounds the wait for the headers; this filter
 *   bounds the rest: once the headers are in, it wakes at the deadline, drops what has not been
 *   forwarded and ends the message there, short of its content-length, so the client sees the
 *   body break off where Envoy would reset the stream, and haproxy closes the server connection.
 *   (Ending the stream with `txn:done()` from a filter instead leaves about one stream in a
 *   thousand hanging in haproxy 2.6 when data arrives with the deadline.)
 */
const sidecarBaseLua = `core.register_action("${delayActionName}", { "http-req" }, function(txn, ms)
  core.msleep(tonumber(ms))
end, 1)

local Deadline = {}
Deadline.id = "${deadlineFilterName}"
Deadline.flags = filter.FLT_CFG_FL_HTX
Deadline.__index = Deadline

local function now_ms()
  local t = core.now()
  return t.sec * 1000 + t.usec / 1000
end

function Deadline:new()
  local stream = setmetatable({}, Deadline)
  stream.timeout = self.timeout
  return stream
end

function Deadline:start_analyze(txn, chn)
  if not chn:is_resp() then self.deadline = now_ms() + self.timeout end
  return filter.CONTINUE
end

function Deadline:http_headers(txn, msg)
  if msg.channel:is_resp() and self.deadline then
    local left = self.deadline - now_ms()
    if left > 0 then
      filter.register_data_filter(self, msg.channel)
      filter.wake_time(math.ceil(left))
    end
  end
  return filter.CONTINUE
end

function Deadline:http_payload(txn, msg)
  local left = self.deadline - now_ms()
  if left <= 0 then
    if msg:input() > 0 then msg:remove() end
    msg:set_eom()
    return
  end
  filter.wake_time(math.ceil(left))
end

core.register_filter("${deadlineFilterName}", Deadline, function(flt, args)
  flt.timeout = tonumber(args[1])
  return flt
end)
`;

/** Everything a sidecar loads: the pieces above and the request metrics (`telemetry-lua.ts`). */
export const sidecarLuaSource = sidecarBaseLua + telemetryLuaSource;
