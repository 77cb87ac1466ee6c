/**
 * The catalogue pages by the API's cursor (a page's `next_after` is the next page's `after`), so a deep page
 * costs the server what the first one does. The cursor of each page seen in this tab is remembered per
 * search, so "Previous" asks for the page before by its cursor too; a page this tab never saw (a shared link
 * to page 5, then Previous) has no cursor and is asked for by its offset.
 */

/** The search a trail of cursors belongs to: the same words, tag and order. */
export interface CursorSearch {
  q?: string
  tag?: string
  sort?: string
}

/** Cursors are opaque URL-safe tokens from the API; anything else in the address bar is ignored. */
export const CURSOR_PATTERN = /^[A-Za-z0-9_-]{1,200}$/

const MAX_SEARCHES = 20
const MAX_PAGES = 500
const trails = new Map<string, Map<number, string>>()

function keyOf(s: CursorSearch): string {
  return JSON.stringify([s.q ?? "", s.tag ?? "", s.sort ?? ""])
}

/** Remember that `page` of this search is asked for with `cursor`. */
export function rememberCursor(search: CursorSearch, page: number, cursor: string): void {
  const key = keyOf(search)
  const trail = trails.get(key) ?? new Map<number, string>()
  trails.delete(key) // most recently used last: the oldest search is the first one forgotten
  trails.set(key, trail)
  if (trail.size < MAX_PAGES || trail.has(page)) trail.set(page, cursor)
  if (trails.size > MAX_SEARCHES) trails.delete(trails.keys().next().value as string)
}

/** The cursor of `page` of this search, when this tab has seen it. */
export function cursorFor(search: CursorSearch, page: number): string | undefined {
  return trails.get(keyOf(search))?.get(page)
}

/** Forget every cursor (tests). */
export function forgetCursors(): void {
  trails.clear()
}
