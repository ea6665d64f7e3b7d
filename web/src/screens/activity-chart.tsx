import type { MetricsSeries } from "../../../schemas/admin";

/**
 * The metrics series as one SVG: requests per step as bars (429s and server errors stacked at
 * their foot in their own colours) over p50/p95 latency as two lines on a log scale, in two panels
 * that share the time axis (two panels rather than two y-axes on one: each value reads against its
 * own axis). SVG presentation attributes and classes only: the CSP forbids `style` attributes. The
 * viewBox scales it to its container, so it fits 360 px without scrolling.
 */

const W = 360;
const LEFT = 34;
const RIGHT = 6;
const BARS = { top: 18, height: 84 };
const LINES = { top: 130, height: 56 };
const AXIS_Y = 202;
const H = 210;
const PLOT_W = W - LEFT - RIGHT;

const clock = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });

/** The smallest of 1, 2, 5 × 10^k at or above `n` (at least 1), so the axis has round labels. */
function niceCeiling(n: number): number {
  if (n <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(n));
  return ([1, 2, 5, 10].map((m) => m * magnitude).find((v) => v >= n) ?? 10 * magnitude) as number;
}

const shortMs = (ms: number) => (ms >= 1_000 ? `${ms / 1_000}k` : String(ms));

/** The line through the steps that have a value; a step without requests breaks it. */
function linePath(values: (number | null)[], x: (i: number) => number, y: (v: number) => number): string {
  let path = "";
  let drawing = false;
  values.forEach((v, i) => {
    if (v === null) {
      drawing = false;
      return;
    }
    path += `${drawing ? "L" : "M"}${x(i).toFixed(1)} ${y(v).toFixed(1)}`;
    drawing = true;
  });
  return path;
}

/** What the chart shows, in words: its accessible name. */
export function seriesSummary(series: MetricsSeries, window: "hour" | "day"): string {
  const total = (field: "count" | "rateLimited" | "errors") => series.points.reduce((n, p) => n + p[field], 0);
  const slowest = Math.max(0, ...series.points.map((p) => p.p95Ms ?? 0));
  const step = series.stepSeconds >= 3_600 ? "hour" : `${series.stepSeconds / 60} minutes`;
  return (
    `Requests per ${step} over the last ${window}, ${series.route ?? "all routes"}: ${total("count")} requests, ` +
    `${total("rateLimited")} refused with 429, ${total("errors")} server errors` +
    (slowest > 0 ? `; p95 latency at most ${slowest} ms.` : ".")
  );
}

