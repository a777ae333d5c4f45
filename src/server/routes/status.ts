/** Read-only endpoints: `/health`, `/ready`, `/v1/models`, `/providers`, `/metrics`. */
import type { Exchange, GatewayContext } from '../context.js';
import { sendJson } from '../http.js';
import { requireApiKey } from './chat.js';

export function health(_ctx: GatewayContext, exchange: Exchange): void {
  sendJson(exchange.res, 200, { status: 'ok' });
}

/** 200 when the default route has a selectable provider (and the gateway is not draining), else 503. */
export function ready(ctx: GatewayContext, exchange: Exchange): void {
  const providers = ctx.engine.providers();
  const members = new Set(ctx.engine.config.routes.default?.providers ?? providers.map((p) => p.name));
  const ok = !ctx.draining && providers.some((p) => members.has(p.name) && p.selectable);
  sendJson(exchange.res, ok ? 200 : 503, {
    status: ok ? 'ready' : 'not_ready',
    ...(ctx.draining ? { reason: 'shutting down' } : {}),
    providers: providers.map((p) => ({ name: p.name, state: p.state, selectable: p.selectable, inDefaultRoute: members.has(p.name) })),
  });
}

/** OpenAI's model list: one entry per route, then one per provider. */
export function models(ctx: GatewayContext, exchange: Exchange): void {
  requireApiKey(ctx, exchange);
  const { routes, providers } = ctx.engine.models();
  const entry = (id: string, kind: string) => ({ id, object: 'model', created: 0, owned_by: 'switchyard', switchyard: { kind } });
  sendJson(exchange.res, 200, { object: 'list', data: [...routes.map((id) => entry(id, 'route')), ...providers.map((id) => entry(id, 'provider'))] });
}

export function providers(ctx: GatewayContext, exchange: Exchange): void {
  sendJson(exchange.res, 200, ctx.engine.providers());
}

export async function metrics(ctx: GatewayContext, exchange: Exchange): Promise<void> {
  const text = await ctx.metrics.render();
  exchange.res.writeHead(200, { 'content-type': ctx.metrics.contentType, 'content-length': Buffer.byteLength(text) });
  exchange.res.end(text);
}
