/**
 * The import report as the page shows it: items filtered by status and text, counts, and the report as a
 * CSV file to download. Pure functions, so the 10,000-item report is filtered once per change.
 */
import type { ImportReport as ApiReport, ItemResult as ApiItem } from "@/client"

export type ItemStatus = ApiItem["status"]
export type ItemFilter = "all" | ItemStatus

export interface ItemResult {
  index: number
  line: number | null
  slug: string | null
  status: ItemStatus
  errors: { loc: (string | number)[]; msg: string }[]
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
      errors: i.errors ?? [],
    })),
  }
}

export function errorText(item: ItemResult): string {
  return item.errors.map((e) => (e.loc.length ? `${e.loc.join(".")}: ${e.msg}` : e.msg)).join("; ")
}

export function filterItems(items: ItemResult[], status: ItemFilter, text: string): ItemResult[] {
  const needle = text.trim().toLowerCase()
  return items.filter(
    (i) =>
      (status === "all" || i.status === status) &&
      (!needle || (i.slug ?? "").toLowerCase().includes(needle) || errorText(i).toLowerCase().includes(needle)),
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

export function reportCsv(items: ItemResult[]): string {
  return toCsv(
    ["index", "line", "slug", "status", "location", "message"],
    items.flatMap((i) =>
      i.errors.length
        ? i.errors.map((e) => [i.index + 1, i.line ?? "", i.slug ?? "", i.status, e.loc.join("."), e.msg])
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
