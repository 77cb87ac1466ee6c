/** The admin's own time zone for date inputs: datetime-local text (local wall time) <-> ISO UTC. */

export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone
}

/** "2026-03-01T09:30" as the admin's local time, to an ISO UTC string; null when empty or invalid. */
export function localInputToIso(local: string): string | null {
  if (!local) return null
  const d = new Date(local)
  return Number.isNaN(d.getTime()) ? null : d.toISOString()
}

/** An ISO UTC instant as datetime-local text in the admin's time zone. */
export function isoToLocalInput(iso: string | null | undefined): string {
  if (!iso) return ""
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ""
  const pad = (n: number) => String(n).padStart(2, "0")
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}
