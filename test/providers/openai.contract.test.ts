import { createOpenAIAdapter } from '../../src/providers/openai/index.js';
import { openaiWire } from '../fakes/openai.js';
import { runAdapterContract } from './contract.js';

runAdapterContract({ name: 'openai', factory: createOpenAIAdapter, wire: openaiWire, model: 'gpt-4o', cacheCounts: { reads: true, writes: false } });
