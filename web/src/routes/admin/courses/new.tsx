/** /admin/courses/new: the course editor on an empty course. */
import { createFileRoute } from "@tanstack/react-router"
import { CourseEditor } from "@/admin/CourseEditor"

export const Route = createFileRoute("/admin/courses/new")({
  component: () => <CourseEditor initial={null} />,
})
