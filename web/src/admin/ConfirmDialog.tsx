/** A yes/no question before an action that is hard to undo; the confirm button names the action. */
import { Button, Group, Modal, Text } from "@mantine/core"
import { useTranslation } from "react-i18next"

interface Props {
  opened: boolean
  title: string
  text: string
  confirmLabel: string
  danger?: boolean
  onConfirm: () => void
  onCancel: () => void
}

export function ConfirmDialog({ opened, title, text, confirmLabel, danger, onConfirm, onCancel }: Props) {
  const { t } = useTranslation()
  return (
    <Modal opened={opened} onClose={onCancel} title={title} closeButtonProps={{ "aria-label": t("app.close") }}>
      <Text>{text}</Text>
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={onCancel}>
          {t("admin.common.cancel")}
        </Button>
        <Button color={danger ? "red" : "blue"} onClick={onConfirm}>
          {confirmLabel}
        </Button>
      </Group>
    </Modal>
  )
}
