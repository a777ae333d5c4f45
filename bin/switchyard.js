#!/usr/bin/env node
// Entry point of the `switchyard` command. Runs the compiled CLI; from a checkout whose
// build is missing it builds first, so `npx switchyard` works right after `npm install`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import v8 from 'node:v8';

// Request-scoped objects (router actors, their snapshots and events) die young, but V8's
// allocation-site pretenuring moves them to the old generation, where they cost full
// collections: turning it off cuts the engine's CPU per request by a quarter to a third
// (docs/decisions.md). The command owns its process, so it turns it off, here, before
// anything is loaded; the rules are those of src/engine/v8-settings.ts, where a library user
// opts in instead: SWITCHYARD_V8_PRETENURING=on keeps V8's default, and so does the flag
// given to node itself, in any spelling.
const flagGiven = process.execArgv.some((arg) => /^--?(no[-_]?)?allocation[-_]site[-_]pretenuring$/.test(arg));
if (process.env.SWITCHYARD_V8_PRETENURING?.trim().toLowerCase() !== 'on' && !flagGiven) v8.setFlagsFromString('--no-allocation-site-pretenuring');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'src', 'cli', 'main.js');
if (!existsSync(entry)) {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
}
const { main } = await import(entry);
const code = await main(process.argv.slice(2));
process.exitCode = code;
// Everything is closed and flushed once main returns. A stdout whose reader has gone (`serve
// | head -3`) can still hold the event loop open after a clean shutdown: do not wait for it.
setTimeout(() => process.exit(code), 1000).unref();
