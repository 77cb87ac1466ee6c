/**
 * The sections of the course being edited: add, edit, delete, and reorder by drag and drop (native
 * HTML drag events on each card) or by keyboard (the "Move up" / "Move down" buttons, announced).
 */
import { ActionIcon, Button, Group, NumberInput, Paper, Stack, Text, Textarea, TextInput, Title } from "@mantine/core"
import { useState } from "react"
import { useTranslation } from "react-i18next"
import type { DraftSection } from "./courseEditor"
import { dropSection, moveSection, newKey } from "./courseEditor"

interface Props {
  sections: DraftSection[]
  /** Field errors by `sections.<key>.<field>` (other keys are ignored). */
  errors?: Record<string, string>
  onChange: (sections: DraftSection[]) => void
}

export function SectionsEditor({ sections, errors = {}, onChange }: Props) {
  const { t } = useTranslation()
  const [dragging, setDragging] = useState<string | null>(null)
  const [announcement, setAnnouncement] = useState("")
  const name = (s: DraftSection) => s.title || t("admin.editor.untitled")

  const update = (key: string, patch: Partial<DraftSection>) =>
    onChange(sections.map((s) => (s.key === key ? { ...s, ...patch } : s)))
  const move = (index: number, delta: number) => {
    const next = moveSection(sections, index, delta)
    if (next === sections) return
    onChange(next)
    const moved = sections[index]!
    setAnnouncement(t("admin.editor.moved", { title: name(moved), place: index + delta + 1 }))
    // Keep the keyboard where the user is: on the same button of the moved card.
    requestAnimationFrame(() => {
      const id = `${delta < 0 ? "up" : "down"}-${moved.key}`
      const el = document.getElementById(id) as HTMLButtonElement | null
      if (el && !el.disabled) el.focus()
      else document.getElementById(`${delta < 0 ? "down" : "up"}-${moved.key}`)?.focus()
    })
  }
  const add = () => {
    const s: DraftSection = { key: newKey(), section_id: null, title: "", body: "", duration_minutes: 10 }
    onChange([...sections, s])
    requestAnimationFrame(() => document.getElementById(`title-${s.key}`)?.focus())
  }

  return (
    <Stack gap="sm" component="section" aria-labelledby="sections-heading">
      <Title order={2} size="h3" id="sections-heading">
        {t("admin.editor.sections")}
      </Title>
      <div aria-live="polite" className="oms-visually-hidden">
        {announcement}
      </div>
      {sections.length === 0 && <Text c="gray.7">{t("admin.editor.noSections")}</Text>}
      <Stack gap="sm" component="ol" style={{ listStyle: "none", padding: 0, margin: 0 }}>
        {sections.map((s, i) => (
          <Paper
            component="li"
            key={s.key}
            withBorder
            p="sm"
            data-testid="section-card"
            onDragOver={(e) => {
              if (dragging) e.preventDefault()
            }}
            onDrop={(e) => {
              e.preventDefault()
              if (dragging && dragging !== s.key) onChange(dropSection(sections, dragging, s.key))
              setDragging(null)
            }}
            style={{ opacity: dragging === s.key ? 0.5 : 1 }}
          >
            <Group align="flex-start" wrap="nowrap" gap="sm">
              <ActionIcon
                variant="subtle"
                color="gray"
                draggable
                onDragStart={(e) => {
                  setDragging(s.key)
                  e.dataTransfer.effectAllowed = "move"
                  e.dataTransfer.setData("text/plain", s.key)
                }}
                onDragEnd={() => setDragging(null)}
                aria-label={t("admin.editor.dragHandle", { title: name(s) })}
                title={t("admin.editor.dragHandle", { title: name(s) })}
                style={{ cursor: "grab" }}
                tabIndex={-1}
              >
                ⠿
              </ActionIcon>
              <Stack gap="xs" style={{ flex: 1, minWidth: 0 }}>
                <Group grow align="flex-start" wrap="wrap">
                  <TextInput
                    id={`title-${s.key}`}
                    label={`${t("admin.editor.sectionTitle")} ${i + 1}`}
                    value={s.title}
                    required
                    withAsterisk={false}
                    maxLength={200}
                    error={errors[`sections.${s.key}.title`]}
                    onChange={(e) => update(s.key, { title: e.currentTarget.value })}
                    style={{ minWidth: 200 }}
                  />
                  <NumberInput
                    label={`${t("admin.editor.duration")} ${i + 1}`}
                    value={s.duration_minutes}
                    min={0}
                    max={10000}
                    allowDecimal={false}
                    error={errors[`sections.${s.key}.duration_minutes`]}
                    onChange={(v) => update(s.key, { duration_minutes: typeof v === "number" ? v : Number(v) || 0 })}
                    maw={180}
                  />
                </Group>
                <Textarea
                  label={`${t("admin.editor.sectionBody")} ${i + 1}`}
                  value={s.body}
                  autosize
                  minRows={2}
                  maxRows={10}
                  error={errors[`sections.${s.key}.body`]}
                  onChange={(e) => update(s.key, { body: e.currentTarget.value })}
                />
                <Group gap="xs">
                  <Button
                    id={`up-${s.key}`}
                    size="xs"
                    variant="default"
                    disabled={i === 0}
                    onClick={() => move(i, -1)}
                    aria-label={t("admin.editor.moveUp", { title: name(s) })}
                  >
                    {t("admin.editor.up")}
                  </Button>
                  <Button
                    id={`down-${s.key}`}
                    size="xs"
                    variant="default"
                    disabled={i === sections.length - 1}
                    onClick={() => move(i, 1)}
                    aria-label={t("admin.editor.moveDown", { title: name(s) })}
                  >
                    {t("admin.editor.down")}
                  </Button>
                  <Button
                    size="xs"
                    variant="outline"
                    color="red"
                    onClick={() => onChange(sections.filter((x) => x.key !== s.key))}
                    aria-label={t("admin.editor.removeSection", { title: name(s) })}
                  >
                    {t("admin.common.delete")}
                  </Button>
                </Group>
              </Stack>
            </Group>
          </Paper>
        ))}
      </Stack>
      <Button variant="default" onClick={add} style={{ alignSelf: "flex-start" }}>
        {t("admin.editor.addSection")}
      </Button>
    </Stack>
  )
}
