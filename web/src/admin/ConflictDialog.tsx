/** The 412 dialog: someone else saved first; what they changed beside what I have, reload or overwrite. */
import { Button, Group, Modal, Table, Text } from "@mantine/core"
import { useTranslation } from "react-i18next"
import type { Change } from "./courseEditor"

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
            {(changes ?? []).map((c) => (
              <Table.Tr key={c.field}>
                <Table.Th scope="row">{t(`admin.fields.${c.field}`)}</Table.Th>
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
