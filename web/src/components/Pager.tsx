/** Previous / next page with "Page 2 of 5": named buttons, no icon-only controls. */
import { Button, Group, Text } from "@mantine/core"
import { useTranslation } from "react-i18next"

export function Pager({ page, pages, onPage }: { page: number; pages: number; onPage: (page: number) => void }) {
  const { t } = useTranslation()
  return (
    <Group component="nav" aria-label={t("catalogue.pagination")} justify="center" gap="md">
      <Button variant="default" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        {t("catalogue.previousPage")}
      </Button>
      <Text size="sm">{t("catalogue.pageOf", { page, pages })}</Text>
      <Button variant="default" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        {t("catalogue.nextPage")}
      </Button>
    </Group>
  )
}
