/**
 * "Overwrite with my changes" after a 412, as a three-way merge: `base` is the course as I loaded it,
 * `theirs` the server's latest version, `mine` my draft. Only what I changed against my base is put on
 * theirs (course fields, and per section only the fields I edited; sections I added or deleted; the order
 * only if I moved sections), so everything else keeps their values. Where we both changed the same thing,
 * mine wins, and the clash is listed so the dialog can show it before I confirm. Kept pure for unit tests.
 */
import type { CourseDraft, CourseField, DraftSection } from "./courseEditor"
import { COURSE_FIELDS, newKey } from "./courseEditor"

export const SECTION_FIELDS = ["title", "body", "duration_minutes"] as const
export type SectionField = (typeof SECTION_FIELDS)[number]

/**
 * One row of the conflict dialog: something they changed (or something we both changed), with their value
 * and what an overwrite leaves. `field` is a locale key under `admin.fields.`; `section` names the section
 * the row is about, when it is about one. `clash`: we both changed it and mine wins.
 */
export interface Change {
  field: CourseField | "sections" | SectionField | "deleted"
  section?: string
  mine: string
  theirs: string
  clash: boolean
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

function show(value: unknown): string {
  return Array.isArray(value) ? value.join(", ") : String(value)
}

function listText(sections: DraftSection[]): string {
  return sections.map((s, i) => `${i + 1}. ${s.title} (${s.duration_minutes})`).join("\n")
}

function ids(sections: DraftSection[]): string[] {
  return sections.flatMap((s) => (s.section_id ? [s.section_id] : []))
}

/** The longest common subsequence of two id lists: the sections that kept their relative order. */
function stable(a: string[], b: string[]): Set<string> {
  const n = a.length
  const m = b.length
  const len: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0))
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      len[i]![j] = a[i] === b[j] ? len[i + 1]![j + 1]! + 1 : Math.max(len[i + 1]![j]!, len[i]![j + 1]!)
  const out = new Set<string>()
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (a[i] === b[j]) {
      out.add(a[i]!)
      i++
      j++
    } else if (len[i + 1]![j]! >= len[i]![j + 1]!) i++
    else j++
  }
  return out
}

/**
 * The sections I moved: in my list, the base sections outside the longest run that kept the base's relative
 * order. Empty when I only edited, added or deleted.
 */
function movedByMe(base: CourseDraft, mine: CourseDraft): Set<string> {
  const mineIds = ids(mine.sections).filter((id) => base.sections.some((s) => s.section_id === id))
  const kept = new Set(mineIds)
  const baseIds = ids(base.sections).filter((id) => kept.has(id))
  const keep = stable(baseIds, mineIds)
  return new Set(mineIds.filter((id) => !keep.has(id)))
}

export interface Merge {
  /** Their version with my changes on it: saving it against theirs sends only what I changed. */
  merged: CourseDraft
  /** What they changed, with what the overwrite leaves; `clash` where I changed the same thing. */
  changes: Change[]
}

