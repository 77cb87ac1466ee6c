/** The editor's state: dirty tracking, section moves (keyboard and drop), the save plan and the 412 diff. */
import { describe, expect, it } from "vitest"
import type { CoursePublic } from "@/client"
import {
  draftFromCourse,
  dropSection,
  isDirty,
  moveSection,
  newKey,
  parseTags,
  planSave,
} from "@/admin/courseEditor"
import { mergeCourse } from "@/admin/mergeCourse"

const conflictChanges = (...a: Parameters<typeof mergeCourse>) => mergeCourse(...a).changes
const rebase = (...a: Parameters<typeof mergeCourse>) => mergeCourse(...a).merged

const ID = (n: number) => n.toString(16).padStart(24, "0")

function course(over: Partial<CoursePublic> = {}): CoursePublic {
  return {
    id: ID(99),
    slug: "intro",
    name: "Intro",
    description: "d",
    content: "# Hello",
    tags: ["a", "b"],
    status: "draft",
    section_count: 3,
    total_minutes: 60,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    created_by: null,
    version: 4,
    sections: [1, 2, 3].map((n) => ({ section_id: ID(n), title: `S${n}`, body: `b${n}`, order: n - 1, duration_minutes: 20 })),
    ...over,
  }
}

describe("dirty tracking", () => {
  it("is clean as loaded, dirty after any change, clean again when undone", () => {
    const base = draftFromCourse(course())
    expect(isDirty(base, base)).toBe(false)
    const renamed = { ...base, name: "Other" }
    expect(isDirty(base, renamed)).toBe(true)
    expect(isDirty(base, { ...renamed, name: "Intro" })).toBe(false)
    expect(isDirty(base, { ...base, tags: ["a"] })).toBe(true)
    const moved = { ...base, sections: moveSection(base.sections, 0, 1) }
    expect(isDirty(base, moved)).toBe(true)
    expect(isDirty(base, { ...moved, sections: moveSection(moved.sections, 1, -1) })).toBe(false)
    const edited = base.sections.map((s, i) => (i === 2 ? { ...s, duration_minutes: 5 } : s))
    expect(isDirty(base, { ...base, sections: edited })).toBe(true)
  })

  it("orders sections by their order field", () => {
    const c = course()
    c.sections = [...c.sections].reverse()
    expect(draftFromCourse(c).sections.map((s) => s.title)).toEqual(["S1", "S2", "S3"])
  })
})

describe("section reorder", () => {
  const base = draftFromCourse(course())
  it("moves up and down by one, and not past either end", () => {
    expect(moveSection(base.sections, 2, -1).map((s) => s.title)).toEqual(["S1", "S3", "S2"])
    expect(moveSection(base.sections, 0, 1).map((s) => s.title)).toEqual(["S2", "S1", "S3"])
    expect(moveSection(base.sections, 0, -1)).toBe(base.sections)
    expect(moveSection(base.sections, 2, 1)).toBe(base.sections)
  })
  it("drops a dragged section where the target is", () => {
    expect(dropSection(base.sections, ID(1), ID(3)).map((s) => s.title)).toEqual(["S2", "S3", "S1"])
    expect(dropSection(base.sections, ID(3), ID(1)).map((s) => s.title)).toEqual(["S3", "S1", "S2"])
    expect(dropSection(base.sections, "nope", ID(1))).toBe(base.sections)
  })
})

describe("save plan", () => {
  const base = draftFromCourse(course())
  it("sends only changed course fields and nothing else when sections are untouched", () => {
    const plan = planSave(base, { ...base, name: "New", tags: ["x"] })
    expect(plan).toEqual({ patch: { name: "New", tags: ["x"] }, remove: [], update: [], add: [], reorder: false })
  })
  it("removes, updates, adds and reorders sections", () => {
    const added = { key: newKey(), section_id: null, title: "S4", body: "", duration_minutes: 10 }
    const [s1, s2, s3] = base.sections
    const draft = { ...base, sections: [added, { ...s3!, title: "S3!" }, s1!] }
    const plan = planSave(base, draft)
    expect(plan.patch).toBeNull()
    expect(plan.remove).toEqual([s2!.section_id])
    // Only the field that changed: a PATCH must not send back values someone else may have changed since.
    expect(plan.update).toEqual([{ section_id: s3!.section_id, title: "S3!" }])
    expect(plan.add.map((s) => s.title)).toEqual(["S4"])
    expect(plan.reorder).toBe(true)
  })
  it("needs no reorder when new sections are appended at the end", () => {
    const added = { key: newKey(), section_id: null, title: "S4", body: "", duration_minutes: 10 }
    expect(planSave(base, { ...base, sections: [...base.sections, added] }).reorder).toBe(false)
  })
})

