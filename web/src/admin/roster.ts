/** The roster as the learners page shows it: every page of the API gathered, then sorted and filtered. */
import { enrollmentsRoster } from "@/client"
import type { RosterEntry } from "@/client"
import { toCsv } from "./importReport"

export type RosterSort = "name" | "progress" | "status" | "enrolled" | "activity"

export function learnerName(e: RosterEntry): string {
  return e.display_name || e.username || e.user_id
}

/** Every enrollment of the course: pages of 100 (the API's maximum), `onPage` after each. */
export async function fetchRoster(
  courseId: string,
  onPage: (loaded: number, total: number) => void,
  signal?: AbortSignal,
): Promise<RosterEntry[]> {
  const out: RosterEntry[] = []
  for (let offset = 0; ; offset += 100) {
    const { data } = await enrollmentsRoster({ path: { course_ref: courseId }, query: { limit: 100, offset }, signal })
    out.push(...data.items)
    onPage(out.length, data.total)
    if (data.items.length === 0 || out.length >= data.total) return out
  }
}

const KEY: Record<RosterSort, (e: RosterEntry) => string | number> = {
  name: (e) => learnerName(e).toLowerCase(),
  progress: (e) => e.progress,
  status: (e) => e.status,
  enrolled: (e) => e.enrolled_at,
  activity: (e) => e.updated_at,
}

export function sortRoster(rows: RosterEntry[], by: RosterSort, desc: boolean): RosterEntry[] {
  const key = KEY[by]
  const dir = desc ? -1 : 1
  return [...rows].sort((a, b) => {
    const x = key(a)
    const y = key(b)
    return x < y ? -dir : x > y ? dir : 0
  })
}

export function filterRoster(rows: RosterEntry[], text: string, status: string | null): RosterEntry[] {
  const needle = text.trim().toLowerCase()
  return rows.filter(
    (e) =>
      (!status || e.status === status) &&
      (!needle || learnerName(e).toLowerCase().includes(needle) || (e.username ?? "").toLowerCase().includes(needle)),
  )
}

export function rosterCsv(rows: RosterEntry[]): string {
  return toCsv(
    ["username", "display_name", "status", "progress", "enrolled_at", "last_activity", "completed_at", "enrollment_id"],
    rows.map((e) => [e.username, e.display_name, e.status, e.progress, e.enrolled_at, e.updated_at, e.completed_at, e.id]),
  )
}
