/**
 * Loading a configuration: read the file, parse YAML or JSON, interpolate `${VAR}`,
 * validate. Every failure is one {@link ConfigError} listing each problem as `path: message`.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { interpolateEnvCollecting, type Env } from './env.js';
import { collectSecrets, formatIssues, friendlyMessage, redact } from './issues.js';
import { configSchema } from './schema.js';
import type { SwitchyardConfig } from './types.js';

export { interpolateEnv, type Env } from './env.js';

/**
 * Validates a configuration object (as parsed from YAML/JSON) into a {@link SwitchyardConfig}:
 * interpolates `${VAR}` from `env`, applies defaults, checks references.
 * Throws a {@link ConfigError} whose `issues` are `path: message` lines.
 * @example parseConfig({ providers: [{ name: 'a', type: 'simulated' }] })
 */
export function parseConfig(raw: unknown, env: Env = process.env): SwitchyardConfig {
  const { value, issues } = interpolateEnvCollecting(raw, env);
  if (issues.length === 0) return validate(configSchema, value);
  // Every problem at once: the unset variables, then what else is wrong, except what the
  // unresolved references themselves cause at the same paths.
  const paths = issues.map((issue) => issue.slice(0, issue.indexOf(': ') + 2));
  let others: string[] = [];
  try {
    validate(configSchema, value);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    others = error.issues.filter((issue) => !paths.some((path) => issue.startsWith(path)));
  }
  throw new ConfigError([...issues, ...others]);
}

/**
 * Parses `value` with any schema built from this folder's pieces (e.g. a scenario file
 * embedding `incidentSchema`), throwing a {@link ConfigError} of `path: message` lines
 * with credentials redacted.
 */
export function validate<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value, { error: friendlyMessage });
  if (result.success) return result.data;
  throw new ConfigError(redact(formatIssues(result.error.issues), collectSecrets(value)));
}

/**
 * Parses YAML or JSON text: JSON for `*.json`, YAML for `*.yaml`/`*.yml`, otherwise JSON when
 * the text parses as JSON, else YAML. Syntax errors become a {@link ConfigError} with
 * `source:line:column`, never quoting the text (it may hold credentials).
 */
export function parseConfigText(text: string, source = 'config'): unknown {
  const extension = extname(source).toLowerCase();
  if (extension === '.json') return parseJson(text, source);
  if (extension !== '.yaml' && extension !== '.yml' && /^\s*[{[]/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // not JSON: maybe YAML flow style
    }
  }
  const document = parseDocument(text, { merge: true, prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => {
        const at = error.linePos?.[0];
        const reason = error.message.split(/ at line \d+, column \d+/)[0];
        return `${source}${at === undefined ? '' : `:${at.line}:${at.col}`}: invalid YAML: ${reason}`;
      }).filter((line, index, all) => all.indexOf(line) === index), // the parser may report one problem twice
    );
  }
  return document.toJS({ maxAliasCount: 1000 }) as unknown;
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // V8 quotes the input in some messages: keep only the reason and the position.
    const message = error instanceof Error ? error.message : String(error);
    const reason = message.replace(/, ".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '');
    const position = /at position (\d+)/.exec(message)?.[1];
    throw new ConfigError([`${source}${position === undefined ? '' : locate(text, Number(position))}: invalid JSON: ${reason}`]);
  }
}

/** `:line:column` (both 1-based) of a character offset. */
function locate(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `:${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
}

/**
 * Reads, parses and validates a YAML or JSON configuration file (synchronously: it runs once
 * at startup). Throws a {@link ConfigError} for an unreadable file, bad syntax or invalid content.
 */
export function loadConfigFile(path: string, env: Env = process.env): SwitchyardConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : `cannot read file (${code ?? 'error'})`;
    throw new ConfigError([`${path}: ${why}`]);
  }
  return parseConfig(parseConfigText(text, path), env);
}
