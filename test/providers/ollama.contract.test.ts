import { createOllamaAdapter } from '../../src/providers/ollama/index.js';
import { ollamaWire } from '../fakes/ollama.js';
import { runAdapterContract } from './contract.js';

runAdapterContract({ name: 'ollama', factory: createOllamaAdapter, wire: ollamaWire, model: 'llama3.2' });
