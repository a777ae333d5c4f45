/**
 * Images in requests: base64 data URLs, and the check adapters use to say which images
 * they cannot take (see `ProviderAdapter.refuses`).
 */
import type { ChatMessage, ChatRequest, ContentPart } from '../../core/types.js';

/** `data:<type>[;param=value…];base64,<data>`. */
const DATA_URL = /^data:([^;,]+)((?:;[^;,]*)*);base64,(.*)$/s;

/** The media type (lower case) and base64 data of a data URL, or undefined for any other URL. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const match = DATA_URL.exec(url);
  return match === null ? undefined : { mediaType: match[1]!.toLowerCase(), data: match[3]! };
}

/** An image part as a provider sees it. */
export type ImagePart = Extract<ContentPart, { type: 'image_url' }>;

/**
 * The first image of `request` that `problem` objects to, as `{ param, reason }` naming the
 * part (`messages[1].content[0]`), or undefined when every image is acceptable.
 */
export function refuseImages(request: ChatRequest, problem: (image: ImagePart, role: ChatMessage['role']) => string | undefined): { param: string; reason: string } | undefined {
  for (let i = 0; i < request.messages.length; i++) {
    const message = request.messages[i]!;
    if (!Array.isArray(message.content)) continue;
    for (let j = 0; j < message.content.length; j++) {
      const part = message.content[j]!;
      if (part.type !== 'image_url') continue;
      const reason = problem(part, message.role);
      if (reason !== undefined) return { param: `messages[${i}].content[${j}]`, reason };
    }
  }
  return undefined;
}
