/** The course's own fields: name, slug, description, tags, and the overview beside its sanitised preview. */
import { Grid, Paper, Text, Textarea, TextInput } from "@mantine/core"
import { useTranslation } from "react-i18next"
import { Markdown } from "@/components/Markdown"
import type { CourseDraft } from "./courseEditor"

interface Props {
  draft: CourseDraft
  tagsText: string
  errors: Record<string, string>
  set: <K extends keyof CourseDraft>(key: K, value: CourseDraft[K]) => void
  setTags: (text: string) => void
}

export function CourseFields({ draft, tagsText, errors, set, setTags }: Props) {
  const { t } = useTranslation()
  return (
    <>
      <Grid>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <TextInput label={t("admin.editor.name")} required maxLength={200} value={draft.name} error={errors.name} onChange={(e) => set("name", e.currentTarget.value)} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <TextInput label={t("admin.editor.slug")} description={t("admin.editor.slugHint")} maxLength={120} value={draft.slug} error={errors.slug} onChange={(e) => set("slug", e.currentTarget.value)} />
        </Grid.Col>
      </Grid>
      <Textarea label={t("admin.editor.description")} autosize minRows={2} maxLength={5000} value={draft.description} error={errors.description} onChange={(e) => set("description", e.currentTarget.value)} />
      <TextInput label={t("admin.editor.tags")} description={t("admin.editor.tagsHint")} value={tagsText} error={errors.tags} onChange={(e) => setTags(e.currentTarget.value)} />
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
    </>
  )
}
