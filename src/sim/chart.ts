/**
 * `--chart FILE.svg`: one picture of a run. Top: a band per provider coloured by its state
 * over time, with the scripted incidents marked under it. Middle: the share of answered
 * traffic per provider. Bottom: the client error rate (and the naive policy's, when
 * compared). Everything is labelled in place: state names sit in the legend row right
 * above the bands, provider names on their bands and on their traffic layers.
 */
import type { Incident } from '../config/types.js';
import type { RunResult } from './run.js';
import { STATES } from './stats.js';

/** Colours of the states: green is good, red is out, in between is in between. */
export const STATE_COLOURS: Record<(typeof STATES)[number], string> = {
  healthy: '#43a047',
  degraded: '#fdd835',
  open: '#e53935',
  half_open: '#fb8c00',
  rate_limited: '#8e24aa',
  disabled: '#757575',
};
const PROVIDER_COLOURS = ['#1e88e5', '#00acc1', '#5e35b1', '#6d4c41', '#d81b60', '#546e7a', '#c0ca33', '#3949ab'];
const ERROR_COLOUR = '#d32f2f';

const WIDTH = 1000;
const LEFT = 130;
const RIGHT = 30;
const PLOT = WIDTH - LEFT - RIGHT;
const BAND = 22;
const BAND_GAP = 14;
const AREA = 150;
const ERRORS = 110;

/** What the chart shows besides the run itself. */
export interface ChartInput {
  title: string;
  durationS: number;
  /** Incidents by provider, as configured (recurring ones are repeated). */
  incidents: Map<string, Incident[]>;
  /** The naive baseline's run, drawn as a dashed error-rate line. */
  naive?: RunResult | undefined;
}

