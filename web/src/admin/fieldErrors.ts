/**
 * A 422's field errors in the admin's language, keyed the way the forms show them: the field's name, or
 * `sections.<key>.<field>` for a section of the course being edited (the API says `sections.<index>.…`).
 * The API's messages are English; the common kinds get the admin's own words, the rest stays as sent.
 */
import type { TFunction } from "i18next"
import { isApiError } from "@/api/problem"
import type { FieldError } from "@/api/problem"

export function fieldMessage(f: FieldError, t: TFunction): string {
  const limit = /(\d[\d,]*)/.exec(f.msg)?.[1]
  if (f.type === "missing" || (f.type === "string_too_short" && limit === "1")) return t("auth.required")
  const count = Number(limit?.replace(/,/g, ""))
  if (f.type === "string_too_long" && limit) return t("admin.errors.tooLongMax", { max: limit, count })
  if (f.type === "too_long" && limit) return t("admin.errors.tooManyMax", { max: limit, count })
  if (f.type === "string_pattern_mismatch") return t("admin.errors.pattern")
  return f.msg
}

export function adminFieldErrors(e: unknown, t: TFunction, sectionKeys: string[] = []): Record<string, string> {
  if (!isApiError(e)) return {}
  const out: Record<string, string> = {}
  for (const f of e.fieldErrors) {
    if (!f.field) continue
    const [, index, sub] = f.path
    const key =
      f.field === "sections" && typeof index === "number" && typeof sub === "string"
        ? `sections.${sectionKeys[index] ?? index}.${sub}`
        : f.field
    out[key] ??= fieldMessage(f, t)
  }
  return out
}
