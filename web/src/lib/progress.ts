/** Progress arithmetic shared by the learning view and "my courses". */

interface HasSections {
  sections: { section_id: string; order: number }[]
}

export function orderedSectionIds(course: HasSections): string[] {
  return [...course.sections].sort((a, b) => a.order - b.order).map((s) => s.section_id)
}

/** Where to continue: the first section not done, else the first section (undefined when there are none). */
export function nextSectionId(course: HasSections, completed: string[]): string | undefined {
  const ids = orderedSectionIds(course)
  const done = new Set(completed)
  return ids.find((id) => !done.has(id)) ?? ids[0]
}

/** The fraction done, counting only sections that still exist in the course. */
export function progressFraction(course: HasSections, completed: string[]): number {
  const ids = orderedSectionIds(course)
  if (ids.length === 0) return 0
  const done = new Set(completed)
  return ids.filter((id) => done.has(id)).length / ids.length
}