describe("412 conflict", () => {
  it("lists what they changed beside what an overwrite keeps", () => {
    const base = draftFromCourse(course())
    const theirs = draftFromCourse(course({ name: "Their name", description: "theirs", version: 5 }))
    const mine = { ...base, description: "mine" }
    expect(conflictChanges(base, theirs, mine)).toEqual([
      { field: "name", mine: "Their name", theirs: "Their name", clash: false },
      { field: "description", mine: "mine", theirs: "theirs", clash: true },
    ])
  })
  it("overwrite keeps their changes to fields I did not touch", () => {
    const base = draftFromCourse(course())
    const theirs = draftFromCourse(course({ name: "Their name", version: 5 }))
    const merged = rebase(base, theirs, { ...base, description: "mine" })
    expect([merged.name, merged.description]).toEqual(["Their name", "mine"])
    expect(planSave(theirs, merged).patch).toEqual({ description: "mine" })
  })
  it("shows section changes they made, and rebasing brings back sections they deleted as new", () => {
    const base = draftFromCourse(course())
    const c = course()
    c.sections = c.sections.slice(0, 2)
    const theirs = draftFromCourse(c)
    const changes = conflictChanges(base, theirs, base)
    expect(changes.map((x) => x.field)).toEqual(["sections"])
    expect(changes[0]!.theirs).toBe("1. S1 (20)\n2. S2 (20)")
    // I did not touch the sections: theirs stay.
    expect(rebase(base, theirs, base).sections).toHaveLength(2)
    // I edited S3, which they deleted: it comes back as a new section.
    const mine = { ...base, sections: base.sections.map((s, i) => (i === 2 ? { ...s, title: "S3 mine" } : s)) }
    const rebased = rebase(base, theirs, mine)
    expect(rebased.sections[2]!.section_id).toBeNull()
    expect(planSave(theirs, rebased).add.map((s) => s.title)).toEqual(["S3 mine"])
  })
})

describe("tags", () => {
  it("splits on commas (also the Chinese one), trims, lower-cases, drops repeats", () => {
    expect(parseTags(" Python, data，python ,, ML ")).toEqual(["python", "data", "ml"])
  })
})

describe("checks before saving", () => {
  it("finds what the API would refuse, by field and by section", async () => {
    const { validateDraft } = await import("@/admin/courseEditor")
    const draft = {
      name: "  ",
      slug: "Not a slug!",
      description: "",
      content: "",
      tags: Array.from({ length: 21 }, (_, i) => `t${i}`),
      sections: [
        { key: "a", section_id: null, title: "Fine", body: "", duration_minutes: 5 },
        { key: "b", section_id: null, title: " ", body: "x".repeat(100_001), duration_minutes: 5 },
      ],
    }
    expect(validateDraft(draft)).toEqual({
      name: "required",
      slug: "slug",
      tags: "tooManyTags",
      "sections.b.title": "required",
      "sections.b.body": "tooLong",
    })
    expect(validateDraft({ ...draft, name: "Python", slug: "intro-to-python", tags: ["ok"], sections: [draft.sections[0]!] })).toEqual({})
    expect(validateDraft({ ...draft, name: "P", slug: "", tags: ["x".repeat(41)], sections: [] })).toEqual({ tags: "tagTooLong" })
  })

  it("puts the API's field errors beside the right section, in the admin's words", async () => {
    const { adminFieldErrors } = await import("@/admin/fieldErrors")
    const { ApiError } = await import("@/api/problem")
    const t = ((key: string, o?: Record<string, unknown>) => (o ? `${key} ${JSON.stringify(o)}` : key)) as never
    const e = new ApiError(
      422,
      {
        errors: [
          { loc: ["body", "name"], msg: "String should have at least 1 character", type: "string_too_short" },
          { loc: ["body", "sections", 1, "title"], msg: "String should have at most 200 characters", type: "string_too_long" },
          { loc: ["body", "slug"], msg: "String should match pattern", type: "string_pattern_mismatch" },
          { loc: ["body", "description"], msg: "odd", type: "value_error" },
        ],
      },
      null,
    )
    expect(adminFieldErrors(e, t, ["k0", "k1"])).toEqual({
      name: "auth.required",
      "sections.k1.title": 'admin.errors.tooLongMax {"max":"200","count":200}',
      slug: "admin.errors.pattern",
      description: "odd",
    })
  })
})
