// Token estimates for blocks given without a count. A rough, documented rule
// (docs/simulate.md): characters of the block's text / chars-per-token, and a
// flat count per image. Results using it are flagged as estimates.

export const DEFAULT_CHARS_PER_TOKEN = 3.5;
/** an image of about 1.15 megapixels (≈ width × height / 750), the largest that is not downscaled */
export const IMAGE_TOKENS = 1600;

function textOf(v: unknown): number {
  if (typeof v === 'string') return v.length;
  return v === undefined ? 0 : JSON.stringify(v).length;
}

/** characters that count as text in a block, and its images */
function measure(block: Record<string, unknown>, kind: string): { chars: number; images: number } {
  switch (kind) {
    case 'text':
      return { chars: textOf(block['text']), images: 0 };
    case 'thinking':
      return { chars: textOf(block['thinking']), images: 0 };
    case 'redacted_thinking':
      return { chars: textOf(block['data']), images: 0 };
    case 'image':
      return { chars: 0, images: 1 };
    case 'tool_use':
      return { chars: textOf(block['name']) + textOf(block['input']), images: 0 };
    case 'tool_result': {
      const c = block['content'];
      if (!Array.isArray(c)) return { chars: textOf(c), images: 0 };
      let chars = 0;
      let images = 0;
      for (const inner of c) {
        if (inner && typeof inner === 'object' && (inner as { type?: unknown }).type === 'image') images++;
        else chars += measure(inner as Record<string, unknown>, 'text').chars || textOf(inner);
      }
      return { chars, images };
    }
    default:
      // tool definitions, documents, server tool results: their JSON text
      return { chars: JSON.stringify(block).length, images: 0 };
  }
}

export function estimateTokens(block: Record<string, unknown>, kind: string, charsPerToken: number): number {
  const { chars, images } = measure(block, kind);
  return Math.ceil(chars / charsPerToken) + images * IMAGE_TOKENS;
}