function ActivityChart(props: { series: MetricsSeries; window: "hour" | "day" }) {
  const { points } = props.series;
  const slot = PLOT_W / Math.max(1, points.length);
  const barWidth = Math.max(2, slot * 0.72);
  const x = (i: number) => LEFT + i * slot;
  const mid = (i: number) => x(i) + slot / 2;

  const most = niceCeiling(Math.max(0, ...points.map((p) => p.count)));
  const barY = (n: number) => BARS.top + BARS.height - (BARS.height * n) / most;
  const decades = Math.max(1, Math.ceil(Math.log10(Math.max(1, ...points.map((p) => p.p95Ms ?? 0)))));
  const lineY = (ms: number) => LINES.top + LINES.height - (LINES.height * Math.log10(Math.max(1, ms))) / decades;
  // Time labels on about four steps, the current one last.
  const every = Math.max(1, Math.round(points.length / 4));
  const labelled = points.map((_, i) => (points.length - 1 - i) % every === 0);
  const [p50Line, p95Line] = [points.map((p) => p.p50Ms), points.map((p) => p.p95Ms)].map((values) => linePath(values, mid, lineY));

  return (
    <svg class="activity-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={seriesSummary(props.series, props.window)}>
      <text class="chart-title" x={LEFT} y={BARS.top - 6}>
        Requests
      </text>
      {[0, most / 2, most].filter(Number.isInteger).map((v) => (
        <g key={`r${v}`}>
          <line class="chart-grid" x1={LEFT} x2={W - RIGHT} y1={barY(v)} y2={barY(v)} />
          <text class="chart-tick" x={LEFT - 4} y={barY(v) + 3} text-anchor="end">
            {v}
          </text>
        </g>
      ))}
      {points.map((p, i) => {
        // Bottom up: server errors, then 429s, then the rest (they are different statuses, so they add up).
        const ok = p.count - p.errors - p.rateLimited;
        const errorsTop = barY(p.errors);
        const limitedTop = barY(p.errors + p.rateLimited);
        return (
          <g
            key={p.start}
            class="chart-step"
            data-start={p.start}
            data-count={p.count}
            data-rate-limited={p.rateLimited}
            data-errors={p.errors}
          >
            {p.errors > 0 && (
              <rect class="chart-errors" x={mid(i) - barWidth / 2} width={barWidth} y={errorsTop} height={barY(0) - errorsTop} />
            )}
            {p.rateLimited > 0 && (
              <rect class="chart-limited" x={mid(i) - barWidth / 2} width={barWidth} y={limitedTop} height={errorsTop - limitedTop} />
            )}
            {ok > 0 && (
              <rect
                class="chart-requests"
                x={mid(i) - barWidth / 2}
                width={barWidth}
                y={barY(p.count)}
                height={limitedTop - barY(p.count)}
              />
            )}
          </g>
        );
      })}

      <text class="chart-title" x={LEFT} y={LINES.top - 6}>
        Latency, ms (p50, p95; log scale)
      </text>
      {Array.from({ length: decades + 1 }, (_, k) => 10 ** k).map((ms) => (
        <g key={`l${ms}`}>
          <line class="chart-grid" x1={LEFT} x2={W - RIGHT} y1={lineY(ms)} y2={lineY(ms)} />
          <text class="chart-tick" x={LEFT - 4} y={lineY(ms) + 3} text-anchor="end">
            {shortMs(ms)}
          </text>
        </g>
      ))}
      <path class="chart-p95" d={p95Line} />
      <path class="chart-p50" d={p50Line} />
      {points.map((p, i) =>
        p.p95Ms === null || p.p50Ms === null ? null : (
          <g key={`m${p.start}`}>
            <circle class="chart-p95-dot" cx={mid(i)} cy={lineY(p.p95Ms)} r="2.2" />
            <circle class="chart-p50-dot" cx={mid(i)} cy={lineY(p.p50Ms)} r="2.2" />
          </g>
        ),
      )}

      {points.map((p, i) =>
        labelled[i] ? (
          // The current step's label ends at the plot's edge, so it is never cut off.
          <text
            key={`t${p.start}`}
            class="chart-tick"
            x={i === points.length - 1 ? x(i) + slot : mid(i)}
            y={AXIS_Y}
            text-anchor={i === points.length - 1 ? "end" : "middle"}
          >
            {clock.format(new Date(p.start))}
          </text>
        ) : null,
      )}
    </svg>
  );
}

/** The chart with its legend, and the same numbers as a table for whoever cannot see the chart. */
export function ActivityOverTime(props: { series: MetricsSeries; window: "hour" | "day" }) {
  return (
    <figure class="activity">
      <ActivityChart series={props.series} window={props.window} />
      <figcaption>
        <ul class="chart-legend">
          <li>
            <span class="swatch swatch-requests" aria-hidden="true" /> requests
          </li>
          <li>
            <span class="swatch swatch-limited" aria-hidden="true" /> 429s
          </li>
          <li>
            <span class="swatch swatch-errors" aria-hidden="true" /> server errors
          </li>
          <li>
            <span class="swatch swatch-p50" aria-hidden="true" /> p50
          </li>
          <li>
            <span class="swatch swatch-p95" aria-hidden="true" /> p95
          </li>
        </ul>
      </figcaption>
      <details class="chart-data">
        <summary>The chart as a table</summary>
        <div class="table-scroll" tabIndex={0} role="region" aria-label="Requests over time">
          <table class="audit">
            <thead>
              <tr>
                <th scope="col">From</th>
                <MetricHeadings />
              </tr>
            </thead>
            <tbody>
              {props.series.points.map((p) => (
                <tr key={p.start}>
                  <td>{clock.format(new Date(p.start))}</td>
                  <td>{p.count}</td>
                  <td>{p.rateLimited}</td>
                  <td>{p.errors}</td>
                  <td>
                    {p.p50Ms ?? "–"} / {p.p95Ms ?? "–"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

/** The column headings of a step's or a route's numbers, in the order both tables show them. */
export function MetricHeadings() {
  return (
    <>
      <th scope="col">Requests</th>
      <th scope="col">429s</th>
      <th scope="col">Errors</th>
      <th scope="col">p50 / p95 ms</th>
    </>
  );
}
