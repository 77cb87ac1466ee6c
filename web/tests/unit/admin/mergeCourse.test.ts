/**
 * "Overwrite with my changes" as a three-way merge: only what I changed against the version I loaded goes
 * on the latest version, so another admin's edits and order survive; clashes are listed, mine win.
 */
import { describe, expect, it } from "vitest"
import type { CoursePublic } from "@/client"
import type { CourseDraft, DraftSection } from "@/admin/courseEditor"
import { draftFromCourse, newKey, planSave } from "@/admin/courseEditor"
import { mergeCourse } from "@/admin/mergeCourse"

const ID = (n: number) => n.toString(16).padStart(24, "0")
const [C, B, A, E] = [ID(1), ID(2), ID(3), ID(5)]

/** Charlie, Bravo, Alpha, as both admins load it. */
function loaded(): CourseDraft {
  const course: CoursePublic = {
    id: ID(99),
    slug: "intro",
    name: "Intro",
    description: "d",
    content: "",
    tags: [],
    status: "draft",
    section_count: 3,
    total_minutes: 30,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    created_by: null,
    version: 4,
    sections: [
      { section_id: C, title: "Charlie", body: "c text", order: 0, duration_minutes: 10 },
      { section_id: B, title: "Bravo", body: "b text", order: 1, duration_minutes: 10 },
      { section_id: A, title: "Alpha", body: "a text", order: 2, duration_minutes: 10 },
    ],
  }
  return draftFromCourse(course)
}

const byId = (d: CourseDraft, id: string) => d.sections.find((s) => s.section_id === id)!
const edit = (d: CourseDraft, id: string, over: Partial<DraftSection>): CourseDraft => ({
  ...d,
  sections: d.sections.map((s) => (s.section_id === id ? { ...s, ...over } : s)),
})
const order = (d: CourseDraft, ...ids: string[]): CourseDraft => ({ ...d, sections: ids.map((id) => byId(d, id)) })
const added = (title: string): DraftSection => ({ key: newKey(), section_id: null, title, body: `${title} text`, duration_minutes: 5 })
const titles = (d: CourseDraft) => d.sections.map((s) => s.title)

