/**
 * Command-line parsing (CONTRACT §1): `serve`, `simulate`, `check`, `--help`, `--version`,
 * `--debug`. Produces one typed {@link Command}; anything malformed is a {@link UsageError} (exit 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SwitchyardError } from '../core/errors.js';

/** Flags of `switchyard serve`. */
export interface ServeOptions {
  /** Configuration file; when absent, `./switchyard.yaml` if present, else the demo. */
  config: string | undefined;
  /** Overrides `server.host`. */
  host: string | undefined;
  /** Overrides `server.port`; 0 picks a free port. */
  port: number | undefined;
  /** Opt-in XState inspector relay, bound to loopback. @default false */
  inspect: boolean;
  /** Stack traces on errors. @default false */
  debug: boolean;
}

/** Flags of `switchyard simulate`. */
export interface SimulateOptions {
  /** Scenario file (CONTRACT §5). */
  scenario: string;
  /** Exactly one JSON report on stdout. @default false */
  json: boolean;
  /** Overrides the scenario's seed. */
  seed: number | undefined;
  /** Writes an SVG chart to this path. */
  chart: string | undefined;
  /** Also runs the scenario against a baseline and reports both. */
  compare: 'naive' | undefined;
  /** Stack traces on errors. @default false */
  debug: boolean;
}

/** What the command line asks for. */
export type Command =
  | { kind: 'help'; topic: CommandName | undefined }
  | { kind: 'version' }
  | { kind: 'check'; file: string; debug: boolean }
  | { kind: 'serve'; options: ServeOptions }
  | { kind: 'simulate'; options: SimulateOptions };

/** Subcommands. */
export type CommandName = 'serve' | 'simulate' | 'check';

/** A malformed command line: exit code 2. */
export class UsageError extends SwitchyardError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

const GLOBAL: Options = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  debug: { type: 'boolean' },
};

const COMMANDS: Record<CommandName, { options: Options; positionals: string[] }> = {
  serve: {
    options: { config: { type: 'string', short: 'c' }, host: { type: 'string' }, port: { type: 'string', short: 'p' }, inspect: { type: 'boolean' } },
    positionals: [],
  },
  simulate: {
    options: { json: { type: 'boolean' }, seed: { type: 'string' }, chart: { type: 'string' }, compare: { type: 'string' } },
    positionals: ['SCENARIO'],
  },
  // `--config FILE` as with serve, or the file as the argument (CONTRACT §1).
  check: { options: { config: { type: 'string', short: 'c' } }, positionals: ['FILE'] },
};

/** Parses `argv` (without `node` and the script). Throws {@link UsageError}. */
export function parseArgv(argv: readonly string[]): Command {
  const at = argv.findIndex((arg) => !arg.startsWith('-'));
  const name = at === -1 ? undefined : argv[at];
  if (name === 'help') {
    const next = argv[at + 1];
    const topic = next === undefined || next.startsWith('-') ? undefined : next; // `help --debug` is help
    if (topic !== undefined && asCommand(topic) === undefined) throw new UsageError(`help: unknown command "${topic}"`);
    return { kind: 'help', topic: asCommand(topic) };
  }
  if (name !== undefined && !Object.hasOwn(COMMANDS, name)) throw new UsageError(`unknown command "${name}"`);
  const command = name as CommandName | undefined;
  const rest = at === -1 ? [...argv] : [...argv.slice(0, at), ...argv.slice(at + 1)];
  const spec = command === undefined ? { options: {}, positionals: [] } : COMMANDS[command];
  const { values, positionals } = parse(rest, { ...GLOBAL, ...spec.options });

  if (values.help === true) return { kind: 'help', topic: command };
  if (values.version === true) return { kind: 'version' };
  if (command === undefined) throw new UsageError('missing command');
  if (command === 'check' && values.config !== undefined) {
    if (positionals.length > 0) throw new UsageError('check: give the file once, as FILE or as --config FILE');
    return { kind: 'check', file: nonEmpty('--config', values.config as string)!, debug: values.debug === true };
  }
  if (positionals.length < spec.positionals.length) throw new UsageError(`${command}: missing ${spec.positionals.join(' ')}`);
  if (positionals.length > spec.positionals.length) throw new UsageError(`${command}: unexpected argument "${positionals[spec.positionals.length]}"`);

  const debug = values.debug === true;
  const string = (key: string) => values[key] as string | undefined;
  switch (command) {
    case 'check':
      return { kind: 'check', file: positionals[0]!, debug };
    case 'serve':
      return {
        kind: 'serve',
        options: {
          config: nonEmpty('--config', string('config')),
          host: nonEmpty('--host', string('host')),
          port: integer('--port', string('port'), 0, 65_535),
          inspect: values.inspect === true,
          debug,
        },
      };
    case 'simulate': {
      const chart = nonEmpty('--chart', string('chart'));
      if (chart !== undefined && !chart.toLowerCase().endsWith('.svg')) throw new UsageError('--chart: expected a file name ending in .svg');
      const compare = string('compare');
      if (compare !== undefined && compare !== 'naive') throw new UsageError(`--compare: expected "naive", got "${compare}"`);
      return {
        kind: 'simulate',
        options: {
          scenario: positionals[0]!,
          json: values.json === true,
          seed: integer('--seed', string('seed')),
          chart,
          compare,
          debug,
        },
      };
    }
  }
}

function parse(args: string[], options: Options) {
  // `--seed -3`: a negative number is the option's value, not an option (parseArgs would
  // call it ambiguous); `--seed=-3` always worked.
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  args = joined;
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    // Node's messages carry advice about '--' that does not apply here: keep the first sentence.
    const message = error instanceof Error ? (error.message.split(/\.\s/)[0] ?? error.message) : String(error);
    throw new UsageError(message.replace(/\.$/, '').replace(/^[A-Z]/, (c) => c.toLowerCase()));
  }
}

function asCommand(name: string | undefined): CommandName | undefined {
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? (name as CommandName) : undefined;
}

function nonEmpty(flag: string, value: string | undefined): string | undefined {
  if (value === '') throw new UsageError(`${flag}: expected a value`);
  return value;
}

function integer(flag: string, value: string | undefined, min?: number, max?: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  const range = min === undefined || max === undefined ? '' : ` from ${min} to ${max}`;
  if (!Number.isSafeInteger(n) || n < (min ?? -Infinity) || n > (max ?? Infinity)) {
    throw new UsageError(`${flag}: expected an integer${range}, got "${value}"`);
  }
  return n;
}
