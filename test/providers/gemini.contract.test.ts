import { createGeminiAdapter } from '../../src/providers/gemini/index.js';
import { geminiWire } from '../fakes/gemini.js';
import { runAdapterContract } from './contract.js';

runAdapterContract({ name: 'gemini', factory: createGeminiAdapter, wire: geminiWire, model: 'gemini-2.5-flash', cacheCounts: { reads: true, writes: false } });
