/**
 * Query options for every read the pages make, through the generated client only. Keys start with the
 * resource noun so a mutation can invalidate a family ("enrollments", "course", ...).
 */
import { keepPreviousData, queryOptions } from "@tanstack/react-query"
import {
  aiAdvice,
  aiRecommendations,
  assignmentsListAssignments,
  assignmentsReadAssignment,
  assignmentsReadSubmission,
  coursesCatalogue,
  coursesPopular,
  coursesReadCourse,
  coursesSuggest,
  enrollmentsMyEnrollments,
  enrollmentsReadEnrollment,
  usersReadMe,
} from "@/client"
import type { CatalogueSort } from "@/client"

export const PAGE_SIZE = 12

export interface CatalogueParams {
  q?: string
  tag?: string
  sort?: CatalogueSort
  page?: number
  /** The API's cursor for this page (the previous page's `next_after`); without it, the page's offset. */
  after?: string
}

/** The order the catalogue uses: relevance only makes sense with words to match; the API's defaults otherwise. */
export function effectiveSort(p: CatalogueParams): CatalogueSort {
  if (p.sort && (p.sort !== "relevance" || p.q)) return p.sort
  return p.q ? "relevance" : "newest"
}

export const catalogueQuery = (p: CatalogueParams) =>
  queryOptions({
    queryKey: ["courses", "catalogue", p],
    queryFn: async ({ signal }) =>
      (
        await coursesCatalogue({
          query: {
            q: p.q || undefined,
            tag: p.tag || undefined,
            sort: effectiveSort(p),
            limit: PAGE_SIZE,
            ...(p.after ? { after: p.after } : { offset: ((p.page ?? 1) - 1) * PAGE_SIZE }),
          },
          signal,
        })
      ).data,
    placeholderData: keepPreviousData,
  })

/** Type-ahead: course names for what has been typed (typos allowed); empty input asks nothing. */
export const suggestQuery = (q: string) =>
  queryOptions({
    queryKey: ["courses", "suggest", q],
    queryFn: async ({ signal }) => (await coursesSuggest({ query: { q }, signal })).data.items,
    enabled: q.trim().length > 0,
    staleTime: 60_000,
    placeholderData: keepPreviousData,
  })

/**
 * Tags to filter by when the catalogue page has no facets (plain browsing): gathered from the popular
 * courses. Searches and tag browsing use the page's exact `facets` instead.
 */
export const tagsQuery = () =>
  queryOptions({
    queryKey: ["courses", "tags"],
    queryFn: async () => {
      const { data } = await coursesCatalogue({ query: { limit: 100, sort: "popular" } })
      return [...new Set(data.items.flatMap((c) => c.tags))].sort()
    },
    staleTime: 5 * 60_000,
  })

export const popularQuery = () =>
  queryOptions({
    queryKey: ["courses", "popular", "7d"],
    queryFn: async () => (await coursesPopular({ query: { window: "7d", limit: 6 } })).data,
    staleTime: 60_000,
  })

export const courseQuery = (ref: string) =>
  queryOptions({
    queryKey: ["course", ref],
    queryFn: async () => (await coursesReadCourse({ path: { course_ref: ref } })).data,
  })

export const myEnrollmentsQuery = () =>
  queryOptions({
    queryKey: ["enrollments", "mine"],
    queryFn: async () => (await enrollmentsMyEnrollments({ query: { limit: 100 } })).data,
  })

export const enrollmentQuery = (id: string) =>
  queryOptions({
    queryKey: ["enrollments", "one", id],
    queryFn: async () => (await enrollmentsReadEnrollment({ path: { enrollment_id: id } })).data,
  })

export const adviceQuery = (id: string, lang: "zh" | "en") =>
  queryOptions({
    queryKey: ["advice", id, lang],
    queryFn: async () => (await aiAdvice({ path: { enrollment_id: id }, query: { lang } })).data,
    staleTime: 60_000,
    retry: false,
  })

export const recommendationsQuery = (lang: "zh" | "en") =>
  queryOptions({
    queryKey: ["recommendations", lang],
    queryFn: async () => (await aiRecommendations({ query: { lang, limit: 4 } })).data,
    staleTime: 60_000,
    retry: false,
  })

export const courseAssignmentsQuery = (courseRef: string) =>
  queryOptions({
    queryKey: ["assignments", "course", courseRef],
    queryFn: async () =>
      (await assignmentsListAssignments({ path: { course_ref: courseRef }, query: { limit: 100 } })).data,
  })

export const assignmentQuery = (id: string) =>
  queryOptions({
    queryKey: ["assignments", "one", id],
    queryFn: async () => (await assignmentsReadAssignment({ path: { assignment_id: id } })).data,
  })

export const submissionQuery = (id: string) =>
  queryOptions({
    queryKey: ["submissions", id],
    queryFn: async () => (await assignmentsReadSubmission({ path: { submission_id: id } })).data,
  })

export const meQuery = () =>
  queryOptions({
    queryKey: ["me"],
    queryFn: async () => (await usersReadMe()).data,
    staleTime: 5 * 60_000,
  })
