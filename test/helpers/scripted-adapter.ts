/**
 * A scripted adapter for engine tests: each provider answers according to a script, on the
 * engine's virtual clock, and every call is recorded.
 */
import type { AdapterFactory, CallContext } from '../../src/core/adapter.js';
import { sleep } from '../../src/core/clock.js';
import { ProviderError, type ErrorKind } from '../../src/core/errors.js';
import type { ChatRequest, ChatResponse, StreamPart } from '../../src/core/types.js';

/** What one call does. */
export type Behaviour =
  | { type: 'ok'; latencyMs?: number; text?: string }
  | { type: 'fail'; kind: ErrorKind; status?: number; latencyMs?: number; retryAfterMs?: number }
  | { type: 'hang' }
  /** Streams `parts` text deltas, then fails if `failAfter` is set, else finishes. */
  | { type: 'stream'; latencyMs?: number; parts: string[]; partGapMs?: number; failAfter?: number };

export interface CallRecord {
  provider: string;
  requestId: string;
  mode: 'chat' | 'stream';
  at: number;
  /** The call's signal: aborted once the engine cancels the upstream call. */
  signal: AbortSignal;
}

/** A script per provider name: a fixed behaviour, or one chosen per call. */
export type Script = Record<string, Behaviour | ((callIndex: number) => Behaviour)>;

export interface Scripted {
  factory: AdapterFactory;
  calls: CallRecord[];
  /** Replace a provider's script while running. */
  set(provider: string, behaviour: Behaviour | ((callIndex: number) => Behaviour)): void;
  callsTo(provider: string): number;
}

export function scriptedAdapters(script: Script): Scripted {
  const scripts = { ...script };
  const calls: CallRecord[] = [];
  const counts = new Map<string, number>();

  const next = (name: string): Behaviour => {
    const index = counts.get(name) ?? 0;
    counts.set(name, index + 1);
    const entry = scripts[name] ?? { type: 'ok' };
    return typeof entry === 'function' ? entry(index) : entry;
  };

  const factory: AdapterFactory = (settings) => {
    const name = settings.name;
    const fail = (behaviour: Extract<Behaviour, { type: 'fail' }>) =>
      new ProviderError({
        provider: name,
        kind: behaviour.kind,
        message: `scripted ${behaviour.kind}`,
        ...(behaviour.status === undefined ? {} : { status: behaviour.status }),
        ...(behaviour.retryAfterMs === undefined ? {} : { retryAfterMs: behaviour.retryAfterMs }),
      });
    const wait = async (ms: number, context: CallContext) => {
      try {
        await sleep(context.clock, ms, context.signal);
      } catch (reason) {
        throw new ProviderError({ provider: name, kind: 'aborted', message: 'aborted', cause: reason });
      }
    };
    const hang = (context: CallContext) =>
      new Promise<never>((_, reject) => {
        const abort = () => reject(new ProviderError({ provider: name, kind: 'aborted', message: 'aborted' }));
        if (context.signal.aborted) abort();
        else context.signal.addEventListener('abort', abort, { once: true });
      });

    return {
      async chat(request: ChatRequest, context: CallContext): Promise<ChatResponse> {
        calls.push({ provider: name, requestId: context.requestId, mode: 'chat', at: context.clock.now(), signal: context.signal });
        const behaviour = next(name);
        if (behaviour.type === 'hang') return hang(context);
        await wait(behaviour.latencyMs ?? 10, context);
        if (behaviour.type === 'fail') throw fail(behaviour);
        const text = behaviour.type === 'ok' ? (behaviour.text ?? `answer from ${name}`) : behaviour.parts.join('');
        return {
          id: `${name}-${calls.length}`,
          model: settings.model,
          content: text,
          finishReason: { unified: 'stop', raw: 'stop' },
          usage: { inputTokens: 10, outputTokens: 5 },
        };
      },
      async *stream(request: ChatRequest, context: CallContext): AsyncIterable<StreamPart> {
        calls.push({ provider: name, requestId: context.requestId, mode: 'stream', at: context.clock.now(), signal: context.signal });
        const behaviour = next(name);
        if (behaviour.type === 'hang') return void (await hang(context));
        await wait(behaviour.latencyMs ?? 10, context);
        if (behaviour.type === 'fail') throw fail(behaviour);
        const parts = behaviour.type === 'stream' ? behaviour.parts : [behaviour.text ?? `answer from ${name}`];
        for (let i = 0; i < parts.length; i++) {
          if (behaviour.type === 'stream' && behaviour.failAfter === i) {
            throw new ProviderError({ provider: name, kind: 'network', message: 'connection reset mid-stream' });
          }
          if (i > 0) await wait(behaviour.type === 'stream' ? (behaviour.partGapMs ?? 5) : 5, context);
          yield { type: 'text-delta', text: parts[i]! };
        }
        if (behaviour.type === 'stream' && behaviour.failAfter === parts.length) {
          throw new ProviderError({ provider: name, kind: 'network', message: 'connection reset mid-stream' });
        }
        yield { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: { inputTokens: 10, outputTokens: parts.length } };
      },
    };
  };

  return {
    factory,
    calls,
    set: (provider, behaviour) => {
      scripts[provider] = behaviour;
    },
    callsTo: (provider) => calls.filter((call) => call.provider === provider).length,
  };
}
