/** /admin/learners?course=: a course's roster (every learner, virtualised), sortable, filterable, as CSV. */
import { createFileRoute } from "@tanstack/react-router"
import { LearnersPage } from "@/admin/LearnersPage"

export const Route = createFileRoute("/admin/learners")({
  validateSearch: (s: Record<string, unknown>): { course?: string } => ({
    course: typeof s.course === "string" && s.course ? s.course : undefined,
  }),
  component: LearnersPage,
})