describe("overwrite after a conflict", () => {
  it("keeps the other admin's order and section text; sends only my edit and my new section", () => {
    const base = loaded()
    // A: Alpha up twice, then edits the text of section 3 (now Bravo); saved first.
    const theirs = edit(order(base, A, C, B), B, { body: "b text by A" })
    // B: edits section 1 (Charlie) and adds a section, from the version both loaded.
    const edited = edit(base, C, { body: "c text by B" })
    const mine = { ...edited, sections: [...edited.sections, added("Delta by B")] }
    const { merged, changes } = mergeCourse(base, theirs, mine)
    expect(titles(merged)).toEqual(["Alpha", "Charlie", "Bravo", "Delta by B"])
    expect(byId(merged, B).body).toBe("b text by A")
    expect(byId(merged, C).body).toBe("c text by B")
    const plan = planSave(theirs, merged)
    expect(plan.patch).toBeNull()
    expect(plan.remove).toEqual([])
    expect(plan.update).toEqual([{ section_id: C, body: "c text by B" }])
    expect(plan.add.map((s) => s.title)).toEqual(["Delta by B"])
    expect(plan.reorder).toBe(false)
    // The dialog shows their text change, not only the list; nothing clashes.
    expect(changes).toContainEqual({ field: "body", section: "Bravo", theirs: "b text by A", mine: "b text by A", clash: false })
    expect(changes.find((c) => c.field === "sections")!.mine).toBe(
      "1. Alpha (10)\n2. Charlie (10)\n3. Bravo (10)\n4. Delta by B (5)",
    )
    expect(changes.some((c) => c.clash)).toBe(false)
  })

  it("both edit the same section: per field, mine wins where we clash and theirs stays elsewhere", () => {
    const base = loaded()
    const theirs = edit(base, B, { title: "Bravo (A)", body: "b text by A" })
    const mine = edit(base, B, { body: "b text by B", duration_minutes: 15 })
    const { merged, changes } = mergeCourse(base, theirs, mine)
    expect(byId(merged, B)).toMatchObject({ title: "Bravo (A)", body: "b text by B", duration_minutes: 15 })
    expect(planSave(theirs, merged).update).toEqual([{ section_id: B, body: "b text by B", duration_minutes: 15 }])
    expect(changes).toContainEqual({ field: "body", section: "Bravo", theirs: "b text by A", mine: "b text by B", clash: true })
    expect(changes).toContainEqual({ field: "title", section: "Bravo", theirs: "Bravo (A)", mine: "Bravo (A)", clash: false })
  })

  it("a section they deleted and I edited comes back as new, in my place for it, listed as a clash", () => {
    const base = loaded()
    const theirs = order(base, C, A)
    const mine = edit(base, B, { body: "b text by B" })
    const { merged, changes } = mergeCourse(base, theirs, mine)
    expect(titles(merged)).toEqual(["Charlie", "Bravo", "Alpha"])
    const plan = planSave(theirs, merged)
    expect(plan.update).toEqual([])
    expect(plan.add.map((s) => [s.title, s.body])).toEqual([["Bravo", "b text by B"]])
    expect(plan.reorder).toBe(true)
    expect(changes).toContainEqual({ field: "deleted", section: "Bravo", theirs: "—", mine: "Bravo", clash: true })
    // A section they deleted that I did not touch stays deleted.
    expect(titles(mergeCourse(base, theirs, edit(base, C, { body: "x" })).merged)).toEqual(["Charlie", "Alpha"])
  })

  it("a section I deleted goes even if they edited it, and the dialog says so", () => {
    const base = loaded()
    const theirs = edit(base, B, { body: "b text by A" })
    const { merged, changes } = mergeCourse(base, theirs, order(base, C, A))
    expect(planSave(theirs, merged)).toMatchObject({ remove: [B], update: [], add: [], reorder: false })
    expect(changes).toContainEqual({ field: "deleted", section: "Bravo", theirs: "Bravo", mine: "—", clash: true })
  })

  it("keeps a section they added and removes nothing I did not delete", () => {
    const base = loaded()
    const echo: DraftSection = { key: E, section_id: E, title: "Echo", body: "e", duration_minutes: 5 }
    const theirs = { ...base, sections: [...base.sections, echo] }
    const { merged } = mergeCourse(base, theirs, edit(base, A, { title: "Alpha!" }))
    expect(titles(merged)).toEqual(["Charlie", "Bravo", "Alpha!", "Echo"])
    expect(planSave(theirs, merged)).toEqual({ patch: null, remove: [], update: [{ section_id: A, title: "Alpha!" }], add: [], reorder: false })
  })

  it("only the order: my moves are applied to their order, keeping their other moves and additions", () => {
    const base = loaded()
    const echo: DraftSection = { key: E, section_id: E, title: "Echo", body: "e", duration_minutes: 5 }
    // They: Alpha to the top, Echo added, Charlie's title edited. I: Charlie to the end.
    const moved = edit(order(base, A, C, B), C, { title: "Charlie (A)" })
    const theirs = { ...moved, sections: [...moved.sections, echo] }
    const mine = order(base, B, A, C)
    const { merged, changes } = mergeCourse(base, theirs, mine)
    expect(titles(merged)).toEqual(["Alpha", "Bravo", "Charlie (A)", "Echo"])
    const plan = planSave(theirs, merged)
    expect(plan).toMatchObject({ patch: null, remove: [], update: [], add: [], reorder: true })
    expect(changes.find((c) => c.field === "sections")!.clash).toBe(true)
    // Had I not moved anything, their order stays and no reorder is sent.
    expect(planSave(theirs, mergeCourse(base, theirs, base).merged).reorder).toBe(false)
    // Moving to the top puts it first, before what they added at the end.
    const onlyEcho = { ...base, sections: [...base.sections, echo] }
    expect(titles(mergeCourse(base, onlyEcho, order(base, A, C, B)).merged)).toEqual(["Alpha", "Charlie", "Bravo", "Echo"])
  })

  it("a section I added between others goes after what I put before it", () => {
    const base = loaded()
    const theirs = order(base, A, C, B)
    const x = added("X")
    const mine = { ...base, sections: [byId(base, C), x, byId(base, B), byId(base, A)] }
    const { merged } = mergeCourse(base, theirs, mine)
    expect(titles(merged)).toEqual(["Alpha", "Charlie", "X", "Bravo"])
  })
})
