/**
 * The reference mesh's request metrics, in the Lua every sidecar loads: its stats filter (Envoy's
 * `istio_stats` stands for the same). haproxy 2.6's built-in exporter (`prometheus-exporter`)
 * counts responses per frontend and backend by class only (`code="2xx"`), knows no source or
 * destination workload and has no latency histogram, only averages of the last 1024 requests
 * (haproxy/haproxy@v2.6.0:addons/promex/service-prometheus.c `promex_hrsp_code`, `ST_F_RTIME`), so
 * it cannot say what Istio's or Linkerd's metrics say; see docs/reference-mesh-semantics.md.
 */

/** The sample fetch a sidecar calls once per response (`http-after-response`) to count it. */
export const recordFetchName = 'meshproof_record';
/** The HTTP service that writes the counters in the Prometheus text format. */
export const metricsServiceName = 'meshproof_metrics';
/** The same, clearing the counters after each scrape (defect `metrics-reset-on-scrape`). */
export const resettingMetricsServiceName = 'meshproof_metrics_reset';

/** Variables the haproxy lines set for the fetch to read. */
export const telemetryVar = {
  start: 'txn.meshproof_start',
  code: 'txn.meshproof_code',
  durationMs: 'txn.meshproof_ms',
  peer: 'txn.meshproof_peer',
  upstream: 'txn.meshproof_upstream',
  retries: 'txn.meshproof_retries',
  recorded: 'txn.meshproof_recorded',
} as const;

/**
 * The duration buckets in ms: the list Envoy's histograms use by default, which Istio's
 * `istio_request_duration_milliseconds` keeps unless `sidecar.istio.io/statsHistogramBuckets`
 * overrides it (docs/cluster-contract.md M3). The judges read the bounds from each scrape, so no
 * verdict depends on this list.
 */
export const durationBucketsMs = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
];

/**
 * - `lua.meshproof_record(<reporter>,<self>[,<flag>])`: counts one response. The source reporter
 *   (the caller's sidecar, once per request whatever its retries) names itself the source and the
 *   endpoint that answered the destination; the destination reporter (the server's sidecar, once per
 *   attempt it received) names itself the destination and the peer certificate's workload the source
 *   (`unknown` without one, as Istio's `source_workload`). The duration is the one the haproxy lines
 *   measured (`date` at the first request rule to the response). Flags (joined by `+`) are the defects' near misses:
 *   `attempts` counts 1 + retries, `bucket-below` files a duration one bucket low.
 * - `meshproof_metrics`: `meshproof_requests_total` and `meshproof_request_duration_milliseconds`
 *   (cumulative buckets, `_sum`, `_count`), and `meshproof_process_start_time_seconds` (the Lua
 *   state's start: a reload starts the counters from 0 again, which the harness must tell apart).
 */
export const telemetryLuaSource = `
local meshproof_started = string.format("%d.%06d", core.now().sec, core.now().usec)
local meshproof_series = {}
local meshproof_order = {}
local meshproof_bounds = { ${durationBucketsMs.join(', ')} }

local function meshproof_label(value)
  return (tostring(value):gsub("\\\\", "\\\\\\\\"):gsub("\\"", "\\\\\\""):gsub("\\n", "\\\\n"))
end

core.register_fetches("${recordFetchName}", function(txn, reporter, self, flag)
  local code = tostring(txn:get_var("${telemetryVar.code}") or 0)
  local ms = tonumber(txn:get_var("${telemetryVar.durationMs}")) or 0
  local peer = txn:get_var("${telemetryVar.peer}")
  local upstream = txn:get_var("${telemetryVar.upstream}")
  local source, destination = self, upstream
  if reporter == "destination" then source, destination = peer, self end
  if source == nil or source == "" then source = "unknown" end
  if destination == nil or destination == "" then destination = "unknown" end
  local weight = 1
  local function flagged(name) return flag ~= nil and string.find(flag, name, 1, true) ~= nil end
  if flagged("attempts") then
    weight = 1 + (tonumber(tostring(txn:get_var("${telemetryVar.retries}") or "0"):match("%d+")) or 0)
  end
  local key = reporter .. "|" .. source .. "|" .. destination .. "|" .. code
  local series = meshproof_series[key]
  if series == nil then
    series = { reporter = reporter, source = source, destination = destination, code = code, count = 0, sum = 0, buckets = {} }
    for i = 1, #meshproof_bounds do series.buckets[i] = 0 end
    meshproof_series[key] = series
    table.insert(meshproof_order, key)
  end
  series.count = series.count + weight
  series.sum = series.sum + ms
  local first = #meshproof_bounds + 1
  for i, bound in ipairs(meshproof_bounds) do
    if ms <= bound then first = i break end
  end
  if flagged("bucket-below") and first > 1 then first = first - 1 end
  for i = first, #meshproof_bounds do series.buckets[i] = series.buckets[i] + 1 end
  return "1"
end)

local function meshproof_exposition()
  local lines = {
    "# TYPE meshproof_process_start_time_seconds gauge",
    "meshproof_process_start_time_seconds " .. meshproof_started,
    "# TYPE meshproof_requests_total counter",
  }
  local function labels(s)
    return string.format('reporter="%s",source_workload="%s",destination_workload="%s",response_code="%s"',
      meshproof_label(s.reporter), meshproof_label(s.source), meshproof_label(s.destination), meshproof_label(s.code))
  end
  for _, key in ipairs(meshproof_order) do
    local s = meshproof_series[key]
    table.insert(lines, "meshproof_requests_total{" .. labels(s) .. "} " .. s.count)
  end
  table.insert(lines, "# TYPE meshproof_request_duration_milliseconds histogram")
  for _, key in ipairs(meshproof_order) do
    local s = meshproof_series[key]
    for i, bound in ipairs(meshproof_bounds) do
      table.insert(lines, "meshproof_request_duration_milliseconds_bucket{" .. labels(s) .. ',le="' .. bound .. '"} ' .. s.buckets[i])
    end
    table.insert(lines, "meshproof_request_duration_milliseconds_bucket{" .. labels(s) .. ',le="+Inf"} ' .. s.count)
    table.insert(lines, "meshproof_request_duration_milliseconds_sum{" .. labels(s) .. "} " .. s.sum)
    table.insert(lines, "meshproof_request_duration_milliseconds_count{" .. labels(s) .. "} " .. s.count)
  end
  return table.concat(lines, "\\n") .. "\\n"
end

local function meshproof_serve(applet, reset)
  local body = meshproof_exposition()
  if reset then meshproof_series = {} meshproof_order = {} end
  applet:set_status(200)
  applet:add_header("content-type", "text/plain; version=0.0.4")
  applet:add_header("content-length", string.len(body))
  applet:start_response()
  applet:send(body)
end

core.register_service("${metricsServiceName}", "http", function(applet) meshproof_serve(applet, false) end)
core.register_service("${resettingMetricsServiceName}", "http", function(applet) meshproof_serve(applet, true) end)
`;
