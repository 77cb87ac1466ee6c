/**
 * Saving the editor's draft through the API: the course fields, then removed, edited, added sections, then
 * the order. Every call carries `If-Match` with the version it expects (each write bumps the version by
 * one), so a change by someone else in between stops the save with a 412 instead of being overwritten.
 */
import {
  coursesReadCourse,
  coursesUpdateCourse,
  sectionsAddSection,
  sectionsRemoveSection,
  sectionsReorder,
  sectionsUpdateSection,
} from "@/client"
import type { CoursePublic, CourseUpdate } from "@/client"
import type { CourseDraft } from "./courseEditor"
import { planSave } from "./courseEditor"

export function etagOf(id: string, version: number): string {
  return `"${id}-${version}"`
}

/** Applies the draft to the course last read at `version`; returns the course as saved. */
export async function saveCourse(course: CoursePublic, base: CourseDraft, draft: CourseDraft): Promise<CoursePublic> {
  const plan = planSave(base, draft)
  const id = course.id
  let version = course.version
  const ifMatch = () => ({ "If-Match": etagOf(id, version) })
  const path = { course_ref: id }
  if (plan.patch) {
    const { data } = await coursesUpdateCourse({ path, body: plan.patch as CourseUpdate, headers: ifMatch() })
    version = data.version
  }
  for (const sectionId of plan.remove) {
    await sectionsRemoveSection({ path: { ...path, section_id: sectionId }, headers: ifMatch() })
    version += 1
  }
  for (const s of plan.update) {
    const { section_id, ...body } = s
    await sectionsUpdateSection({ path: { ...path, section_id }, body, headers: ifMatch() })
    version += 1
  }
  const created = new Map<string, string>()
  for (const s of plan.add) {
    const { data } = await sectionsAddSection({
      path,
      body: { title: s.title, body: s.body, duration_minutes: s.duration_minutes },
      headers: ifMatch(),
    })
    created.set(s.key, data.section_id)
    version += 1
  }
  if (plan.reorder) {
    const section_ids = draft.sections.map((s) => s.section_id ?? created.get(s.key)!)
    const { data } = await sectionsReorder({ path, body: { section_ids }, headers: ifMatch() })
    return data
  }
  return (await coursesReadCourse({ path })).data
}
