/** Numbers, dates and durations in the user's locale and time zone (Intl), words from the locale files. */
import type { TFunction } from "i18next"

/** "1 h 25 min" / "1 小时 25 分钟"; whole hours drop the minutes, under an hour drops the hours. */
export function formatDuration(totalMinutes: number, t: TFunction): string {
  const minutes = Math.max(0, Math.round(totalMinutes))
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  const parts: string[] = []
  if (h > 0) parts.push(t("duration.hours", { n: h }))
  if (m > 0 || h === 0) parts.push(t("duration.minutes", { n: m }))
  return parts.join(" ")
}

export function formatNumber(value: number, lang: string): string {
  return new Intl.NumberFormat(lang).format(value)
}

export function formatPercent(fraction: number, lang: string): string {
  return new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 }).format(fraction)
}

export function formatDateTime(iso: string | Date, lang: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short", timeZone }).format(new Date(iso))
}

export function formatDate(iso: string | Date, lang: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone }).format(new Date(iso))
}

export function formatTime(date: Date, lang: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(lang, { timeStyle: "short", timeZone }).format(date)
}
