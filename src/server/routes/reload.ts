/**
 * `POST /admin/reload`: reads the configuration anew (the file `serve` was started with) and
 * applies it, all or nothing. What a reload does to requests under way and what the gateway
 * follows: docs/operations.md.
 *
 * It takes the admin key. A gateway with client keys but no admin key refuses it (403): any
 * client could otherwise reload; one with neither key (a local setup) is open, as its
 * operator actions are.
 */
import type { SwitchyardConfig } from '../../config/types.js';
import { ConfigError } from '../../core/errors.js';
import { redactSecrets } from '../../providers/shared/redact.js';
import { createKeyCheck } from '../auth.js';
import { GatewayError } from '../errors.js';
import type { Exchange, GatewayContext } from '../context.js';
import { sendJson } from '../http.js';

/** Reloads of one gateway run one after another: a slow read must not apply after a later one. */
const queues = new WeakMap<GatewayContext, Promise<unknown>>();

export async function reload(ctx: GatewayContext, exchange: Exchange): Promise<void> {
  if (!ctx.adminKey.accepts(exchange.req.headers)) {
    throw new GatewayError(401, 'invalid_api_key', 'missing or invalid admin key: send "Authorization: Bearer <adminKey>" or "x-api-key: <adminKey>"');
  }
  exchange.req.resume();
  // Without an admin key, the key check above accepts any client key.
  if (!authOf(ctx.engine.config).adminKey && ctx.apiKeys.required) {
    throw new GatewayError(403, 'admin_key_required', 'set server.adminKey to reload the configuration over HTTP: with client keys and no admin key, any client could');
  }
  const reloading = ctx.reloading;
  if (reloading === undefined) {
    throw new GatewayError(409, 'reload_unavailable', 'this gateway has no configuration file to reload (it runs the built-in demo configuration, or its embedder gave it none)');
  }
  const previous = queues.get(ctx) ?? Promise.resolve();
  const turn = previous.then(() => apply(ctx, reloading.read));
  queues.set(ctx, turn.catch(() => undefined));
  sendJson(exchange.res, 200, await turn);
}

async function apply(ctx: GatewayContext, read: () => unknown) {
  const authBefore = authOf(ctx.engine.config);
  try {
    ctx.engine.updateConfig(await read(), { check: reloadable });
  } catch (error) {
    ctx.metrics.reloadRefused();
    if (!(error instanceof ConfigError)) throw error;
    // Nothing changed. Each problem with its path, as `switchyard check` prints them.
    const issues = error.issues.map((issue) => redactSecrets(issue, ctx.secrets));
    ctx.logger.warn('configuration reload refused', { issues });
    throw new GatewayError(400, 'invalid_config', `configuration not reloaded, nothing changed:\n  ${issues.join('\n  ')}`);
  }
  const config = ctx.engine.config;
  const providers = config.providers.map((provider) => provider.name);
  // The gateway follows the new configuration through the engine's `config.updated` event.
  const auth = authOf(config);
  const notApplied = ctx.reloading!.notApplied(config);
  const fields = { providers, auth, ...(notApplied.length === 0 ? {} : { not_applied: notApplied }) };
  if ((authBefore.gatewayKeys && !auth.gatewayKeys) || (authBefore.adminKey && !auth.adminKey)) {
    ctx.logger.warn('configuration reloaded: authentication is now off', fields);
  } else {
    ctx.logger.info('configuration reloaded', fields);
  }
  return { reloaded: true, providers, routes: ctx.engine.models().routes, auth, notApplied };
}

/** Whether client keys and an admin key are configured (blank ones count as none, as the gateway's key checks count them). */
function authOf(config: SwitchyardConfig): { gatewayKeys: boolean; adminKey: boolean } {
  return { gatewayKeys: createKeyCheck(config.server.apiKeys).required, adminKey: createKeyCheck([config.server.adminKey]).required };
}

/**
 * Refuses a file after which no reload could be made over HTTP: client keys without an admin
 * key (this route then answers 403 to everyone, and only a restart would bring it back).
 */
function reloadable(next: SwitchyardConfig): void {
  const auth = authOf(next);
  if (auth.gatewayKeys && !auth.adminKey) {
    throw new ConfigError(['server.adminKey: required once server.apiKeys are set, for a configuration applied by POST /admin/reload (without it no later reload could be made; restart to drop the admin key)']);
  }
}
