/**
 * The import report as the page shows it: items filtered by status and text, counts, and the report as a
 * CSV file to download. Pure functions, so the 10,000-item report is filtered once per change.
 */
import type { TFunction } from "i18next"
import i18next from "i18next"
import type { FieldError } from "@/api/problem"
import type { ImportReport as ApiReport, ItemResult as ApiItem } from "@/client"
import { fieldErrorText } from "@/lib/fieldErrors"
import { formatNumber } from "@/lib/format"

export type ItemStatus = ApiItem["status"]
export type ItemFilter = "all" | ItemStatus

export interface ItemResult {
  index: number
  line: number | null
  slug: string | null
  status: ItemStatus
  errors: ItemError[]
}

/** One problem with an item: `type` and `ctx` are what the app words; `msg` is the server's English. */
export interface ItemError {
  loc: (string | number)[]
  msg: string
  type?: string
  ctx?: Record<string, string | number> | null
}

export interface ImportReport {
  dry_run: boolean
  mode: string
  atomic: boolean
  refused: boolean
  created: number
  updated: number
  unchanged: number
  failed: number
  skipped: number
  items: ItemResult[]
}

/** The API's report with its defaults filled in (the OpenAPI types mark defaulted fields optional). */
export function normaliseReport(r: ApiReport): ImportReport {
  return {
    dry_run: r.dry_run,
    mode: r.mode,
    atomic: r.atomic,
    refused: r.refused ?? false,
    created: r.created ?? 0,
    updated: r.updated ?? 0,
    unchanged: r.unchanged ?? 0,
    failed: r.failed ?? 0,
    skipped: r.skipped ?? 0,
    items: (r.items ?? []).map((i) => ({
      index: i.index,
      line: i.line ?? null,
      slug: i.slug ?? null,
      status: i.status,
      errors: (i.errors ?? []).map((e) => ({ loc: e.loc, msg: e.msg, type: e.type, ctx: e.ctx ?? null })),
    })),
  }
}

/** The sentence for one item error in the user's language, without its location. The import's own types
 * have words here; pydantic's go through the app's shared field wording; the server's `msg` is the last resort. */
export function itemErrorMessage(e: ItemError, t: TFunction = i18next.t, lang: string = i18next.language): string {
  const type = e.type ?? ""
  const key = `admin.import.errors.${type}`
  if (type && i18next.exists(key)) {
    const ctx = e.ctx ?? {}
    const n = (k: string) => (typeof ctx[k] === "number" ? formatNumber(ctx[k], lang) : String(ctx[k] ?? ""))
    const first = typeof ctx.first_index === "number" ? formatNumber(ctx.first_index + 1, lang) : ""
    return t(key, { line: n(ctx.first_line !== undefined ? "first_line" : "line"), column: n("column"), size: n("size"), max: n("max_size"), first })
  }
  const path = e.loc
  const field: FieldError = { field: path.length ? String(path[0]) : "", msg: e.msg, type, path }
  if (typeof path[1] === "number") field.index = path[1]
  if (e.ctx) field.ctx = e.ctx
  return fieldErrorText(field, t, lang)
}

/** One item error with where it is (`sections.2.title: ...`); an error about the whole item has no prefix. */
export function itemErrorText(e: ItemError, t: TFunction = i18next.t, lang: string = i18next.language): string {
  const msg = itemErrorMessage(e, t, lang)
  const loc = e.loc.join(".")
  return loc ? t("admin.import.errorAt", { loc, msg }) : msg
}

export function errorText(item: ItemResult, t: TFunction = i18next.t, lang: string = i18next.language): string {
  return item.errors.map((e) => itemErrorText(e, t, lang)).join("; ")
}

export function filterItems(items: ItemResult[], status: ItemFilter, text: string, t: TFunction = i18next.t, lang: string = i18next.language): ItemResult[] {
  const needle = text.trim().toLowerCase()
  return items.filter(
    (i) =>
      (status === "all" || i.status === status) &&
      (!needle || (i.slug ?? "").toLowerCase().includes(needle) || errorText(i, t, lang).toLowerCase().includes(needle)),
  )
}

export function csvCell(value: unknown): string {
  const s = value === null || value === undefined ? "" : String(value)
  // Quote what needs it, and defuse spreadsheet formulas (=, +, -, @ at the start).
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n"
}

export function reportCsv(items: ItemResult[], t: TFunction = i18next.t, lang: string = i18next.language): string {
  return toCsv(
    ["index", "line", "slug", "status", "location", "message"],
    items.flatMap((i) =>
      i.errors.length
        ? i.errors.map((e) => [i.index + 1, i.line ?? "", i.slug ?? "", i.status, e.loc.join("."), itemErrorMessage(e, t, lang)])
        : [[i.index + 1, i.line ?? "", i.slug ?? "", i.status, "", ""]],
    ),
  )
}

export function reportCounts(report: ImportReport): Record<ItemStatus, number> {
  return {
    created: report.created,
    updated: report.updated,
    unchanged: report.unchanged,
    failed: report.failed,
    skipped: report.skipped,
  }
}

/** Offer a text as a file download; CSV starts with a UTF-8 BOM, or Excel reads Chinese as mojibake. */
export function download(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob(type.startsWith("text/csv") ? ["\uFEFF", text] : [text], { type }))
  const a = document.createElement("a")
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