/** Renders the SVG document. */
export function renderChart(run: RunResult, input: ChartInput): string {
  const { timeline, providers } = run;
  const { buckets, bucketMs } = timeline;
  const x = (ms: number) => LEFT + (ms / (input.durationS * 1000)) * PLOT;
  const columnX = (b: number) => x(b * bucketMs);
  const columnW = (b: number) => Math.max(0, x(Math.min((b + 1) * bucketMs, input.durationS * 1000)) - columnX(b));
  const out: string[] = [];
  let y = 20;
  out.push(text(LEFT, y, input.title, { size: 15, weight: 'bold' }));
  y += 22;

  // Legend row: the state colours, right above the bands they explain.
  let lx = LEFT;
  out.push(text(LEFT - 8, y + 9, 'provider state', { anchor: 'end', size: 11, fill: '#555' }));
  for (const state of STATES) {
    out.push(`<rect x="${lx}" y="${y}" width="12" height="12" fill="${STATE_COLOURS[state]}"/>`);
    out.push(text(lx + 16, y + 10, state.replace('_', ' '), { size: 11 }));
    lx += 30 + state.length * 6.5;
  }
  out.push(`<rect x="${lx}" y="${y + 9}" width="12" height="3" fill="#222"/>`);
  out.push(text(lx + 16, y + 10, 'scripted incident', { size: 11 }));
  y += 22;

  providers.forEach((name, p) => {
    out.push(text(LEFT - 8, y + BAND / 2 + 4, name, { anchor: 'end', size: 12, weight: 'bold' }));
    // One rectangle per run of columns in the same state.
    for (let b = 0; b < buckets; ) {
      const state = dominantState(timeline.stateMs, (p * buckets + b) * STATES.length);
      let end = b + 1;
      while (end < buckets && dominantState(timeline.stateMs, (p * buckets + end) * STATES.length) === state) end++;
      const width = x(Math.min(end * bucketMs, input.durationS * 1000)) - columnX(b);
      out.push(`<rect x="${r(columnX(b))}" y="${y}" width="${r(width + 0.3)}" height="${BAND}" fill="${STATE_COLOURS[state]}"><title>${name}: ${state}</title></rect>`);
      b = end;
    }
    for (const incident of expand(input.incidents.get(name) ?? [], input.durationS)) {
      const x0 = x(incident.at * 1000);
      const x1 = x(Math.min(input.durationS, incident.at + incident.for) * 1000);
      out.push(`<rect x="${r(x0)}" y="${y + BAND + 2}" width="${r(Math.max(1, x1 - x0))}" height="3" fill="#222"><title>${incident.mode}</title></rect>`);
      out.push(text(x0, y + BAND + 12, incident.mode.replace('_', ' '), { size: 9, fill: '#222' }));
    }
    y += BAND + BAND_GAP + 6;
  });
  y += 10;

  // Traffic share: stacked layers of answered requests per provider, failures on top.
  out.push(text(LEFT - 8, y + 10, 'traffic share', { anchor: 'end', size: 11, fill: '#555' }));
  out.push(text(LEFT - 8, y + 24, '(answered by)', { anchor: 'end', size: 10, fill: '#777' }));
  const top = y;
  // One step-shaped polygon per layer: answered by each provider, then failed, stacked.
  const below = new Float64Array(buckets);
  const layerCount = providers.length + 1;
  for (let i = 0; i < layerCount; i++) {
    const upper: string[] = [];
    const lower: string[] = [];
    let any = false;
    for (let b = 0; b < buckets; b++) {
      const total = timeline.requests[b]!;
      const count = i === providers.length ? timeline.failed[b]! : timeline.answered[i * buckets + b]!;
      const share = total === 0 ? 0 : count / total;
      if (share > 0) any = true;
      const x0 = r(columnX(b));
      const x1 = r(columnX(b) + columnW(b));
      const yLow = r(top + AREA - below[b]! * AREA);
      const yHigh = r(top + AREA - (below[b]! + share) * AREA);
      upper.push(`${x0},${yHigh} ${x1},${yHigh}`);
      lower.push(`${x1},${yLow} ${x0},${yLow}`);
      below[b] = below[b]! + share;
    }
    if (!any) continue;
    const fill = i === providers.length ? ERROR_COLOUR : PROVIDER_COLOURS[i % PROVIDER_COLOURS.length]!;
    const label = i === providers.length ? 'failed' : providers[i]!;
    out.push(`<polygon points="${upper.join(' ')} ${lower.reverse().join(' ')}" fill="${fill}"><title>${label}</title></polygon>`);
  }
  out.push(`<rect x="${LEFT}" y="${top}" width="${PLOT}" height="${AREA}" fill="none" stroke="#999"/>`);
  // Direct labels: each provider's name in its layer where that layer is thickest.
  providers.forEach((name, p) => {
    let best = -1;
    let bestShare = 0.08;
    let bestBottom = 0;
    for (let b = 0; b < buckets; b++) {
      const total = timeline.requests[b]!;
      if (total === 0) continue;
      const share = timeline.answered[p * buckets + b]! / total;
      if (share > bestShare) {
        let below = 0;
        for (let q = 0; q < p; q++) below += timeline.answered[q * buckets + b]! / total;
        [best, bestShare, bestBottom] = [b, share, below];
      }
    }
    if (best >= 0) {
      const cx = Math.min(Math.max(columnX(best), LEFT + 30), LEFT + PLOT - 30);
      out.push(text(cx, top + AREA - (bestBottom + bestShare / 2) * AREA + 4, name, { anchor: 'middle', size: 11, fill: '#fff', weight: 'bold' }));
    }
  });
  out.push(text(LEFT + PLOT + 4, top + 8, '100%', { size: 9, fill: '#777' }));
  out.push(text(LEFT + PLOT + 4, top + AREA, '0%', { size: 9, fill: '#777' }));
  y += AREA + 24;

  // Client error rate.
  out.push(text(LEFT - 8, y + 10, 'client errors', { anchor: 'end', size: 11, fill: ERROR_COLOUR, weight: 'bold' }));
  out.push(text(LEFT - 8, y + 24, '(% of requests)', { anchor: 'end', size: 10, fill: '#777' }));
  const errorTop = y;
  out.push(`<rect x="${LEFT}" y="${errorTop}" width="${PLOT}" height="${ERRORS}" fill="#fafafa" stroke="#999"/>`);
  for (const level of [0.25, 0.5, 0.75]) {
    const ly = r(errorTop + ERRORS - level * ERRORS);
    out.push(`<line x1="${LEFT}" x2="${LEFT + PLOT}" y1="${ly}" y2="${ly}" stroke="#e0e0e0"/>`);
  }
  out.push(text(LEFT + PLOT + 4, errorTop + 8, '100%', { size: 9, fill: '#777' }));
  out.push(text(LEFT + PLOT + 4, errorTop + ERRORS, '0%', { size: 9, fill: '#777' }));
  const errorPath = (result: RunResult) => {
    const t = result.timeline;
    const points: string[] = [];
    for (let b = 0; b < t.buckets; b++) {
      const rate = t.requests[b]! === 0 ? 0 : t.failed[b]! / t.requests[b]!;
      const px = columnX(b) + columnW(b) / 2;
      points.push(`${r(px)},${r(errorTop + ERRORS - rate * ERRORS)}`);
    }
    return points.join(' ');
  };
  if (input.naive !== undefined) {
    out.push(`<polyline points="${errorPath(input.naive)}" fill="none" stroke="#616161" stroke-width="1.5" stroke-dasharray="5,3"/>`);
    out.push(text(LEFT + PLOT - 4, errorTop + 14, '- - naive policy (same seed)', { anchor: 'end', size: 10, fill: '#616161' }));
  }
  out.push(`<polyline points="${errorPath(run)}" fill="none" stroke="${ERROR_COLOUR}" stroke-width="2"/>`);
  out.push(text(LEFT + PLOT - 4, errorTop + 28, `— ${run.report.policy}: ${(run.report.errorRate * 100).toFixed(2)}% overall`, { anchor: 'end', size: 10, fill: ERROR_COLOUR }));
  y += ERRORS + 6;

  // Time axis.
  const step = niceStep(input.durationS);
  for (let s = 0; s <= input.durationS + 1e-9; s += step) {
    const tx = r(x(s * 1000));
    out.push(`<line x1="${tx}" x2="${tx}" y1="${y}" y2="${y + 5}" stroke="#555"/>`);
    out.push(text(tx, y + 17, clockLabel(s), { anchor: 'middle', size: 10, fill: '#555' }));
  }
  y += 34;
  out.push(text(LEFT + PLOT / 2, y - 6, 'simulated time', { anchor: 'middle', size: 10, fill: '#777' }));

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${WIDTH}" height="${y}" fill="#fff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

/** The state with the most time in one column (ties: the worse one, later in STATES). */
function dominantState(stateMs: Float64Array, base: number): (typeof STATES)[number] {
  let best = 0;
  for (let s = 1; s < STATES.length; s++) if (stateMs[base + s]! >= stateMs[base + best]! && stateMs[base + s]! > 0) best = s;
  return STATES[best]!;
}

/** Recurring incidents as single occurrences within the run (at most 500 per provider). */
function expand(incidents: readonly Incident[], durationS: number): Incident[] {
  const out: Incident[] = [];
  for (const incident of incidents) {
    if (incident.every === undefined) {
      if (incident.at < durationS) out.push(incident);
      continue;
    }
    for (let at = incident.at; at < durationS && out.length < 500; at += incident.every) out.push({ ...incident, at });
  }
  return out;
}

function niceStep(durationS: number): number {
  const target = durationS / 10;
  return [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 21_600, 43_200, 86_400].find((s) => s >= target) ?? 86_400;
}

function clockLabel(s: number): string {
  if (s % 3600 === 0 && s > 0) return `${s / 3600}h`;
  if (s >= 60 && s % 60 === 0) return `${Math.floor(s / 3600) > 0 ? `${Math.floor(s / 3600)}h` : ''}${(s % 3600) / 60}m`;
  return `${s}s`;
}

function text(x: number, y: number, content: string, style: { anchor?: string; size?: number; fill?: string; weight?: string }): string {
  const attrs = [`x="${r(x)}"`, `y="${r(y)}"`, `font-size="${style.size ?? 12}"`];
  if (style.anchor !== undefined) attrs.push(`text-anchor="${style.anchor}"`);
  if (style.fill !== undefined) attrs.push(`fill="${style.fill}"`);
  if (style.weight !== undefined) attrs.push(`font-weight="${style.weight}"`);
  return `<text ${attrs.join(' ')}>${escapeXml(content)}</text>`;
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function r(value: number): number {
  return Math.round(value * 10) / 10;
}
