/**
 * Mark a section done / not done, optimistically: the enrollment in the cache changes at once, the server
 * confirms (its reply replaces the guess), and on failure only that one change is undone and onError says why.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query"
import { enrollmentQuery } from "@/api/queries"
import { enrollmentsMarkProgress } from "@/client"
import type { EnrollmentDetail } from "@/client"

export interface Mark {
  sectionId: string
  completed: boolean
}

/** The enrollment as it will be after the mark (completed_sections only; the server computes the rest). */
export function applyMark(enrollment: EnrollmentDetail, mark: Mark): EnrollmentDetail {
  const done = new Set(enrollment.completed_sections)
  if (mark.completed) done.add(mark.sectionId)
  else done.delete(mark.sectionId)
  return { ...enrollment, completed_sections: [...done] }
}

export function useMarkProgress(enrollmentId: string, onError?: (error: unknown, mark: Mark) => void) {
  const queryClient = useQueryClient()
  const { queryKey } = enrollmentQuery(enrollmentId)
  return useMutation({
    mutationKey: ["progress", enrollmentId],
    mutationFn: async (mark: Mark) =>
      (
        await enrollmentsMarkProgress({
          path: { enrollment_id: enrollmentId },
          body: { section_id: mark.sectionId, completed: mark.completed },
        })
      ).data,
    onMutate: async (mark) => {
      await queryClient.cancelQueries({ queryKey })
      queryClient.setQueryData(queryKey, (current) => (current ? applyMark(current, mark) : current))
    },
    onSuccess: (confirmed) => {
      queryClient.setQueryData(queryKey, confirmed)
    },
    onError: (error, mark) => {
      queryClient.setQueryData(queryKey, (current) =>
        current ? applyMark(current, { sectionId: mark.sectionId, completed: !mark.completed }) : current,
      )
      onError?.(error, mark)
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["enrollments", "mine"] }),
  })
}
