/** Errors from the API as one typed value: status, problem+json title/detail/code, field errors and Retry-After. */
import type { TFunction } from "i18next"
import { fieldErrorText } from "@/lib/fieldErrors"

export interface FieldError {
  /** The body field (first part of `loc` after "body"); "" for the body as a whole. */
  field: string
  /** The item of a list field (`links[1]` → 1), when the error is about one item. */
  index?: number
  msg: string
  /** Pydantic's error type (`missing`, `string_too_long`, ...): what the app words in its own language. */
  type: string
  /** The rule's limits (`min_length`, `max_length`, `ge`, `le`, ...). */
  ctx?: Record<string, string | number>
  /** The whole location after "body" (e.g. ["sections", 0, "title"]). */
  path: (string | number)[]
}

export class ApiError extends Error {
  readonly status: number
  readonly title: string
  readonly detail: string
  /** The problem's stable machine-readable name (`slug_taken`, `deadline_passed`, ...), "" when it has none. */
  readonly code: string
  readonly fieldErrors: FieldError[]
  /** Seconds to wait before trying again (429/503), when the server said so. */
  readonly retryAfter: number | null

  constructor(status: number, body: unknown, retryAfter: string | null) {
    const problem = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>
    const title = typeof problem.title === "string" ? problem.title : ""
    super(title || `HTTP ${status}`)
    this.name = "ApiError"
    this.status = status
    this.title = title
    this.detail = typeof problem.detail === "string" ? problem.detail : ""
    this.code = typeof problem.code === "string" ? problem.code : ""
    this.fieldErrors = parseFieldErrors(problem.errors)
    this.retryAfter = parseRetryAfter(retryAfter)
  }
}

/** A request that never reached the server (offline, server down, aborted). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super("network error", { cause })
    this.name = "NetworkError"
  }
}

function parseFieldErrors(raw: unknown): FieldError[] {
  if (!Array.isArray(raw)) return []
  return raw.flatMap((e): FieldError[] => {
    if (typeof e !== "object" || e === null) return []
    const { loc, msg, type, ctx } = e as { loc?: unknown; msg?: unknown; type?: unknown; ctx?: unknown }
    const path = Array.isArray(loc) ? (loc.filter((p) => p !== "body" && (typeof p === "string" || typeof p === "number")) as (string | number)[]) : []
    const field = path.length ? String(path[0]) : ""
    const out: FieldError = { field, msg: typeof msg === "string" ? msg : "", type: typeof type === "string" ? type : "", path }
    if (typeof path[1] === "number") out.index = path[1]
    if (typeof ctx === "object" && ctx !== null) out.ctx = ctx as Record<string, string | number>
    return [out]
  })
}

/** Retry-After as seconds: either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds))
  const at = Date.parse(value)
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000))
}

export function isApiError(e: unknown, status?: number): e is ApiError {
  return e instanceof ApiError && (status === undefined || e.status === status)
}

/**
 * The field errors of a 422 as a map for Mantine's form.setErrors, each in the user's language (the app's
 * i18next language unless `t` and `lang` are given); with `fields`, only those the form shows.
 */
export function fieldErrorMap(e: unknown, t?: TFunction, lang?: string, fields?: readonly string[]): Record<string, string> {
  if (!isApiError(e)) return {}
  const shown = e.fieldErrors.filter((f) => f.field && (!fields || fields.includes(f.field)))
  return Object.fromEntries(shown.map((f) => [f.field, fieldErrorText(f, t, lang)]))
}
