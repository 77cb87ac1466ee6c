/**
 * One sentence for an error, in the user's language: a problem the API names by `code` gets its own sentence,
 * 429 says when to try again, offline says so, anything else says what its status means. The server's
 * English `detail` is shown only for a problem this app cannot word itself (`problemText`).
 */
import type { TFunction } from "i18next"
import i18next from "i18next"
import { ApiError, fieldErrorMap, NetworkError } from "@/api/problem"
import { fieldErrorText } from "./fieldErrors"
import { formatTime } from "./format"

const KNOWN = new Set([400, 401, 403, 404, 409, 412, 413, 422, 429, 500, 503])

/** Whether the app has its own words for this problem's code. */
export function hasKnownCode(error: unknown): boolean {
  return error instanceof ApiError && error.code !== "" && i18next.exists(`problems.codes.${error.code}`)
}

export function problemMessage(error: unknown, t: TFunction, lang: string, now: number = Date.now()): string {
  if (error instanceof NetworkError) return t("errors.offline")
  if (!(error instanceof ApiError)) return t("errors.generic")
  if (hasKnownCode(error)) return t(`problems.codes.${error.code}`)
  if (error.status === 429) {
    return error.retryAfter === null
      ? t("errors.tryLater")
      : t("errors.tryAgainAt", { time: formatTime(new Date(now + error.retryAfter * 1000), lang) })
  }
  const status = KNOWN.has(error.status) ? error.status : error.status >= 500 ? 500 : 400
  return t(`errors.status${status}`)
}

/** The server's words worth adding to `problemMessage`: "" when the app words the problem itself. */
export function problemDetail(error: unknown): string {
  if (!(error instanceof ApiError) || hasKnownCode(error) || error.status === 429) return ""
  if (error.fieldErrors.length) return "" // the fields say it (`fieldErrorMap`, `problemText`)
  return error.detail
}

/**
 * The whole message for a failed action: the sentence, then, for a 422, each field error in the user's
 * language ("Slug: …") unless `shownFields` are beside their fields already, else the server's detail when
 * the problem is one the app does not know.
 */
export function problemText(error: unknown, t: TFunction, lang: string, shownFields: readonly string[] = []): string {
  const base = problemMessage(error, t, lang)
  if (!(error instanceof ApiError)) return base
  const fields = error.fieldErrors
    .filter((f) => !shownFields.includes(f.field))
    .map((f) => f.field
        ? t("problems.fieldMessage", { field: fieldLabel(f.field, t), msg: fieldErrorText(f, t, lang) })
        : fieldErrorText(f, t, lang),
    )
  const extra = [problemDetail(error), ...fields].filter(Boolean)
  return extra.length ? `${base} ${extra.join(" ")}` : base
}

/** A field's name for a message that is not beside the field: the app's label when it has one. */
function fieldLabel(field: string, t: TFunction): string {
  return i18next.exists(`problems.fieldNames.${field}`) ? t(`problems.fieldNames.${field}`) : field
}

/** Problems about one field's value, by code: shown beside that field when the form has it. */
const CODE_FIELD: Record<string, string> = { username_taken: "username", email_taken: "email", slug_taken: "slug" }

/**
 * A failed form submission split for display: errors of the form's own `fields` go beside them (a map for
 * Mantine's form.setErrors), everything else into one `message` (null when nothing is left to say).
 */
export function formProblem(
  error: unknown,
  t: TFunction,
  lang: string,
  fields: readonly string[],
): { fields: Record<string, string>; message: string | null } {
  const codeField = error instanceof ApiError && hasKnownCode(error) ? CODE_FIELD[error.code] : undefined
  if (codeField !== undefined && fields.includes(codeField)) {
    return { fields: { [codeField]: problemMessage(error, t, lang) }, message: null }
  }
  const beside = fieldErrorMap(error, t, lang, fields)
  const onlyBeside =
    error instanceof ApiError && error.fieldErrors.length > 0 && error.fieldErrors.every((f) => fields.includes(f.field))
  return { fields: beside, message: onlyBeside ? null : problemText(error, t, lang, fields) }
}
