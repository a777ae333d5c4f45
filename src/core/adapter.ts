/**
 * The contract between the engine and a provider adapter. Adapters are stateless
 * translators: they never retry, never keep health, and report every failure as a thrown
 * {@link ProviderError}.
 */
import type { Clock } from './clock.js';
import type { ChatRequest, ChatResponse, StreamPart } from './types.js';

/** What an adapter gets for one call. */
export interface CallContext {
  /** Aborted when the attempt times out, the request's deadline passes or the client leaves. */
  signal: AbortSignal;
  /** The engine's clock: the only source of time and timers. */
  clock: Clock;
  /** The request id, for upstream tracing headers. */
  requestId: string;
}

/** The resolved settings of one configured provider that an adapter needs. */
export interface ProviderSettings {
  name: string;
  type: string;
  baseUrl: string | undefined;
  apiKey: string | undefined;
  model: string;
  headers: Record<string, string>;
  /** Type-specific options (e.g. a simulated provider's latency and incidents). */
  options: Record<string, unknown>;
}

/** One provider's translator. Created once per configured provider by its factory. */
export interface ProviderAdapter {
  /** A complete answer. Throws {@link ProviderError} on failure. */
  chat(request: ChatRequest, context: CallContext): Promise<ChatResponse>;
  /**
   * A streamed answer: text/tool deltas, then one `finish` part. Failures before the first
   * part are thrown from the first `next()`; later ones are thrown from a later `next()`.
   * A stream that ends without its terminator throws a `malformed` {@link ProviderError}.
   */
  stream(request: ChatRequest, context: CallContext): AsyncIterable<StreamPart>;
  /**
   * This provider's estimate of the prompt's tokens (a real tokenizer where one exists). The
   * engine asks only when the cheap estimate comes near a candidate's context window.
   */
  estimateInputTokens?(request: ChatRequest): number;
  /**
   * Why this provider cannot take `request` as it stands, naming the part: something it would
   * have to leave out that changes what is asked (an image given in a form it cannot
   * receive, a JSON response format it cannot honour). The engine then routes the request to
   * providers of the route that can take it, and refuses it (400, `param` = the part) when
   * none can. Undefined: it can. Asked only for requests with content parts or a
   * `responseFormat`. Parameters an adapter cannot carry (a `seed`) are warnings instead, as
   * they change how, not what, is asked.
   */
  refuses?(request: ChatRequest): { param: string; reason: string } | undefined;
  /** Active health check (models list or tags); resolves when the upstream answers. */
  check?(context: CallContext): Promise<void>;
  /** Releases sockets and timers. */
  close?(): Promise<void>;
}

/** Environment shared by all adapters of one engine. */
export interface AdapterEnvironment {
  clock: Clock;
  /** `fetch` to use for HTTP (inject a tuned dispatcher or a test double). @default globalThis.fetch */
  fetch: typeof fetch;
  /** Seed for adapters with randomness (the simulated provider). */
  seed: number;
  /** Engine start time on `clock`, the origin of scripted incidents. */
  startedAt: number;
}

/** Builds an adapter for one configured provider. */
export type AdapterFactory = (settings: ProviderSettings, environment: AdapterEnvironment) => ProviderAdapter;
