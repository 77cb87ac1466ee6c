/** One line for a failed admin action: the API's problem in the user's language plus its detail. */
import type { TFunction } from "i18next"
import { ApiError } from "@/api/problem"
import { problemMessage } from "@/lib/problemMessage"

export function adminProblem(error: unknown, t: TFunction, lang: string): string {
  const base = problemMessage(error, t, lang)
  if (!(error instanceof ApiError)) return base
  // A 422 whose every error belongs to a field is said beside those fields; the generic detail adds nothing.
  const byField = error.status === 422 && error.fieldErrors.length > 0 && error.fieldErrors.every((f) => f.field)
  const extra = byField ? [] : [error.detail, ...error.fieldErrors.filter((f) => !f.field).map((f) => f.msg)].filter(Boolean)
  return extra.length ? `${base} ${extra.join(" ")}` : base
}
