/**
 * The course editor's state, kept pure so it can be tested without a browser: a draft made from the
 * course as loaded (the base), dirty tracking against that base, section moves, the plan of API calls a
 * save makes (the merge after someone else saved first is in mergeCourse).
 */
import type { CoursePublic } from "@/client"

export interface DraftSection {
  /** A stable key for React and drag and drop; the section id when the section exists. */
  key: string
  section_id: string | null
  title: string
  body: string
  duration_minutes: number
}

export interface CourseDraft {
  name: string
  slug: string
  description: string
  content: string
  tags: string[]
  sections: DraftSection[]
}

export const COURSE_FIELDS = ["name", "slug", "description", "content", "tags"] as const
export type CourseField = (typeof COURSE_FIELDS)[number]

let counter = 0
export function newKey(): string {
  counter += 1
  return `new-${counter}`
}

export function emptyDraft(): CourseDraft {
  return { name: "", slug: "", description: "", content: "", tags: [], sections: [] }
}

export function draftFromCourse(course: CoursePublic): CourseDraft {
  return {
    name: course.name,
    slug: course.slug,
    description: course.description,
    content: course.content,
    tags: [...course.tags],
    sections: [...course.sections]
      .sort((a, b) => a.order - b.order)
      .map((s) => ({
        key: s.section_id,
        section_id: s.section_id,
        title: s.title,
        body: s.body,
        duration_minutes: s.duration_minutes,
      })),
  }
}

function sameSection(a: DraftSection, b: DraftSection): boolean {
  return (
    a.section_id === b.section_id &&
    a.title === b.title &&
    a.body === b.body &&
    a.duration_minutes === b.duration_minutes
  )
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** Whether the draft differs from the base in anything a save would send. */
export function isDirty(base: CourseDraft, draft: CourseDraft): boolean {
  if (COURSE_FIELDS.some((f) => !sameValue(base[f], draft[f]))) return true
  if (base.sections.length !== draft.sections.length) return true
  return base.sections.some((s, i) => !sameSection(s, draft.sections[i]!))
}

/** The section at `index` moved by `delta` places (clamped); the same array when nothing moves. */
export function moveSection(sections: DraftSection[], index: number, delta: number): DraftSection[] {
  const target = Math.max(0, Math.min(sections.length - 1, index + delta))
  if (target === index || index < 0 || index >= sections.length) return sections
  const next = [...sections]
  const [moved] = next.splice(index, 1)
  next.splice(target, 0, moved!)
  return next
}

/** Drag and drop: the section with key `from` put where `to` is. */
export function dropSection(sections: DraftSection[], from: string, to: string): DraftSection[] {
  const a = sections.findIndex((s) => s.key === from)
  const b = sections.findIndex((s) => s.key === to)
  if (a < 0 || b < 0) return sections
  return moveSection(sections, a, b - a)
}

export interface SavePlan {
  /** Course fields that changed (a PATCH body), or null when none did. */
  patch: Partial<Record<CourseField, unknown>> | null
  remove: string[]
  /** Per edited section, only the fields that changed (a PATCH body). */
  update: ({ section_id: string } & Partial<Pick<DraftSection, "title" | "body" | "duration_minutes">>)[]
  add: DraftSection[]
  /** The final order when it differs from what the calls above leave. */
  reorder: boolean
}

/** The API calls that turn the base into the draft. */
export function planSave(base: CourseDraft, draft: CourseDraft): SavePlan {
  const patch: Partial<Record<CourseField, unknown>> = {}
  for (const f of COURSE_FIELDS) if (!sameValue(base[f], draft[f])) patch[f] = draft[f]
  const kept = new Set(draft.sections.flatMap((s) => (s.section_id ? [s.section_id] : [])))
  const remove = base.sections.flatMap((s) => (s.section_id && !kept.has(s.section_id) ? [s.section_id] : []))
  const byId = new Map(base.sections.map((s) => [s.section_id, s]))
  const update = draft.sections.flatMap((s) => {
    const before = s.section_id ? byId.get(s.section_id) : undefined
    if (!before || sameSection(before, s)) return []
    const fields = (["title", "body", "duration_minutes"] as const).filter((f) => before[f] !== s[f])
    return [{ section_id: s.section_id!, ...Object.fromEntries(fields.map((f) => [f, s[f]])) }]
  })
  const add = draft.sections.filter((s) => !s.section_id)
  // After removals and appends, the order is: remaining base sections, then the new ones.
  const natural = [
    ...base.sections.filter((s) => s.section_id && kept.has(s.section_id)).map((s) => s.key),
    ...add.map((s) => s.key),
  ]
  const reorder = !sameValue(
    natural,
    draft.sections.map((s) => s.key),
  )
  return { patch: Object.keys(patch).length ? patch : null, remove, update, add, reorder }
}

/** Tags typed as "a, b, c": trimmed, lower-cased, without repeats or blanks. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(/[,，]/).map((t) => t.trim().toLowerCase()).filter(Boolean))]
}

/** Why a draft cannot be saved as it is, as locale keys under `admin.errors.`, by field. */
export type DraftProblem = "required" | "slug" | "tagTooLong" | "tooManyTags" | "tooLong"

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/i
export const LIMITS = { tags: 20, tag: 40, sectionBody: 100_000, content: 100_000 } as const

/**
 * What the API would refuse, found before any call: a save of an existing course is several calls, and a
 * refusal half-way would leave part of it saved. Keys are field names, or `sections.<key>.<field>` for a
 * section's field (shown beside that section's input).
 */
export function validateDraft(draft: CourseDraft): Record<string, DraftProblem> {
  const problems: Record<string, DraftProblem> = {}
  if (!draft.name.trim()) problems.name = "required"
  if (draft.slug.trim() && !SLUG.test(draft.slug.trim())) problems.slug = "slug"
  if (draft.tags.length > LIMITS.tags) problems.tags = "tooManyTags"
  else if (draft.tags.some((t) => t.length > LIMITS.tag)) problems.tags = "tagTooLong"
  if (draft.content.length > LIMITS.content) problems.content = "tooLong"
  for (const s of draft.sections) {
    if (!s.title.trim()) problems[`sections.${s.key}.title`] = "required"
    if (s.body.length > LIMITS.sectionBody) problems[`sections.${s.key}.body`] = "tooLong"
  }
  return problems
}
