/** One sentence for an error, in the user's language: 429 says when to try again, offline says so. */
import type { TFunction } from "i18next"
import { ApiError, NetworkError } from "@/api/problem"
import { formatTime } from "./format"

const KNOWN = new Set([400, 401, 403, 404, 409, 413, 422, 429, 500, 503])

export function problemMessage(error: unknown, t: TFunction, lang: string, now: number = Date.now()): string {
  if (error instanceof NetworkError) return t("errors.offline")
  if (!(error instanceof ApiError)) return t("errors.generic")
  if (error.status === 429) {
    return error.retryAfter === null
      ? t("errors.tryLater")
      : t("errors.tryAgainAt", { time: formatTime(new Date(now + error.retryAfter * 1000), lang) })
  }
  const status = KNOWN.has(error.status) ? error.status : error.status >= 500 ? 500 : 400
  return t(`errors.status${status}`)
}
