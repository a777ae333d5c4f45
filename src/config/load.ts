/**
 * Loading a configuration: read the file, parse YAML or JSON, interpolate `${VAR}`,
 * validate. Every failure is one {@link ConfigError} listing each problem as `path: message`.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { LineCounter, Parser, parseDocument, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { interpolateEnvCollecting, markResolved, type Env } from './env.js';
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
  if (issues.length === 0) {
    const config = validate(configSchema, value);
    markResolved(config);
    return config;
  }
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
  const { value: parsed, issues } = validateCollecting(schema, value);
  if (issues.length > 0) throw new ConfigError(issues);
  return parsed as z.output<T>;
}

/**
 * {@link validate} without throwing: the parsed value, or `undefined` and the `path: message`
 * problems, so that a caller can check other parts and report everything at once.
 */
export function validateCollecting<T extends z.ZodType>(schema: T, value: unknown): { value: z.output<T> | undefined; issues: string[] } {
  const result = schema.safeParse(value, { error: friendlyMessage });
  if (result.success) return { value: result.data, issues: [] };
  return { value: undefined, issues: redact(formatIssues(result.error.issues), collectSecrets(value)) };
}

/**
 * Parses YAML or JSON text: JSON for `*.json`, YAML for `*.yaml`/`*.yml`, otherwise JSON when
 * the text parses as JSON, else YAML. Syntax errors become a {@link ConfigError} with
 * `source:line:column`, never quoting the text (it may hold credentials).
 */
export function parseConfigText(input: string, source = 'config'): unknown {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input; // a UTF-8 byte-order mark
  const extension = extname(source).toLowerCase();
  if (extension === '.json') return parseJson(text, source);
  if (extension !== '.yaml' && extension !== '.yml' && /^\s*[{[]/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // not JSON: maybe YAML flow style
    }
  }
  // Before the document is composed: nested some thousand levels deep (flow or block), the
  // composer ends in V8 running out of memory compiling a regular expression near the
  // stack's end, a fatal error no catch stops, in a serving process that reloads its file.
  // (JSON.parse is not recursive; the interpolation's walk stops at the same depth.)
  const deep = yamlTooDeep(text);
  if (deep !== undefined) throw new ConfigError([`${source}${locate(text, deep.at)}: ${deep.what}`]);
  // `resolveKnownTags: false`: YAML 1.1's `!!binary`, `!!timestamp`, `!!set`, `!!omap` would
  // load as objects no setting takes; they are refused like any tag outside the core schema.
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { merge: true, prettyErrors: true, resolveKnownTags: false, lineCounter });
  // Warnings are problems too: an unknown tag (`!ENV`, `!include`) would pass as plain text.
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0) {
    throw new ConfigError(
      problems.map((error) => {
        const at = error.linePos?.[0];
        return `${source}${at === undefined ? '' : `:${at.line}:${at.col}`}: invalid YAML: ${yamlReason(error.code, error.message)}`;
      }).filter((line, index, all) => all.indexOf(line) === index), // the parser may report one problem twice
    );
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unresolved = message.startsWith('Unresolved alias');
    const reason = unresolved
      ? 'an alias (*name) refers to no anchor (&name) set before it; quote a value that starts with * or &'
      : message.startsWith('Excessive alias count')
        ? 'too many aliases (more than 1000 expansions)'
        : 'the aliases cannot be resolved';
    throw new ConfigError([`${source}${unresolved ? aliasAt(document, lineCounter, 'unresolved') : ''}: invalid YAML: ${reason}`]);
  }
  const shape = aliasShape(value);
  if (shape !== undefined) throw new ConfigError([`${source}${shape.cyclic ? aliasAt(document, lineCounter, 'cyclic') : ''}: invalid YAML: ${shape.reason}`]);
  return value;
}

/**
 * `:LINE:COL` of the first alias that refers to no anchor set before it (`unresolved`), or
 * that lies inside the node its anchor names (`cyclic`); empty when there is none.
 */
function aliasAt(document: Document, lineCounter: LineCounter, kind: 'unresolved' | 'cyclic'): string {
  let at: number | undefined;
  visit(document, {
    Alias(_key, alias) {
      const target = alias.resolve(document);
      const start = alias.range?.[0];
      if (start === undefined) return undefined;
      const found =
        kind === 'unresolved' ? target === undefined : target?.range !== undefined && target.range !== null && target.range[0] <= start && start < target.range[1];
      if (!found) return undefined;
      at = start;
      return visit.BREAK;
    },
  });
  if (at === undefined) return '';
  const { line, col } = lineCounter.linePos(at);
  return `:${line}:${col}`;
}

/**
 * The YAML library's problem, in a user's words and never quoting the text: its messages
 * may end with the offending source (`…token in YAML stream: "sk-live-…"`, a tag, a
 * directive, an escape), and a password may be that source.
 */
