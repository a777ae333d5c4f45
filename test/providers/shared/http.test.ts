/** Where adapters send a request and with which headers: the same for both transports. */
import { describe, expect, it } from 'vitest';
import { joinUrl, mergeHeaders, pathUnder, urlBase } from '../../../src/providers/shared/http.js';

describe('pathUnder', () => {
  it.each([
    ['https://api.openai.com/v1', 'chat/completions', '/v1/chat/completions'],
    ['https://api.openai.com/v1/', '/chat/completions', '/v1/chat/completions'],
    ['http://127.0.0.1:11434', 'api/chat', '/api/chat'],
    ['https://x.openai.azure.com/openai/deployments/d?api-version=2024-10-21', 'chat/completions', '/openai/deployments/d/chat/completions?api-version=2024-10-21'],
    ['https://g.example/v1beta', 'models/m:streamGenerateContent?alt=sse', '/v1beta/models/m:streamGenerateContent?alt=sse'],
    ['https://g.example/v1beta?tenant=a#frag', 'models/m:streamGenerateContent?alt=sse', '/v1beta/models/m:streamGenerateContent?tenant=a&alt=sse'],
    ['https://x.example/openai/d?api-version=1', 'tuned#1?tag=a#b', '/openai/d/tuned%231?api-version=1&tag=a%23b'],
  ])('%s + %s → %s', (base, path, expected) => {
    expect(pathUnder(urlBase(base), path)).toBe(expected);
  });

  it('joinUrl gives the whole URL', () => {
    expect(joinUrl('https://x.example/openai/d?api-version=1', 'chat/completions')).toBe('https://x.example/openai/d/chat/completions?api-version=1');
  });
});

describe('mergeHeaders', () => {
  it('lower-cases names, lets a later spelling win and trims values as Headers does', () => {
    expect(mergeHeaders({ authorization: 'Bearer a', 'X-Version': '1' }, undefined, { Authorization: ' Bearer b\n', 'x-version': '\t2 ' })).toEqual({
      authorization: 'Bearer b',
      'x-version': '2',
    });
  });
});
