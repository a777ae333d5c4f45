import { createAnthropicAdapter } from '../../src/providers/anthropic/index.js';
import { anthropicWire } from '../fakes/anthropic.js';
import { runAdapterContract } from './contract.js';

runAdapterContract({ name: 'anthropic', factory: createAnthropicAdapter, wire: anthropicWire, model: 'claude-sonnet-4-5', cacheCounts: { reads: true, writes: true } });
