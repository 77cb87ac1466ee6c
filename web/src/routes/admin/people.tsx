/** /admin/people: users with search; change role, disable or enable (ends their sessions at once). */
import { createFileRoute } from "@tanstack/react-router"
import { PeoplePage } from "@/admin/PeoplePage"

export const Route = createFileRoute("/admin/people")({
  validateSearch: (s: Record<string, unknown>): { q?: string; page?: number } => ({
    q: typeof s.q === "string" && s.q ? s.q : undefined,
    page: Number(s.page) > 1 ? Math.floor(Number(s.page)) : undefined,
  }),
  component: PeoplePage,
})
