/**
 * `POST /admin/reload`: reads the configuration anew (the file `serve` was started with) and
 * applies it, all or nothing, behind the admin key. What a reload does to requests under way
 * and what the gateway follows: docs/operations.md.
 */
import { ConfigError } from '../../core/errors.js';
import { redactSecrets } from '../../providers/shared/redact.js';
import { GatewayError } from '../errors.js';
import type { Exchange, GatewayContext } from '../context.js';
import { sendJson } from '../http.js';

export function reload(ctx: GatewayContext, exchange: Exchange): void {
  if (!ctx.adminKey.accepts(exchange.req.headers)) {
    throw new GatewayError(401, 'invalid_api_key', 'missing or invalid admin key: send "Authorization: Bearer <adminKey>" or "x-api-key: <adminKey>"');
  }
  exchange.req.resume();
  if (ctx.draining) throw new GatewayError(503, 'shutting_down', 'the gateway is shutting down: configuration not reloaded');
  const read = ctx.readConfig;
  if (read === undefined) {
    throw new GatewayError(409, 'reload_unavailable', 'this gateway has no configuration file to reload (it runs the built-in demo configuration, or its embedder gave it none)');
  }
  const before = ctx.engine.config.server;
  try {
    ctx.engine.updateConfig(read());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Nothing changed. Each problem with its path, as `switchyard check` prints them.
    const issues = error.issues.map((issue) => redactSecrets(issue, ctx.secrets));
    ctx.logger.warn('configuration reload refused', { issues });
    throw new GatewayError(400, 'invalid_config', `configuration not reloaded, nothing changed:\n  ${issues.join('\n  ')}`);
  }
  const config = ctx.engine.config;
  // Where the gateway listens is fixed once it listens: a restart applies these.
  const notApplied = (['host', 'port'] as const).filter((key) => config.server[key] !== before[key]).map((key) => `server.${key}`);
  const providers = config.providers.map((provider) => provider.name);
  ctx.logger.info('configuration reloaded', { providers, ...(notApplied.length === 0 ? {} : { not_applied: notApplied }) });
  sendJson(exchange.res, 200, { reloaded: true, providers, routes: ctx.engine.models().routes, notApplied });
}
