/**
 * A field error from the API (pydantic's `type`, its limits in `ctx`) as a sentence in the user's language.
 * The server's English `msg` is the last resort, used only for a type this app does not know.
 */
import type { TFunction } from "i18next"
import i18next from "i18next"
import type { FieldError } from "@/api/problem"
import { formatNumber } from "./format"

/** Pydantic types that say "not a number" / "not a date" in their many variants. */
const NUMBER = /^(int|float|decimal)_/
const DATETIME = /^(datetime|date|time)_/
const URL_TYPE = /^url_/

function limit(fe: FieldError, key: string, lang: string): string {
  const v = fe.ctx?.[key]
  return typeof v === "number" ? formatNumber(v, lang) : String(v ?? "")
}

/** The sentence for one field error, without the field's name (it is shown beside its field). */
export function fieldErrorText(fe: FieldError, t: TFunction = i18next.t, lang: string = i18next.language): string {
  const text = core(fe, t, lang)
  // one item of a list field (links[1]) says which
  return typeof fe.index === "number" && fe.field === "links"
    ? t("problems.linkN", { n: formatNumber(fe.index + 1, lang), msg: text })
    : text
}

function core(fe: FieldError, t: TFunction, lang: string): string {
  const type = fe.type
  const field = (key: string) => `problems.${key}.${fe.field}`
  switch (type) {
    case "missing":
      return t("problems.field.missing")
    case "string_too_short":
      return fe.ctx?.min_length === 1 ? t("problems.field.empty") : t("problems.field.string_too_short", { min: limit(fe, "min_length", lang) })
    case "string_too_long":
      return t("problems.field.string_too_long", { max: limit(fe, "max_length", lang) })
    case "too_short":
      return t("problems.field.too_short", { min: limit(fe, "min_length", lang) })
    case "too_long":
      return t("problems.field.too_long", { max: limit(fe, "max_length", lang) })
    case "greater_than_equal":
      return t("problems.field.greater_than_equal", { limit: limit(fe, "ge", lang) })
    case "greater_than":
      return t("problems.field.greater_than", { limit: limit(fe, "gt", lang) })
    case "less_than_equal":
      return t("problems.field.less_than_equal", { limit: limit(fe, "le", lang) })
    case "less_than":
      return t("problems.field.less_than", { limit: limit(fe, "lt", lang) })
    case "string_pattern_mismatch":
      return i18next.exists(field("pattern")) ? t(field("pattern")) : t("problems.field.string_pattern_mismatch")
    case "unsafe_link":
      return t("problems.field.unsafe_link")
    case "control_characters":
      return t("problems.field.control_characters", { code: String(fe.ctx?.code ?? ""), position: limit(fe, "position", lang) })
    case "extra_forbidden":
      return t("problems.field.extra_forbidden")
    case "value_error":
      return i18next.exists(field("value"))
        ? t(field("value"))
        : t("problems.field.value_error", { reason: fe.msg.replace(/^Value error, /, "") })
  }
  if (NUMBER.test(type)) return t("problems.field.number")
  if (DATETIME.test(type)) return t("problems.field.datetime")
  if (URL_TYPE.test(type)) return t("problems.field.url")
  return fe.msg || t("problems.field.invalid")
}
