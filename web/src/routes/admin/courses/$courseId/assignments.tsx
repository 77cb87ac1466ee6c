/** /admin/courses/:courseId/assignments: create and edit a course's assignments (due dates in local time). */
import { createFileRoute } from "@tanstack/react-router"
import { AssignmentsPage } from "@/admin/AssignmentsPage"

export const Route = createFileRoute("/admin/courses/$courseId/assignments")({
  component: AssignmentsPage,
})
