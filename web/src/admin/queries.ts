/** Query options for the admin console's reads (keys start with "admin" or the resource noun). */
import { keepPreviousData, queryOptions } from "@tanstack/react-query"
import { coursesCatalogue, coursesReadCourse } from "@/client"
import type { CourseStatus } from "@/client"

export const ADMIN_PAGE = 25

/** How many pages of `size` hold `total` items (at least one, so "page 1 of 1" when empty). */
export const pageCount = (total: number, size: number = ADMIN_PAGE) => Math.max(1, Math.ceil(total / size))

export const adminCoursesQuery = (p: { q?: string; status?: CourseStatus; page?: number }) =>
  queryOptions({
    queryKey: ["courses", "admin", p],
    queryFn: async ({ signal }) =>
      (
        await coursesCatalogue({
          query: {
            q: p.q || undefined,
            status: p.status ? [p.status] : undefined,
            sort: "newest",
            limit: ADMIN_PAGE,
            offset: ((p.page ?? 1) - 1) * ADMIN_PAGE,
          },
          signal,
        })
      ).data,
    placeholderData: keepPreviousData,
  })

/** How many courses have each status (three one-item reads: the API's `total`). */
export const courseCountsQuery = () =>
  queryOptions({
    queryKey: ["courses", "admin", "counts"],
    queryFn: async () => {
      const statuses: CourseStatus[] = ["draft", "published", "archived"]
      const totals = await Promise.all(
        statuses.map(async (s) => (await coursesCatalogue({ query: { status: [s], limit: 1 } })).data.total),
      )
      return Object.fromEntries(statuses.map((s, i) => [s, totals[i]!])) as Record<CourseStatus, number>
    },
  })

/** A course for editing: always fresh (the editor's base must be the server's current version). */
export const editCourseQuery = (id: string) =>
  queryOptions({
    queryKey: ["course", "edit", id],
    queryFn: async () => (await coursesReadCourse({ path: { course_ref: id } })).data,
    staleTime: 0,
    refetchOnWindowFocus: false,
  })

/**
 * Every course (id and name) for pickers: pages of 100 until done. A course created or renamed while the
 * pages are read shifts the later pages, so one may come twice: kept once (a picker refuses duplicates).
 */
export const allCoursesQuery = () =>
  queryOptions({
    queryKey: ["courses", "admin", "all"],
    queryFn: async () => {
      const out = new Map<string, { id: string; name: string }>()
      for (let offset = 0; ; offset += 100) {
        const { data } = await coursesCatalogue({ query: { limit: 100, offset, sort: "name" } })
        for (const c of data.items) out.set(c.id, { id: c.id, name: c.name })
        if (offset + 100 >= data.total || offset >= 5000) return [...out.values()]
      }
    },
    staleTime: 30_000,
  })