function yamlReason(code: string, message: string): string {
  switch (code) {
    case 'MULTIPLE_DOCS':
      return 'only one YAML document is allowed (found another after ---)';
    case 'TAG_RESOLVE_FAILED':
      // Both name the tag, which may be the start of a secret: neither is quoted.
      return message.includes('tag:yaml.org,2002:')
        ? 'a value has a !! tag that is not supported or does not fit the value (only !!str, !!int, !!float, !!bool, !!null, !!seq and !!map, on values of that kind): remove the tag, or quote a value that starts with !!'
        : 'a value starts with ! and is read as a YAML tag, which is not supported: quote it, or write ${VAR} to read an environment variable';
    case 'BAD_DIRECTIVE':
      return 'unknown or unsupported % directive';
    case 'BAD_DQ_ESCAPE':
      return 'invalid escape sequence in a double-quoted string';
    case 'RESOURCE_EXHAUSTION':
      return 'too many aliases, or nesting too deep';
    default:
      // Keep the library's own words up to where it would quote the source.
      return message.split(/ at line \d+, column \d+/)[0]!.split(': ')[0]!.replace(/\s*"[^"]*"?/g, '');
  }
}

/** Largest expansion a configuration may have (values after aliases): an alias bomb is refused. */
const MAX_EXPANDED_VALUES = 1_000_000;

/**
 * What is wrong with `value`'s shape after aliases, if anything: an alias inside its own
 * anchor (a cycle), or aliases that expand to more than {@link MAX_EXPANDED_VALUES} values.
 * Each shared collection is measured once.
 */
function aliasShape(value: unknown): { reason: string; cyclic: boolean } | undefined {
  const sizes = new Map<object, number>();
  const open = new Set<object>();
  let cyclic = false;
  const size = (node: unknown): number => {
    if (typeof node !== 'object' || node === null || cyclic) return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    if (open.has(node)) {
      cyclic = true;
      return 1;
    }
    open.add(node);
    let total = 1;
    for (const item of Array.isArray(node) ? node : Object.values(node)) total = Math.min(total + size(item), Number.MAX_SAFE_INTEGER);
    open.delete(node);
    sizes.set(node, total);
    return total;
  };
  const total = size(value);
  if (cyclic) return { reason: 'an alias refers to the collection that contains it', cyclic };
  if (total > MAX_EXPANDED_VALUES) return { reason: `the aliases expand to too much data (more than ${MAX_EXPANDED_VALUES.toLocaleString('en')} values)`, cyclic };
  return undefined;
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // V8 quotes the input in some messages (`..."secret",]}"... is not valid JSON`) and gives
    // no position in those: keep only the reason, cut before any quote, and find the position.
    const message = error instanceof Error ? error.message : String(error);
    // `Unexpected token 's'` would still show one character of a value.
    const reason = message.startsWith('Unexpected token') ? 'unexpected character' : message.split(/, "|, \.\.\."| in JSON at position /)[0]!;
    const position = Number(/at position (\d+)/.exec(message)?.[1] ?? jsonErrorOffset(text));
    throw new ConfigError([`${source}${locate(text, position)}: invalid JSON: ${reason}`]);
  }
}

/**
 * Offset of the first character JSON cannot take: the shortest prefix whose parse fails
 * before its end (a prefix cut before the fault is merely incomplete: V8 reports it at its
 * end, or as the end of the input).
 */
function jsonErrorOffset(text: string): number {
  const incomplete = (length: number) => {
    try {
      JSON.parse(text.slice(0, length));
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : '';
      if (/end of JSON input|Unterminated/.test(message)) return true;
      const at = /at position (\d+)/.exec(message);
      return at !== null && Number(at[1]) >= length;
    }
  };
  return incomplete(text.length) ? text.length : longestPrefix(text.length, incomplete);
}

/**
 * The longest prefix length below `length` for which `holds` is true, given that it holds
 * for 0, not for `length`, and stays false once false (a binary search).
 */
function longestPrefix(length: number, holds: (prefix: number) => boolean): number {
  let low = 0;
  let high = length;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (holds(middle)) low = middle;
    else high = middle;
  }
  return low;
}

/** `:line:column` (both 1-based) of a character offset. */
/** Deepest nesting of collections (mappings, sequences, `[…]`, `{…}`) a configuration or scenario file may have (real ones use under ten). */
export const MAX_NESTING = 64;

const DEEPER = `nested more than ${MAX_NESTING} levels deep`;

/** A node of yaml's concrete syntax tree, as far as the depth check reads it. */
interface CstNode {
  type?: string;
  offset?: number;
  value?: CstNode;
  items?: { key?: CstNode | null; value?: CstNode | null }[];
}

/**
 * Offset of the first YAML collection nested past {@link MAX_NESTING}, or undefined, read
 * from the concrete syntax tree (`yaml`'s `Parser`, a state machine with a stack of its own)
 * and walked with an explicit stack: the depth the composer would recurse through, which no
 * quote, comment or YAML form can hide. Nothing is resolved: aliases are bounded by
 * `maxAliasCount` when the document is turned into values.
 */