export function mergeCourse(base: CourseDraft, theirs: CourseDraft, mine: CourseDraft): Merge {
  const changes: Change[] = []
  const merged: CourseDraft = { ...theirs, tags: [...theirs.tags], sections: [] }
  for (const f of COURSE_FIELDS) {
    const iChanged = !same(base[f], mine[f])
    const theyChanged = !same(base[f], theirs[f])
    if (iChanged) (merged as unknown as Record<string, unknown>)[f] = mine[f]
    if (theyChanged)
      changes.push({ field: f, mine: show(merged[f]), theirs: show(theirs[f]), clash: iChanged && !same(mine[f], theirs[f]) })
  }

  const baseById = new Map(base.sections.map((s) => [s.section_id!, s]))
  const theirsById = new Map(theirs.sections.map((s) => [s.section_id!, s]))
  const mineById = new Map(mine.sections.flatMap((s) => (s.section_id ? [[s.section_id, s] as const] : [])))

  // Each section as the overwrite leaves it, by its key in my list or theirs; null when it goes.
  const result = new Map<string, DraftSection | null>()
  for (const t of theirs.sections) {
    const id = t.section_id!
    const b = baseById.get(id)
    const m = mineById.get(id)
    if (!b) {
      result.set(id, t) // they added it: kept (the list row shows it)
      continue
    }
    if (!m) {
      // I deleted it: it goes, even if they edited it (overwrite), which is then a clash.
      result.set(id, null)
      const edited = SECTION_FIELDS.some((f) => b[f] !== t[f])
      if (edited) changes.push({ field: "deleted", section: t.title, theirs: t.title, mine: "—", clash: true })
      continue
    }
    const out: DraftSection = { ...t }
    for (const f of SECTION_FIELDS) {
      const iChanged = b[f] !== m[f]
      const theyChanged = b[f] !== t[f]
      if (iChanged) (out as unknown as Record<string, unknown>)[f] = m[f]
      if (theyChanged)
        changes.push({ field: f, section: b.title, theirs: String(t[f]), mine: String(out[f]), clash: iChanged && m[f] !== t[f] })
    }
    result.set(id, out)
  }
  // Sections they deleted: gone, unless I edited them, then they come back as new ones (a clash).
  const revived = new Map<string, DraftSection>()
  for (const b of base.sections) {
    const id = b.section_id!
    if (theirsById.has(id)) continue
    const m = mineById.get(id)
    if (m && SECTION_FIELDS.some((f) => b[f] !== m[f])) {
      const again = { ...m, section_id: null, key: newKey() }
      revived.set(id, again)
      changes.push({ field: "deleted", section: b.title, theirs: "—", mine: m.title, clash: true })
    }
  }

  merged.sections = mergeOrder(base, theirs, mine, result, revived)
  const theirOrderChanged = !same(
    ids(theirs.sections).filter((id) => baseById.has(id)),
    ids(base.sections).filter((id) => theirsById.has(id)),
  )
  if (listText(base.sections) !== listText(theirs.sections) || changes.some((c) => c.section !== undefined)) {
    changes.push({
      field: "sections",
      theirs: listText(theirs.sections),
      mine: listText(merged.sections),
      clash: theirOrderChanged && movedByMe(base, mine).size > 0,
    })
  }
  return { merged, changes }
}

/**
 * The overwrite's order: theirs, without the sections that go. Each section I moved is put after every
 * section I put before it (first if none); sections I added or revived go at the end when they are at the
 * end of my list, else the same way as a moved one. So their moves of sections I did not move survive, and
 * so do the sections they added; the order is sent only when it differs from what the other calls leave.
 */
function mergeOrder(
  base: CourseDraft,
  theirs: CourseDraft,
  mine: CourseDraft,
  result: Map<string, DraftSection | null>,
  revived: Map<string, DraftSection>,
): DraftSection[] {
  const moved = movedByMe(base, mine)
  const order: DraftSection[] = theirs.sections.flatMap((t) => {
    const s = result.get(t.section_id!)
    return s && !moved.has(t.section_id!) ? [s] : []
  })
  // My list as it will exist: my new sections, revived ones, and the kept sections as merged.
  const placed = (s: DraftSection): DraftSection | null => {
    if (!s.section_id) return s
    if (revived.has(s.section_id)) return revived.get(s.section_id)!
    return result.get(s.section_id) ?? null
  }
  const isNew = (s: DraftSection) => !s.section_id || revived.has(s.section_id)
  let tail = mine.sections.length
  while (tail > 0 && isNew(mine.sections[tail - 1]!)) tail--
  const appended: DraftSection[] = []
  const before: DraftSection[] = []
  mine.sections.forEach((s, i) => {
    const target = placed(s)
    if (!target) return
    if (isNew(s) && i >= tail) appended.push(target)
    else if (isNew(s) || moved.has(s.section_id!)) {
      // After every section I put before it, wherever they now are.
      const at = Math.max(-1, ...before.map((p) => order.indexOf(p))) + 1
      order.splice(at, 0, target)
    }
    before.push(target)
  })
  return [...order, ...appended]
}
