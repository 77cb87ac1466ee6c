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
            sort: p.sort ?? "newest",
            limit: PAGE_SIZE,
            offset: ((p.page ?? 1) - 1) * PAGE_SIZE,
          },
          signal,
        })
      ).data,
    placeholderData: keepPreviousData,
  })

/** Tags to filter by: gathered from the first page of the whole catalogue (the API has no tag list). */
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