function yamlTooDeep(text: string): { at: number; what: string } | undefined {
  const rough = roughlyTooDeep(text);
  if (rough !== undefined) return rough;
  const stack: { node: CstNode; depth: number }[] = [];
  try {
    for (const token of new Parser().parse(text)) stack.push({ node: token as CstNode, depth: 0 });
  } catch (error) {
    // The parser closes nested block collections by recursion; past some two thousand levels
    // the stack gives out (the rough check below keeps files far from that).
    if (error instanceof RangeError) return { at: 0, what: DEEPER };
    throw error;
  }
  while (stack.length > 0) {
    const { node, depth: outer } = stack.pop()!;
    let depth = outer;
    if (node.type === 'block-map' || node.type === 'block-seq' || node.type === 'flow-collection') {
      if (++depth > MAX_NESTING) return { at: node.offset ?? 0, what: DEEPER };
    }
    if (node.value) stack.push({ node: node.value, depth });
    for (const item of node.items ?? []) {
      if (item.key) stack.push({ node: item.key, depth });
      if (item.value) stack.push({ node: item.value, depth });
    }
  }
  return undefined;
}

/** Most `[` and `{` a file may hold in all: the parser keeps about 1 KB per open one. */
const MAX_BRACKETS = 10_000;
/** Widest a line's block structure may be: its indentation plus the `- `/`? ` indicators that start it. */
const MAX_BLOCK_WIDTH = 256;

/**
 * A cheap bound checked before the parser runs, which the syntax-tree walk cannot give: the
 * parser builds its whole tree first (some 1 KB per open `[`, gigabytes for a 4 MB file of
 * them) and closes block collections by recursion. So a file may hold at most
 * {@link MAX_BRACKETS} brackets in all (real ones hold a few dozen), and a line may be
 * indented or start with `- `/`? ` indicators at most {@link MAX_BLOCK_WIDTH} levels deep.
 * Returns the offset of the first excess.
 */
function roughlyTooDeep(text: string): { at: number; what: string } | undefined {
  let brackets = 0;
  let lineStart = true;
  let width = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (lineStart) {
      if (c === ' ' || c === '\t' || ((c === '-' || c === '?') && (text[i + 1] === ' ' || text[i + 1] === '\t'))) {
        if (++width > MAX_BLOCK_WIDTH) return { at: i, what: `indented or nested in block style more than ${MAX_BLOCK_WIDTH} levels deep` };
        if (c === '-' || c === '?') i++;
        continue;
      }
      lineStart = false;
    }
    if (c === '\n') {
      lineStart = true;
      width = 0;
    } else if ((c === '[' || c === '{') && ++brackets > MAX_BRACKETS) return { at: i, what: `more than ${MAX_BRACKETS.toLocaleString('en')} [ and { in all` };
  }
  return undefined;
}

function locate(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `:${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
}

/**
 * Reads, parses and validates a YAML or JSON configuration file (synchronously: it runs once
 * at startup). Throws a {@link ConfigError} for an unreadable file, bad syntax or invalid content.
 */
export function loadConfigFile(path: string, env: Env = process.env): SwitchyardConfig {
  return parseConfig(parseConfigText(readConfigText(path), path), env);
}

/** A configuration (or scenario) file's text; a file that is not UTF-8 is refused, not garbled. */
export function readConfigText(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new ConfigError([`${path}: ${unreadable(error)}`]);
  }
  return decodeConfigBytes(bytes, path);
}

/** Why a file could not be read, in a few words. */
export function unreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : `cannot read file (${code ?? 'error'})`;
}

/** A configuration file's bytes as text: UTF-8 only, refused (never garbled) otherwise. */
export function decodeConfigBytes(bytes: Buffer, path: string): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0xfe)) {
    throw new ConfigError([`${path}: the file is UTF-16 or UTF-32; save it as UTF-8`]);
  }
  if (bytes.includes(0)) throw new ConfigError([`${path}: the file holds NUL bytes (UTF-16 without a byte-order mark?); save it as UTF-8`]);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const before = bytes.subarray(0, firstInvalidUtf8(bytes)).toString('utf8');
    throw new ConfigError([`${path}${locate(before, before.length)}: the file is not valid UTF-8 (Latin-1?); save it as UTF-8`]);
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Buffer): number {
  const decodes = (end: number, stream: boolean) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end), { stream });
      return true;
    } catch {
      return false;
    }
  };
  // Streamed, a prefix that ends inside a sequence is fine, so validity only ever turns off.
  let at = longestPrefix(bytes.length, (end) => decodes(end, true));
  // That prefix may end inside the bad sequence (its lead byte looked valid): back up to the
  // last complete character.
  while (at > 0 && !decodes(at, false)) at--;
  return at;
}
