/**
 * The course editor's state and its calls to the API, apart from how they look: the server's version
 * (`course`), the base the draft was made from, the draft, field errors and the problem line, the 412
 * conflict, and saving (create, or If-Match updates) and status changes.
 */
import { useQueryClient } from "@tanstack/react-query"
import { useNavigate } from "@tanstack/react-router"
import { useMemo, useState } from "react"
import { useTranslation } from "react-i18next"
import { isApiError } from "@/api/problem"
import { coursesCreateCourse, coursesReadCourse, coursesUpdateCourse } from "@/client"
import type { CoursePublic, CourseStatus } from "@/client"
import { notify } from "@/lib/notify"
import type { CourseDraft } from "./courseEditor"
import { draftFromCourse, emptyDraft, isDirty, parseTags, validateDraft } from "./courseEditor"
import { adminFieldErrors } from "./fieldErrors"
import type { Change } from "./mergeCourse"
import { mergeCourse } from "./mergeCourse"
import { adminProblem } from "./problem"
import { etagOf, saveCourse } from "./saveCourse"

export interface Conflict {
  theirs: CoursePublic
  changes: Change[]
}

export function useCourseEditor(initial: CoursePublic | null) {
  const { t, i18n } = useTranslation()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const [course, setCourse] = useState<CoursePublic | null>(initial)
  const [base, setBase] = useState<CourseDraft>(() => (initial ? draftFromCourse(initial) : emptyDraft()))
  const [draft, setDraft] = useState<CourseDraft>(base)
  // The tags as typed ("a, b,"), which `draft.tags` cannot keep.
  const [tagsText, setTagsText] = useState(base.tags.join(", "))
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [problem, setProblem] = useState<string | null>(null)
  const [saving, setSaving] = useState(false)
  const [conflict, setConflict] = useState<Conflict | null>(null)
  const dirty = useMemo(() => isDirty(base, draft), [base, draft])

  const set = <K extends keyof CourseDraft>(key: K, value: CourseDraft[K]) => setDraft((d) => ({ ...d, [key]: value }))
  const setTags = (text: string) => {
    setTagsText(text)
    set("tags", parseTags(text))
  }
  const adopt = (saved: CoursePublic, keep?: { base: CourseDraft; mine: CourseDraft }) => {
    const fresh = draftFromCourse(saved)
    setCourse(saved)
    setBase(fresh)
    const next = keep ? mergeCourse(keep.base, fresh, keep.mine).merged : fresh
    setDraft(next)
    setTagsText(next.tags.join(", "))
    queryClient.setQueryData(["course", "edit", saved.id], saved)
    void queryClient.invalidateQueries({ queryKey: ["courses"] })
  }

  // Bring the first field marked invalid into view, with the keyboard on it.
  const focusFirstError = () =>
    requestAnimationFrame(() => {
      const el = document.querySelector<HTMLElement>('main [aria-invalid="true"]')
      el?.focus()
    })

  const fail = (e: unknown, to: CourseDraft) => {
    if (isApiError(e, 422)) {
      setErrors(adminFieldErrors(e, t, to.sections.map((s) => s.key)))
      focusFirstError()
    }
    if (isApiError(e, 409)) setErrors({ slug: adminProblem(e, t, i18n.language) })
    setProblem(adminProblem(e, t, i18n.language))
  }

  const save = async (current: CoursePublic | null, from: CourseDraft, to: CourseDraft) => {
    setErrors({})
    setProblem(null)
    const found = validateDraft(to)
    if (Object.keys(found).length > 0) {
      setErrors(Object.fromEntries(Object.entries(found).map(([k, key]) => [k, t(`admin.errors.${key}`)])))
      setProblem(t("admin.errors.fixFields"))
      focusFirstError()
      return
    }
    setSaving(true)
    try {
      if (!current) {
        const { data } = await coursesCreateCourse({
          body: {
            name: to.name,
            slug: to.slug || undefined,
            description: to.description,
            content: to.content,
            tags: to.tags,
            sections: to.sections.map((s) => ({ title: s.title, body: s.body, duration_minutes: s.duration_minutes })),
          },
        })
        adopt(data)
        notify(t("admin.editor.created"), "green")
        void navigate({ to: "/admin/courses/$courseId", params: { courseId: data.id }, replace: true })
        return
      }
      adopt(await saveCourse(current, from, to))
      notify(t("admin.editor.saved"), "green")
    } catch (e) {
      if (current && isApiError(e, 412)) {
        const { data: theirs } = await coursesReadCourse({ path: { course_ref: current.id } })
        setConflict({ theirs, changes: mergeCourse(from, draftFromCourse(theirs), to).changes })
      } else {
        fail(e, to)
        // A save that stopped half-way: the server's state becomes the base, my draft stays.
        if (current) {
          try {
            adopt((await coursesReadCourse({ path: { course_ref: current.id } })).data, { base: from, mine: to })
          } catch {
            /* the message above already says what went wrong */
          }
        }
      }
    } finally {
      setSaving(false)
    }
  }

  const changeStatus = async (status: CourseStatus) => {
    if (!course) return
    setProblem(null)
    try {
      const { data } = await coursesUpdateCourse({
        path: { course_ref: course.id },
        body: { status },
        headers: { "If-Match": etagOf(course.id, course.version) },
      })
      setCourse(data)
      queryClient.setQueryData(["course", "edit", data.id], data)
      void queryClient.invalidateQueries({ queryKey: ["courses"] })
      notify(t("admin.editor.saved"), "green")
    } catch (e) {
      if (isApiError(e, 412)) {
        const { data: theirs } = await coursesReadCourse({ path: { course_ref: course.id } })
        setConflict({ theirs, changes: mergeCourse(base, draftFromCourse(theirs), draft).changes })
      } else fail(e, draft)
    }
  }

  /**
   * The 412 dialog's two ways out: take their version, or put only what I changed (against the version I
   * loaded) on theirs and save that against theirs, so what I did not touch keeps their values.
   */
  const reloadTheirs = () => {
    if (conflict) adopt(conflict.theirs)
    setConflict(null)
  }
  const overwrite = () => {
    if (!conflict) return
    const theirs = conflict.theirs
    const theirBase = draftFromCourse(theirs)
    const mine = mergeCourse(base, theirBase, draft).merged
    setConflict(null)
    setCourse(theirs)
    setBase(theirBase)
    setDraft(mine)
    void save(theirs, theirBase, mine)
  }

  return {
    course,
    draft,
    dirty,
    tagsText,
    errors,
    problem,
    saving,
    conflict,
    set,
    setTags,
    save: () => save(course, base, draft),
    changeStatus,
    reloadTheirs,
    overwrite,
    closeConflict: () => setConflict(null),
  }
}
