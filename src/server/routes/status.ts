/** Read-only endpoints: `/health`, `/ready`, `/v1/models`, `/providers`, `/metrics`. */
import type { ProviderStatus } from '../../engine/status.js';
import { redactSecrets } from '../../providers/shared/redact.js';
import type { Exchange, GatewayContext } from '../context.js';
import { GatewayError } from '../errors.js';
import { sendJson } from '../http.js';
import { requireApiKey } from './chat.js';

export function health(_ctx: GatewayContext, exchange: Exchange): void {
  sendJson(exchange.res, 200, { status: 'ok' });
}

/**
 * 200 when the default route has a provider that is selectable or recovering (half_open: its
 * probe permits may all be out for the length of one LLM call, which must not take the
 * instance out of rotation), and the gateway is not draining; else 503.
 */
export function ready(ctx: GatewayContext, exchange: Exchange): void {
  const providers = ctx.engine.providers();
  const members = new Set(ctx.engine.config.routes.default?.providers ?? providers.map((p) => p.name));
  const ok = !ctx.draining && providers.some((p) => members.has(p.name) && (p.selectable || p.probing));
  sendJson(exchange.res, ok ? 200 : 503, {
    status: ok ? 'ready' : 'not_ready',
    ...(ctx.draining ? { reason: 'shutting down' } : {}),
    providers: providers.map((p) => ({ name: p.name, state: p.state, selectable: p.selectable, inDefaultRoute: members.has(p.name) })),
  });
}

const entry = (id: string, kind: string) => ({ id, object: 'model', created: 0, owned_by: 'switchyard', switchyard: { kind } });

/** OpenAI's model list: one entry per route, then one per provider. */
export function models(ctx: GatewayContext, exchange: Exchange): void {
  requireApiKey(ctx, exchange);
  const { routes, providers } = ctx.engine.models();
  sendJson(exchange.res, 200, { object: 'list', data: [...routes.map((id) => entry(id, 'route')), ...providers.map((id) => entry(id, 'provider'))] });
}

/** One model of the list (OpenAI's `GET /v1/models/{id}`, the SDK's `models.retrieve`). */
export function model(ctx: GatewayContext, exchange: Exchange, params: Record<string, string>): void {
  requireApiKey(ctx, exchange);
  const { routes, providers } = ctx.engine.models();
  const id = params.id!;
  const kind = routes.includes(id) ? 'route' : providers.includes(id) ? 'provider' : undefined;
  if (kind === undefined) throw new GatewayError(404, 'unknown_model', `unknown model '${id.slice(0, 200)}': GET /v1/models lists the routes and providers`, 'model');
  sendJson(exchange.res, 200, entry(id, kind));
}

export function providers(ctx: GatewayContext, exchange: Exchange): void {
  sendJson(exchange.res, 200, ctx.engine.providers().map((status) => shown(status, ctx.secrets)));
}

/**
 * A provider's status as the gateway shows it: an operator's free-text disable reason is
 * redacted like every other text (a pasted key must not come back in `/providers`).
 */
export function shown(status: ProviderStatus, secrets: readonly string[]): ProviderStatus {
  if (status.disabledReason === null) return status;
  return { ...status, disabledReason: redactSecrets(status.disabledReason, secrets) };
}

export async function metrics(ctx: GatewayContext, exchange: Exchange): Promise<void> {
  const text = await ctx.metrics.render();
  exchange.res.writeHead(200, { 'content-type': ctx.metrics.contentType, 'content-length': Buffer.byteLength(text) });
  exchange.res.end(text);
}
