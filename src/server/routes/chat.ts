/** `POST /v1/chat/completions`: OpenAI Chat Completions, streaming (SSE) and not. */
import { wallTime } from '../../core/clock.js';
import { duringShutdown, GatewayError, toHttpFailure } from '../errors.js';
import type { Exchange, GatewayContext } from '../context.js';
import { readJson, sendJson } from '../http.js';
import { SseWriter } from '../sse.js';
import { ChunkWriter, toChatRequest, toCompletion } from '../translate.js';
import { chatCompletionSchema, parseBody } from '../validate.js';

/** The `x-switchyard-*` headers of an answer. */
export function answerHeaders(provider: string, attempts: number, requestId: string): Record<string, string> {
  return { 'x-switchyard-provider': provider, 'x-switchyard-attempts': String(attempts), 'x-switchyard-request-id': requestId };
}

/** Rejects a request without a valid gateway key (when keys are configured). */
export function requireApiKey(ctx: GatewayContext, exchange: Exchange): void {
  if (!ctx.apiKeys.accepts(exchange.req.headers)) {
    throw new GatewayError(401, 'invalid_api_key', 'missing or invalid API key: send "Authorization: Bearer <key>" or "x-api-key: <key>"');
  }
}

/** An AbortSignal that fires when the client goes away before the answer is complete. */
export function clientGone(exchange: Exchange): AbortSignal {
  const controller = new AbortController();
  exchange.res.once('close', () => {
    if (!exchange.res.writableFinished) controller.abort();
  });
  return controller.signal;
}

export async function chatCompletions(ctx: GatewayContext, exchange: Exchange): Promise<void> {
  requireApiKey(ctx, exchange);
  const { value, bytes } = await readJson(exchange.req, ctx.maxBodyBytes);
  const body = parseBody(chatCompletionSchema, value, bytes);
  const task = exchange.req.headers['x-switchyard-task'];
  const request = toChatRequest(body, typeof task === 'string' ? task : undefined);
  const signal = clientGone(exchange);
  const options = { signal, requestId: exchange.requestId };
  const created = Math.floor(wallTime(ctx.engine.clock) / 1000);
  if (body.stream !== true) {
    const result = await ctx.engine.chat(request, options);
    sendJson(exchange.res, 200, toCompletion(result, created), answerHeaders(result.provider, result.attempts.length, exchange.requestId));
    return;
  }

  const stream = ctx.engine.stream(request, options);
  // Until the first part, a failure is an ordinary error response (failover stays invisible).
  const info = await stream.info;
  const { res } = exchange;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
    ...answerHeaders(info.provider, info.failedAttempts + 1, exchange.requestId),
  });
  const sse = new SseWriter(res, ctx.engine.clock);
  const chunks = new ChunkWriter(`chatcmpl-${exchange.requestId}`, ctx.modelOf(info.provider), created, body.stream_options?.include_usage === true);
  for await (const part of stream) {
    if (part.type === 'error') {
      // Committed: the one error event ends the stream.
      await sse.data(JSON.stringify(toHttpFailure(duringShutdown(part.error, ctx.draining), ctx.secrets).body));
      sse.end();
      return;
    }
    for (const chunk of chunks.chunks(part)) await sse.data(JSON.stringify(chunk));
  }
  await sse.data('[DONE]');
  sse.end();
}
