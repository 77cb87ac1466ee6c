/**
 * Search highlights as safe HTML. The API sends HTML-escaped course text with `<mark>` around matches;
 * it is still sanitised here so that only `<mark>` (without attributes) can ever reach the page.
 */
import DOMPurify from "dompurify"

export function sanitizeHighlight(html: string): string {
  return DOMPurify.sanitize(html ?? "", { ALLOWED_TAGS: ["mark"], ALLOWED_ATTR: [], KEEP_CONTENT: true })
}
