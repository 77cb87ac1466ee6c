/** Publish / Archive / Back to draft: the buttons for the statuses a course can move to, each confirmed first. */
import { Button } from "@mantine/core"
import { useState } from "react"
import { useTranslation } from "react-i18next"
import type { CourseStatus } from "@/client"
import { ConfirmDialog } from "./ConfirmDialog"

interface Props {
  status: CourseStatus
  /** Status changes wait until the fields are saved (a change of status saves nothing else). */
  disabled: boolean
  onChange: (status: CourseStatus) => void
}

export function StatusActions({ status, disabled, onChange }: Props) {
  const { t } = useTranslation()
  const [asking, setAsking] = useState<CourseStatus | null>(null)
  const actions: { to: CourseStatus; label: string; ask: string }[] = [
    ...(status !== "published" ? [{ to: "published" as const, label: t("admin.editor.publish"), ask: t("admin.editor.publishConfirm") }] : []),
    ...(status !== "archived" ? [{ to: "archived" as const, label: t("admin.editor.archive"), ask: t("admin.editor.archiveConfirm") }] : []),
    ...(status !== "draft" ? [{ to: "draft" as const, label: t("admin.editor.backToDraft"), ask: t("admin.editor.draftConfirm") }] : []),
  ]
  const asked = actions.find((a) => a.to === asking)
  return (
    <>
      {actions.map((a) => (
        <Button key={a.to} variant="outline" color={a.to === "archived" ? "orange" : a.to === "published" ? "green" : "gray"} disabled={disabled} onClick={() => setAsking(a.to)}>
          {a.label}
        </Button>
      ))}
      <ConfirmDialog
        opened={!!asked}
        title={asked?.label ?? ""}
        text={asked?.ask ?? ""}
        confirmLabel={asked?.label ?? ""}
        danger={asked?.to === "archived"}
        onConfirm={() => {
          setAsking(null)
          if (asked) onChange(asked.to)
        }}
        onCancel={() => setAsking(null)}
      />
    </>
  )
}
