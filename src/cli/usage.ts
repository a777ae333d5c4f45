/** Help texts of the `switchyard` command. */
import type { CommandName } from './args.js';

const LINES: Record<CommandName, string> = {
  serve: 'serve [--config FILE] [--host H] [--port N] [--inspect]',
  simulate: 'simulate SCENARIO [--json] [--seed N] [--chart FILE.svg] [--compare naive]',
  check: 'check FILE',
};

const DETAILS: Record<CommandName, string> = {
  serve: `Starts the OpenAI-compatible gateway.
  -c, --config FILE   configuration (default: ./switchyard.yaml if present, else the demo)
  --host H            listen address (overrides server.host)
  -p, --port N        listen port, 0 picks a free one (overrides server.port)
  --inspect           expose the XState inspector relay on loopback`,
  simulate: `Replays an outage scenario in virtual time and reports.
  --json              print exactly one JSON report on stdout
  --seed N            override the scenario's seed
  --chart FILE.svg    also write a chart of provider states and traffic
  --compare naive     also run a naive router on the same traffic and compare`,
  check: `Validates a configuration file (YAML or JSON) and prints every problem with its path.
  Exit 0 when valid, 1 when not.
  -c, --config FILE   the file, as serve takes it (instead of FILE)`,
};

/** The general help, or one command's. */
export function usage(topic?: CommandName): string {
  if (topic !== undefined) return `Usage: switchyard ${LINES[topic]}\n\n${DETAILS[topic]}\n`;
  return `Usage: switchyard <command> [options]

Commands:
  ${LINES.serve}
      start the gateway
  ${LINES.simulate}
      replay an outage scenario in virtual time
  ${LINES.check}
      validate a configuration file

Options:
  -h, --help      show help (also: switchyard <command> --help)
  -v, --version   print the version
  --debug         print stack traces on errors

Exit codes: 0 success, 1 invalid input or configuration, 2 usage error.
`;
}
