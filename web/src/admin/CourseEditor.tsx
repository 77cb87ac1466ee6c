/**
 * The course editor: fields, live sanitised preview of the overview, tags, sections, status changes with
 * confirmation. Saves send If-Match; a 412 opens the conflict dialog; leaving with unsaved changes asks.
 */
import { Alert, Badge, Button, Grid, Group, Paper, Stack, Text, Textarea, TextInput, Title } from "@mantine/core"
import { useQueryClient } from "@tanstack/react-query"
import { useBlocker, useNavigate } from "@tanstack/react-router"
import { useMemo, useState } from "react"
import { useTranslation } from "react-i18next"
import { fieldErrorMap, isApiError } from "@/api/problem"
import { coursesCreateCourse, coursesReadCourse, coursesUpdateCourse } from "@/client"
import type { CoursePublic, CourseStatus } from "@/client"
import { Markdown } from "@/components/Markdown"
import { AnchorLink } from "@/components/links"
import { notify } from "@/lib/notify"
import { ConfirmDialog } from "./ConfirmDialog"
import { ConflictDialog } from "./ConflictDialog"
import type { Change, CourseDraft } from "./courseEditor"
import { conflictChanges, draftFromCourse, emptyDraft, isDirty, parseTags, rebase } from "./courseEditor"
import { adminProblem } from "./problem"
import { etagOf, saveCourse } from "./saveCourse"
import { SectionsEditor } from "./SectionsEditor"

