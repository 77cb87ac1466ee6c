/** Loading placeholders with the size of what will arrive, so nothing jumps. */
import { Card, SimpleGrid, Skeleton, Stack } from "@mantine/core"
import { useTranslation } from "react-i18next"

export function CardGridSkeleton({ count = 6 }: { count?: number }) {
  const { t } = useTranslation()
  return (
    <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} aria-busy="true" aria-label={t("app.loading")}>
      {Array.from({ length: count }, (_, i) => (
        <Card key={i} withBorder padding="lg" h={190}>
          <Skeleton height={22} width="70%" mb="md" />
          <Skeleton height={12} mb={8} />
          <Skeleton height={12} width="85%" mb="lg" />
          <Skeleton height={18} width="40%" />
        </Card>
      ))}
    </SimpleGrid>
  )
}

export function PageSkeleton({ lines = 6 }: { lines?: number }) {
  const { t } = useTranslation()
  return (
    <Stack aria-busy="true" aria-label={t("app.loading")} gap="sm">
      <Skeleton height={34} width="50%" mb="md" />
      {Array.from({ length: lines }, (_, i) => (
        <Skeleton key={i} height={14} width={`${90 - (i % 3) * 12}%`} />
      ))}
    </Stack>
  )
}
