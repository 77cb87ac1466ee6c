/** /admin/courses/:courseId: the course editor on the course as the server has it now. */
import { useQuery } from "@tanstack/react-query"
import { createFileRoute } from "@tanstack/react-router"
import { CourseEditor } from "@/admin/CourseEditor"
import { editCourseQuery } from "@/admin/queries"
import { ErrorState } from "@/components/ErrorState"
import { PageSkeleton } from "@/components/Skeletons"

export const Route = createFileRoute("/admin/courses/$courseId/")({
  component: EditCourse,
})

function EditCourse() {
  const { courseId } = Route.useParams()
  const course = useQuery(editCourseQuery(courseId))
  if (course.isPending) return <PageSkeleton />
  if (course.isError) return <ErrorState error={course.error} onRetry={() => void course.refetch()} />
  return <CourseEditor key={course.data.id} initial={course.data} />
}