export function CourseEditor({ initial }: { initial: CoursePublic | null }) {
  const { t, i18n } = useTranslation()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const [course, setCourse] = useState<CoursePublic | null>(initial)
  const [base, setBase] = useState<CourseDraft>(() => (initial ? draftFromCourse(initial) : emptyDraft()))
  const [draft, setDraft] = useState<CourseDraft>(base)
  const [tagsText, setTagsText] = useState(base.tags.join(", "))
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [problem, setProblem] = useState<string | null>(null)
  const [saving, setSaving] = useState(false)
  const [conflict, setConflict] = useState<{ theirs: CoursePublic; changes: Change[] } | null>(null)
  const [statusAsk, setStatusAsk] = useState<CourseStatus | null>(null)
  const dirty = useMemo(() => isDirty(base, draft), [base, draft])

  const blocker = useBlocker({ shouldBlockFn: () => dirty && !saving, enableBeforeUnload: () => dirty, withResolver: true })

  const set = <K extends keyof CourseDraft>(key: K, value: CourseDraft[K]) => setDraft((d) => ({ ...d, [key]: value }))
  const adopt = (saved: CoursePublic, keep?: { base: CourseDraft; mine: CourseDraft }) => {
    const fresh = draftFromCourse(saved)
    setCourse(saved)
    setBase(fresh)
    const next = keep ? rebase(keep.base, fresh, keep.mine) : fresh
    setDraft(next)
    setTagsText(next.tags.join(", "))
    queryClient.setQueryData(["course", "edit", saved.id], saved)
    void queryClient.invalidateQueries({ queryKey: ["courses"] })
  }

  const fail = (e: unknown) => {
    if (isApiError(e, 422)) setErrors(fieldErrorMap(e))
    if (isApiError(e, 409)) setErrors({ slug: adminProblem(e, t, i18n.language) })
    setProblem(adminProblem(e, t, i18n.language))
  }

  const save = async (current: CoursePublic | null, from: CourseDraft, to: CourseDraft) => {
    setSaving(true)
    setErrors({})
    setProblem(null)
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
        setConflict({ theirs, changes: conflictChanges(from, draftFromCourse(theirs), to) })
      } else {
        fail(e)
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
    setStatusAsk(null)
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
        setConflict({ theirs, changes: conflictChanges(base, draftFromCourse(theirs), draft) })
      } else fail(e)
    }
  }

  const status = course?.status ?? "draft"
  const statusActions: { to: CourseStatus; label: string; ask: string }[] = course
    ? [
        ...(status !== "published" ? [{ to: "published" as const, label: t("admin.editor.publish"), ask: t("admin.editor.publishConfirm") }] : []),
        ...(status !== "archived" ? [{ to: "archived" as const, label: t("admin.editor.archive"), ask: t("admin.editor.archiveConfirm") }] : []),
        ...(status !== "draft" ? [{ to: "draft" as const, label: t("admin.editor.backToDraft"), ask: t("admin.editor.draftConfirm") }] : []),
      ]
    : []
  const asked = statusActions.find((a) => a.to === statusAsk)

  return (
    <Stack gap="lg">
      <Group justify="space-between" wrap="wrap">
        <Stack gap={2}>
          <Title order={1}>{course ? t("admin.editor.title") : t("admin.editor.newTitle")}</Title>
          {course && <Text c="gray.7">{course.name}</Text>}
        </Stack>
        <Group gap="xs">
          {course && (
            <Badge size="lg" variant="light" color={status === "published" ? "green" : status === "draft" ? "gray" : "orange"}>
              {t("admin.editor.statusLabel", { status: t(`admin.status.${status}`) })}
            </Badge>
          )}
          {dirty && (
            <Badge size="lg" color="yellow" variant="light">
              {t("admin.editor.unsaved")}
            </Badge>
          )}
        </Group>
      </Group>
      {course && (
        <Group gap="md">
          <AnchorLink to="/admin/courses/$courseId/assignments" params={{ courseId: course.id }}>
            {t("admin.editor.assignments")}
          </AnchorLink>
          <AnchorLink to="/admin/learners" search={{ course: course.id }}>
            {t("admin.editor.learners")}
          </AnchorLink>
        </Group>
      )}
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          void save(course, base, draft)
        }}
      >
        <Stack gap="md">
          <Grid>
            <Grid.Col span={{ base: 12, md: 6 }}>
              <TextInput label={t("admin.editor.name")} required maxLength={200} value={draft.name} error={errors.name} onChange={(e) => set("name", e.currentTarget.value)} />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 6 }}>
              <TextInput label={t("admin.editor.slug")} description={t("admin.editor.slugHint")} maxLength={120} value={draft.slug} error={errors.slug} onChange={(e) => set("slug", e.currentTarget.value)} />
            </Grid.Col>
          </Grid>
          <Textarea label={t("admin.editor.description")} autosize minRows={2} maxLength={5000} value={draft.description} error={errors.description} onChange={(e) => set("description", e.currentTarget.value)} />
          <TextInput
            label={t("admin.editor.tags")}
            description={t("admin.editor.tagsHint")}
            value={tagsText}
            error={errors.tags}
            onChange={(e) => {
              setTagsText(e.currentTarget.value)
              set("tags", parseTags(e.currentTarget.value))
            }}
          />
          <Grid>
            <Grid.Col span={{ base: 12, md: 6 }}>
              <Textarea label={t("admin.editor.overview")} autosize minRows={8} maxRows={24} value={draft.content} error={errors.content} onChange={(e) => set("content", e.currentTarget.value)} />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 6 }}>
              <Paper withBorder p="sm" component="section" aria-labelledby="preview-heading" mih={200}>
                <Text fw={600} id="preview-heading" mb="xs">
                  {t("admin.editor.preview")}
                </Text>
                <Markdown source={draft.content} />
              </Paper>
            </Grid.Col>
          </Grid>
          <SectionsEditor sections={draft.sections} onChange={(s) => set("sections", s)} />
          {errors.sections && <Text c="red.8">{errors.sections}</Text>}
          {problem && (
            <Alert color="red" role="alert">
              {problem}
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={saving} disabled={!!course && !dirty}>
              {course ? t("admin.common.save") : t("admin.editor.create")}
            </Button>
            {statusActions.map((a) => (
              <Button key={a.to} variant="outline" color={a.to === "archived" ? "orange" : a.to === "published" ? "green" : "gray"} disabled={dirty || saving} onClick={() => setStatusAsk(a.to)}>
                {a.label}
              </Button>
            ))}
          </Group>
        </Stack>
      </form>
      <ConfirmDialog
        opened={!!asked}
        title={asked?.label ?? ""}
        text={asked?.ask ?? ""}
        confirmLabel={asked?.label ?? ""}
        danger={asked?.to === "archived"}
        onConfirm={() => asked && void changeStatus(asked.to)}
        onCancel={() => setStatusAsk(null)}
      />
      <ConflictDialog
        changes={conflict?.changes ?? null}
        onClose={() => setConflict(null)}
        onReload={() => {
          if (conflict) adopt(conflict.theirs)
          setConflict(null)
        }}
        onOverwrite={() => {
          if (!conflict) return
          const theirs = conflict.theirs
          const theirBase = draftFromCourse(theirs)
          const mine = rebase(base, theirBase, draft)
          setConflict(null)
          setCourse(theirs)
          setBase(theirBase)
          setDraft(mine)
          void save(theirs, theirBase, mine)
        }}
      />
      <ConfirmDialog
        opened={blocker.status === "blocked"}
        title={t("admin.common.leaveTitle")}
        text={t("admin.common.leaveText")}
        confirmLabel={t("admin.common.leave")}
        danger
        onConfirm={() => blocker.proceed?.()}
        onCancel={() => blocker.reset?.()}
      />
    </Stack>
  )
}
