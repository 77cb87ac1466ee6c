/**
 * The 412 dialog: someone else saved first; what they changed (course fields, each section's title, text
 * and duration, the list) beside what an overwrite leaves, with the clashes (both changed it, mine wins)
 * marked, so nothing is overwritten unseen; then reload or overwrite.
 */
import { Badge, Button, Group, Modal, Table, Text } from "@mantine/core"
import { useTranslation } from "react-i18next"
import type { Change } from "./mergeCourse"

interface Props {
  changes: Change[] | null
  onReload: () => void
  onOverwrite: () => void
  onClose: () => void
}

export function ConflictDialog({ changes, onReload, onOverwrite, onClose }: Props) {
  const { t } = useTranslation()
  return (
    <Modal opened={changes !== null} onClose={onClose} title={t("admin.editor.conflictTitle")} size="xl" closeButtonProps={{ "aria-label": t("app.close") }}>
      <Text mb="sm">{t("admin.editor.conflictText")}</Text>
      {(changes ?? []).some((c) => c.clash) && (
        <Text mb="sm" fw={600} c="red.9">
          {t("admin.editor.clashText", { count: (changes ?? []).filter((c) => c.clash).length })}
        </Text>
      )}
      <Table.ScrollContainer minWidth={480}>
        <Table withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("admin.editor.field")}</Table.Th>
              <Table.Th>{t("admin.editor.theirs")}</Table.Th>
              <Table.Th>{t("admin.editor.mine")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(changes ?? []).map((c, i) => (
              <Table.Tr key={`${i}-${c.field}-${c.section ?? ""}`} data-clash={c.clash || undefined}>
                <Table.Th scope="row">
                  {c.section === undefined
                    ? t(`admin.fields.${c.field}`)
                    : t("admin.editor.sectionField", { field: t(`admin.fields.${c.field}`), section: c.section })}
                  {c.clash && (
                    <Badge ml="xs" color="red" variant="light" c="red.9">
                      {t("admin.editor.clash")}
                    </Badge>
                  )}
                </Table.Th>
                <Table.Td style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }}>{c.theirs}</Table.Td>
                <Table.Td style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }}>{c.mine}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={onReload}>
          {t("admin.editor.reload")}
        </Button>
        <Button color="red" onClick={onOverwrite}>
          {t("admin.editor.overwrite")}
        </Button>
      </Group>
    </Modal>
  )
}
