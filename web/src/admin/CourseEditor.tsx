/**
 * The course editor: fields, live sanitised preview of the overview, tags, sections, status changes with
 * confirmation. Saves send If-Match; a 412 opens the conflict dialog; leaving with unsaved changes asks.
 * The state and the API calls live in useCourseEditor; this file lays the parts out.
 */
import { Alert, Badge, Button, Group, Stack, Text, Title } from "@mantine/core"
import { useBlocker } from "@tanstack/react-router"
import { useTranslation } from "react-i18next"
import type { CoursePublic } from "@/client"
import { AnchorLink } from "@/components/links"
import { ConfirmDialog } from "./ConfirmDialog"
import { ConflictDialog } from "./ConflictDialog"
import { CourseFields } from "./CourseFields"
import { SectionsEditor } from "./SectionsEditor"
import { StatusActions } from "./StatusActions"
import { useCourseEditor } from "./useCourseEditor"

export function CourseEditor({ initial }: { initial: CoursePublic | null }) {
  const { t } = useTranslation()
  const ed = useCourseEditor(initial)
  const { course, draft, dirty, saving } = ed
  const blocker = useBlocker({ shouldBlockFn: () => dirty && !saving, enableBeforeUnload: () => dirty, withResolver: true })
  const status = course?.status ?? "draft"

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
            <Badge size="lg" color="yellow" c="orange.9" variant="light">
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
          void ed.save()
        }}
      >
        <Stack gap="md">
          <CourseFields draft={draft} tagsText={ed.tagsText} errors={ed.errors} set={ed.set} setTags={ed.setTags} />
          <SectionsEditor sections={draft.sections} errors={ed.errors} onChange={(s) => ed.set("sections", s)} />
          {ed.errors.sections && <Text c="red.8">{ed.errors.sections}</Text>}
          {ed.problem && (
            <Alert color="red" role="alert">
              {ed.problem}
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={saving} disabled={!!course && !dirty}>
              {course ? t("admin.common.save") : t("admin.editor.create")}
            </Button>
            {course && <StatusActions status={status} disabled={dirty || saving} onChange={(s) => void ed.changeStatus(s)} />}
          </Group>
        </Stack>
      </form>
      <ConflictDialog changes={ed.conflict?.changes ?? null} onClose={ed.closeConflict} onReload={ed.reloadTheirs} onOverwrite={ed.overwrite} />
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
