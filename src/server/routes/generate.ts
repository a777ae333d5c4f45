/** `POST /generate`: the simple API (`{prompt}` → `{content, model, provider, tokens_used, response_time}`). */
import type { ChatRequest } from '../../core/types.js';
import { GatewayError } from '../errors.js';
import type { Exchange, GatewayContext } from '../context.js';
import { readJson, sendJson } from '../http.js';
import { generateSchema, parseBody } from '../validate.js';
import { answerHeaders, clientGone, requireApiKey } from './chat.js';

export async function generate(ctx: GatewayContext, exchange: Exchange): Promise<void> {
  requireApiKey(ctx, exchange);
  const { value, bytes } = await readJson(exchange.req, ctx.maxBodyBytes);
  const body = parseBody(generateSchema, value, bytes);
  const request: ChatRequest = { messages: [{ role: 'user', content: body.prompt }] };
  const model = body.model ?? (body.strategy === undefined ? undefined : routeForStrategy(ctx, body.strategy));
  if (model !== undefined) request.model = model;
  if (body.max_tokens !== undefined) request.maxTokens = body.max_tokens;
  if (body.temperature !== undefined) request.temperature = body.temperature;
  if (body.task !== undefined) request.task = body.task;
  const result = await ctx.engine.chat(request, { signal: clientGone(exchange), requestId: exchange.requestId });
  const { inputTokens, outputTokens } = result.usage;
  sendJson(
    exchange.res,
    200,
    {
      content: result.content,
      model: result.model,
      provider: result.provider,
      tokens_used: inputTokens === undefined && outputTokens === undefined ? null : (inputTokens ?? 0) + (outputTokens ?? 0),
      response_time: (ctx.engine.clock.now() - exchange.startedAt) / 1000,
      request_id: result.requestId,
    },
    answerHeaders(result.provider, result.attempts.length, exchange.requestId),
  );
}

/**
 * `strategy` names a route or provider, or a routing strategy: then the first route that
 * uses it (so `{"strategy": "lowest-cost"}` goes to a lowest-cost route).
 */
function routeForStrategy(ctx: GatewayContext, strategy: string): string {
  const { routes, providers } = ctx.engine.models();
  if (routes.includes(strategy) || providers.includes(strategy)) return strategy;
  const match = Object.entries(ctx.engine.config.routes).find(([, route]) => route.strategy === strategy);
  if (match !== undefined) return match[0];
  throw new GatewayError(400, 'invalid_request', `strategy: '${strategy}' names no route, provider, or strategy used by a route`, 'strategy');
}
