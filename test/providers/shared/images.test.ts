import { describe, expect, it } from 'vitest';
import { parseDataUrl, refuseImages } from '../../../src/providers/shared/images.js';

describe('parseDataUrl', () => {
  it.each([
    ['data:image/png;base64,AAAA', { mediaType: 'image/png', data: 'AAAA' }],
    ['DATA:Image/PNG;BASE64,AAAA', { mediaType: 'image/png', data: 'AAAA' }],
    ['data:image/png;name=cat.png;base64,AAAA', { mediaType: 'image/png', data: 'AAAA' }],
    ['data: image/webp ;base64,AA', { mediaType: 'image/webp', data: 'AA' }],
    ['data:image/jpg;base64,AA', { mediaType: 'image/jpeg', data: 'AA' }],
    ['data:;base64,AAAA', { mediaType: '', data: 'AAAA' }],
  ])('reads %s', (url, expected) => {
    expect(parseDataUrl(url)).toEqual(expected);
  });

  it.each(['https://example.com/cat.png', 'data:image/png,AAAA', 'data:image/png;a=b,c;base64,AA', 'data:image/png;base64;x,AA', 'gs://bucket/cat.png'])(
    'is not fooled by %s',
    (url) => {
      expect(parseDataUrl(url)).toBeUndefined();
    },
  );

  it('reads only the head of a large image: its cost does not grow with the data', () => {
    const small = `data:image/png;base64,${'A'.repeat(100)}`;
    const large = `data:image/png;base64,${'A'.repeat(8_000_000)}`;
    parseDataUrl(large); // the string is built (flattened) once
    const time = (url: string) => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < 200; i++) parseDataUrl(url);
      return Number(process.hrtime.bigint() - start);
    };
    time(small);
    // A whole-string scan costs about 5 ms per call here, so 200 calls would take a second.
    expect(time(large)).toBeLessThan(50 * time(small) + 50_000_000);
    expect(parseDataUrl(large)!.data).toHaveLength(8_000_000);
  });
});

describe('refuseImages', () => {
  it('names the first image part the provider objects to, by message and part index', () => {
    const request = {
      messages: [
        { role: 'user' as const, content: 'text only' },
        { role: 'user' as const, content: [{ type: 'text' as const, text: 'see' }, { type: 'image_url' as const, url: 'data:image/png;base64,AA' }, { type: 'image_url' as const, url: 'https://x/y.png' }] },
      ],
    };
    expect(refuseImages(request, (image) => (image.url.startsWith('https:') ? 'no URLs' : undefined))).toEqual({ param: 'messages[1].content[2]', reason: 'no URLs' });
    expect(refuseImages(request, () => undefined)).toBeUndefined();
  });
});
