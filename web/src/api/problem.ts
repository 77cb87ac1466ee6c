/** Errors from the API as one typed value: status, problem+json title/detail, field errors and Retry-After. */

export interface FieldError {
  field: string
  msg: string
  type: string
  /** The whole location after "body" (e.g. ["sections", 0, "title"]). */
  path: (string | number)[]
}

export class ApiError extends Error {
  readonly status: number
  readonly title: string
  readonly detail: string
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
    const { loc, msg, type } = e as { loc?: unknown; msg?: unknown; type?: unknown }
    const path = Array.isArray(loc) ? (loc.filter((p) => p !== "body" && (typeof p === "string" || typeof p === "number")) as (string | number)[]) : []
    const field = path.length ? String(path[0]) : ""
    return [{ field, msg: typeof msg === "string" ? msg : "", type: typeof type === "string" ? type : "", path }]
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

/** The field errors of a 422 as a map for Mantine's form.setErrors. */
export function fieldErrorMap(e: unknown): Record<string, string> {
  if (!isApiError(e)) return {}
  return Object.fromEntries(e.fieldErrors.filter((f) => f.field).map((f) => [f.field, f.msg]))
}
