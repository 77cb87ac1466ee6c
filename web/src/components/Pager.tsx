/**
 * Previous / next page with "Page 2 of 5": named buttons, no icon-only controls. `hasNext` says whether
 * there is a next page when the caller knows better than the count (a cursor to follow).
 */
import { Button, Group, Text } from "@mantine/core"
import { useTranslation } from "react-i18next"

export function Pager({
  page,
  pages,
  onPage,
  hasNext = page < pages,
}: {
  page: number
  pages: number
  onPage: (page: number) => void
  hasNext?: boolean
}) {
  const { t } = useTranslation()
  return (
    <Group component="nav" aria-label={t("catalogue.pagination")} justify="center" gap="md">
      <Button variant="default" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        {t("catalogue.previousPage")}
      </Button>
      <Text size="sm">{t("catalogue.pageOf", { page, pages })}</Text>
      <Button variant="default" disabled={!hasNext} onClick={() => onPage(page + 1)}>
        {t("catalogue.nextPage")}
      </Button>
    </Group>
  )
}
