/**
 * The human output of `switchyard simulate`: a progress bar for terminals, then a summary
 * (totals, a table per provider, each provider's state transitions) and, with
 * `--compare naive`, the two policies side by side.
 */
import type { SimulationReport } from './report.js';
import { STATES } from './stats.js';

/** Transitions listed per provider before "… and N more". */
const LISTED_TRANSITIONS = 12;
const BAR_WIDTH = 30;

/** One redrawable progress line (`\r`, no newline until done). */
export function progressLine(label: string, done: number): string {
  const filled = Math.round(Math.max(0, Math.min(1, done)) * BAR_WIDTH);
  return `\r${label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${Math.round(done * 100)
    .toString()
    .padStart(3)}%`;
}

/** The summary of one run. `wallS` is shown but is not part of the report. */
export function formatSummary(report: SimulationReport, wallS?: number): string {
  const lines: string[] = [];
  const wall = wallS === undefined ? '' : `, ${wallS.toFixed(1)} s wall (${int(report.requests / Math.max(wallS, 1e-9))} simulated requests per second)`;
  lines.push(`Scenario ${report.scenario}: ${report.durationS} s simulated, seed ${report.seed}, ${report.policy} policy${wall}`);
  lines.push('');
  lines.push(`  requests   ${int(report.requests)}   succeeded ${int(report.succeeded)}   failed ${int(report.failed)} (${pct(report.errorRate, 2)})${errorCodes(report)}`);
  lines.push(`  latency    p50 ${ms(report.latencyMs.p50)}   p95 ${ms(report.latencyMs.p95)}   p99 ${ms(report.latencyMs.p99)}`);
  lines.push(`  attempts   ${int(report.attempts.total)} upstream calls, ${int(report.attempts.wasted)} wasted (failed), ${report.attempts.perRequest.toFixed(3)} per request`);
  lines.push(`  cost       ${usd(report.costUsd)}`);
  lines.push('');
  const header = ['provider', 'calls', 'share', 'failures', ...STATES.map((s) => s), 'cost'];
  const rows = Object.entries(report.byProvider).map(([name, p]) => [
    name,
    int(p.requests),
    pct(p.share, 1),
    p.rateLimited > 0 ? `${int(p.failures)} (${int(p.rateLimited)} 429)` : int(p.failures),
    ...STATES.map((state) => seconds(p.timeInStateS[state] ?? 0)),
    usd(p.costUsd),
  ]);
  lines.push(...table(header, rows).map((line) => `  ${line}`));
  lines.push('');
  lines.push('  time in each state is simulated time; share is the part of answered requests');
  lines.push('');
  lines.push('State transitions (simulated time since the start)');
  for (const [name, p] of Object.entries(report.byProvider)) {
    if (p.transitions.length === 0) {
      lines.push(`  ${name}: none (${Object.entries(p.timeInStateS).find(([, s]) => s > 0)?.[0] ?? 'healthy'} throughout)`);
      continue;
    }
    const shown = p.transitions.slice(0, LISTED_TRANSITIONS).map((t) => `${moment(t.atS)} ${t.from}→${t.to}`);
    const more = p.transitions.length - shown.length + p.transitionsTruncated;
    lines.push(`  ${name}: ${shown.join(', ')}${more > 0 ? `, … and ${int(more)} more` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Switchyard and the naive baseline on the same scenario and seed, with the difference. */
export function formatComparison(ours: SimulationReport, naive: SimulationReport): string {
  const row = <T extends number | null>(label: string, a: T, b: T, show: (v: T) => string): string[] => {
    return [label, show(a), show(b), a === null || b === null ? (a === b ? '=' : '—') : difference(a, b)];
  };
  const rows = [
    row('failed requests', ours.failed, naive.failed, int),
    row('error rate', ours.errorRate, naive.errorRate, (v) => pct(v, 2)),
    row('wasted upstream calls', ours.attempts.wasted, naive.attempts.wasted, int),
    row('calls per request', ours.attempts.perRequest, naive.attempts.perRequest, (v) => v.toFixed(3)),
    row('latency p50', ours.latencyMs.p50, naive.latencyMs.p50, ms),
    row('latency p95', ours.latencyMs.p95, naive.latencyMs.p95, ms),
    row('latency p99', ours.latencyMs.p99, naive.latencyMs.p99, ms),
    row('cost', ours.costUsd, naive.costUsd, usd),
  ];
  const lines = ['', `Compared with the naive policy (same scenario, seed ${ours.seed}; naive = try providers in order, no breaker, no budget)`, ''];
  lines.push(...table(['', 'switchyard', 'naive', 'naive vs switchyard (higher is worse)'], rows).map((line) => `  ${line}`));
  return `${lines.join('\n')}\n`;
}

/** How much higher (worse) or lower (better) the naive figure is: `142×`, `+12%`, `−3%`, `=`. */
function difference(ours: number, naive: number): string {
  if (ours === naive) return '=';
  if (ours === 0) return 'worse (from 0)';
  const ratio = naive / ours;
  if (ratio >= 2) return `${ratio.toFixed(ratio >= 10 ? 0 : 1)}× (worse)`;
  const percent = Math.round((ratio - 1) * 100);
  if (percent === 0) return ratio > 1 ? '+<1% (worse)' : '−<1% (better)';
  return ratio > 1 ? `+${percent}% (worse)` : `−${-percent}% (better)`;
}

function errorCodes(report: SimulationReport): string {
  const entries = Object.entries(report.errors);
  return entries.length === 0 ? '' : ` — ${entries.map(([code, n]) => `${code} ${int(n)}`).join(', ')}`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function pct(rate: number, digits: number): string {
  return `${(rate * 100).toFixed(digits)}%`;
}

function ms(value: number | null): string {
  return value === null ? 'n/a' : `${int(value)} ms`;
}

/** A duration: `12.3s`, `7m05s`, `21h27m`; `-` for none. */
function seconds(value: number): string {
  if (value === 0) return '-';
  if (value < 60) return `${value.toFixed(1)}s`;
  if (value < 3600) return `${Math.floor(value / 60)}m${pad(Math.floor(value % 60))}s`;
  return `${Math.floor(value / 3600)}h${pad(Math.floor((value % 3600) / 60))}m`;
}

/** A moment of the run: `12.3s`, `4:05.2`, `19:00:12`. */
function moment(atS: number): string {
  if (atS < 60) return `${atS.toFixed(1)}s`;
  if (atS < 3600) return `${Math.floor(atS / 60)}:${pad(Math.floor(atS % 60))}.${Math.floor((atS * 10) % 10)}`;
  return `${Math.floor(atS / 3600)}:${pad(Math.floor((atS % 3600) / 60))}:${pad(Math.floor(atS % 60))}`;
}

function pad(n: number): string {
  return n.toString().padStart(2, '0');
}

function usd(value: number): string {
  return `$${value.toFixed(value >= 100 ? 0 : value >= 1 ? 2 : 4)}`;
}
