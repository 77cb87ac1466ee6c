/** Toasts whose close button is named in the user's language. */
import { notifications } from "@mantine/notifications"
import i18n from "@/i18n"

export function notify(message: string, color: "green" | "red" | "gray" = "gray", title?: string): void {
  notifications.show({ message, color, title, closeButtonProps: { "aria-label": i18n.t("app.close") } })
}
