/**
 * Newline-delimited JSON (Ollama's stream format), split into lines once for every provider.
 * Pure over byte chunks; blank lines are skipped, a last line without a newline is kept.
 */

/** Decodes NDJSON lines (raw text, not yet parsed) from byte chunks. */
export async function* parseNdjson(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of chunks) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) yield line;
      newline = buffer.indexOf('\n');
    }
  }
  const last = (buffer + decoder.decode()).trim();
  if (last) yield last;
}
