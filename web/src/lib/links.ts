/** The links box of a hand-in: one per line, each must be an http(s) address. */
import { safeHttpUrl } from "./markdown"

export function splitLinks(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
}

/** The first line that is not an http(s) address, or null when all are. */
export function firstBadLink(text: string): string | null {
  return splitLinks(text).find((l) => safeHttpUrl(l) === null) ?? null
}
