/** One line for a failed admin action: the API's problem in the user's language (see `problemText`). */
import type { TFunction } from "i18next"
import { ApiError } from "@/api/problem"
import { problemText } from "@/lib/problemMessage"

/** Field errors with a field are shown beside it (`fieldErrorMap`); the others join the line. */
export function adminProblem(error: unknown, t: TFunction, lang: string): string {
  const beside = error instanceof ApiError ? error.fieldErrors.map((f) => f.field).filter(Boolean) : []
  return problemText(error, t, lang, beside)
}
