/** /admin/grading: the grading queue across courses (ungraded first, late flagged), grading beside the attempts. */
import { createFileRoute } from "@tanstack/react-router"
import { GradingPage } from "@/admin/GradingPage"

export interface GradingSearch {
  status?: "submitted" | "graded"
  late?: boolean
  submission?: string
  page?: number
}

export const Route = createFileRoute("/admin/grading")({
  validateSearch: (s: Record<string, unknown>): GradingSearch => ({
    status: s.status === "submitted" || s.status === "graded" ? s.status : undefined,
    late: s.late === true || s.late === "true" ? true : undefined,
    submission: typeof s.submission === "string" ? s.submission : undefined,
    page: Number(s.page) > 1 ? Math.floor(Number(s.page)) : undefined,
  }),
  component: GradingPage,
})
