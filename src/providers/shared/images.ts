/**
 * Images in requests: base64 data URLs, and the check adapters use to say which images
 * they cannot take (see `ProviderAdapter.refuses`).
 */
import type { ChatMessage, ChatRequest, ContentPart } from '../../core/types.js';

/**
 * The head of `data:[<type>][;param=value…];base64,<data>` (RFC 2397; scheme and `base64`
 * in any case). Only the head is matched: the data may be megabytes, and is sliced off.
 */
const DATA_URL_HEAD = /^data:([^;,]*)(?:;[^;,]*)*?;base64,/i;
/** Longest head read (type and parameters); a longer one is not taken as a data URL. */
const MAX_HEAD = 1024;

/**
 * The media type (trimmed, lower case, `image/jpg` read as `image/jpeg`; empty when the URL
 * names none) and base64 data of a data URL, or undefined for any other URL.
 */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  // A head is short: never scan further into a long string that has none.
  const head = DATA_URL_HEAD.exec(url.length > MAX_HEAD ? url.slice(0, MAX_HEAD) : url);
  if (head === null) return undefined;
  const type = head[1]!.trim().toLowerCase();
  return { mediaType: type === 'image/jpg' ? 'image/jpeg' : type, data: url.slice(head[0].length) };
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

/** The warning for an image `detail` (`low`, `high`) a provider has no field for; `auto`, the default, needs none. */
export function imageDetailWarning(image: ImagePart, provider: string): string | undefined {
  return image.detail === undefined || image.detail === 'auto' ? undefined : `${provider} has no image detail setting; "detail" was not sent`;
}
