/**
 * Types of the fake-upstream framework: scripted behaviours (one per call, queued), the reply
 * a fake should give in its provider's wire format, and the per-provider {@link FakeWire}.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ToolCall } from '../../src/core/types.js';

/** A request as the fake received it on the socket. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** `body` parsed as JSON, or `undefined`. */
  json: unknown;
  /** Client port of the connection (equal ports on two requests = a reused connection). */
  remotePort: number | undefined;
}

/** What the model "says", in provider-neutral terms; each wire renders it faithfully. */
export interface ScriptedReply {
  /** @default 'Hello from the fake upstream.' */
  content?: string;
  /** How a stream splits `content`. @default word by word */
  chunks?: string[];
  toolCalls?: ToolCall[];
  /** @default 'tool_calls' when there are tool calls, else 'stop' */
  finish?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  /**
   * Thinking the model does before answering; each wire renders it in its provider's own
   * reasoning form (a thinking block, thought parts, `thinking`, `reasoning_content`), never as
   * answer text. @default none
   */
  reasoning?: string;
  /** `null`: the provider reports no usage. @default { input: 11, output: 7 } */
  usage?: ScriptedUsage | null;
  /** @default the model the request named, else 'fake-model' */
  model?: string;
}

/**
 * Token counts in provider-neutral terms: `input` is the whole prompt (`cachedInput` of it read
 * from a prompt cache, `cacheWriteInput` of it written to one), `output` everything generated
 * (`reasoning` of it thinking). Each wire splits them as its provider reports them.
 */
export interface ScriptedUsage {
  input: number;
  output: number;
  /** @default 0 */
  reasoning?: number;
  /** @default 0 */
  cachedInput?: number;
  /** Only Anthropic's wire reports cache writes. @default 0 */
  cacheWriteInput?: number;
}

/** A {@link ScriptedReply} with its defaults applied. */
export interface ResolvedReply {
  content: string;
  chunks: string[];
  toolCalls: ToolCall[];
  finish: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  /** `''` when the model does not think. */
  reasoning: string;
  /** How a stream splits `reasoning`: word by word. */
  reasoningChunks: string[];
  usage: ScriptedUsage | null;
  model: string | undefined;
}

/** Semantic upstream errors; each wire renders its provider's status, body and headers. */
export type FaultKind =
  | 'rate_limit'
  | 'quota'
  | 'server'
  | 'overloaded'
  | 'unavailable'
  | 'auth'
  | 'model_not_found'
  | 'bad_request'
  | 'context_length'
  | 'content_filter';

/** What the fake does with one call. Calls take behaviours from a queue; an empty queue means `ok`. */
export type Behaviour =
  | { type: 'ok'; reply?: ScriptedReply } // answers in the mode the request asked for
  | { type: 'stream'; reply?: ScriptedReply } // answers with a stream whatever was asked
  | { type: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { type: 'error'; kind: FaultKind; headers?: Record<string, string>; message?: string }
  | { type: 'stream-error'; kind: FaultKind } // starts streaming, then an in-stream error event
  | { type: 'hang-before-headers' }
  | { type: 'hang-mid-stream'; reply?: ScriptedReply } // headers and part of the body, then silence
  | { type: 'paused-stream'; resume: Promise<void>; reply?: ScriptedReply } // headers and the first half of a stream; the rest once `resume` resolves (a reset if it rejects)
  | { type: 'reset-before-headers' }
  | { type: 'reset-mid-body'; reply?: ScriptedReply }
  | { type: 'garbage-json' }
  | { type: 'wrong-shape-json' } // valid JSON that is not the provider's reply or event (an array)
  | { type: 'wrong-content-type' }
  | { type: 'truncated-stream'; reply?: ScriptedReply } // a stream without its terminator
  | { type: 'echo-key-in-error' }; // 401 whose message repeats the credential received

/** A rendered HTTP reply. */
export interface WireReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** One provider's wire format, as a fake upstream speaks it. */
export interface FakeWire {
  readonly name: string;
  /** Path prefix of the base URL adapters are configured with (e.g. `/v1`). */
  readonly basePath: string;
  /** Whether the request asked for a stream. */
  isStream(request: RecordedRequest): boolean;
  /** The complete (non-streaming) JSON answer. */
  json(reply: ResolvedReply, request: RecordedRequest): unknown;
  /** The stream answer as raw frames; the last `terminatorFrames` frames are the terminator. */
  stream(reply: ResolvedReply, request: RecordedRequest): { contentType: string; frames: string[]; terminatorFrames: number };
  /** The provider's error reply for `kind`; `message` replaces the usual text. */
  error(kind: FaultKind, message?: string): WireReply;
  /** An error event inside a stream (a frame). */
  streamError(kind: FaultKind): string;
  /** The credential the request carried (for `echo-key-in-error`). */
  credential(request: RecordedRequest): string | undefined;
  /** Answers for paths other than generation (models list, tags), or `undefined`. */
  other(request: RecordedRequest): WireReply | undefined;
  /** The 400 the real API answers a generation request it refuses (checked before `ok` and `stream`), or `undefined`. */
  refuse?(request: RecordedRequest): WireReply | undefined;
}
