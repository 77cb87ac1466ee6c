/**
 * Import: choose or drop a JSON/NDJSON file (or paste), pick the mode and atomicity, run a dry run and
 * read its report, then import for real. Export: download NDJSON of all courses or by status and tag.
 */
import { Alert, Button, Checkbox, FileButton, Group, Paper, Progress, Radio, Select, Stack, Text, Textarea, TextInput, Title } from "@mantine/core"
import { useQueryClient } from "@tanstack/react-query"
import { useState } from "react"
import { useTranslation } from "react-i18next"
import type { ImportReport } from "./importReport"
import { notify } from "@/lib/notify"
import { download } from "./importReport"
import { ImportReportTable } from "./ImportReportTable"
import { adminProblem } from "./problem"
import { fetchExport, readImportFile, runImport } from "./transfer"

export function ImportPage() {
  const { t } = useTranslation()
  return (
    <Stack gap="xl">
      <Title order={1}>{t("admin.import.title")}</Title>
      <ImportPanel />
      <ExportPanel />
    </Stack>
  )
}

function ImportPanel() {
  const { t, i18n } = useTranslation()
  const queryClient = useQueryClient()
  const [text, setText] = useState("")
  const [fileName, setFileName] = useState<string | null>(null)
  const [mode, setMode] = useState<"upsert" | "create">("upsert")
  const [atomic, setAtomic] = useState(false)
  const [busy, setBusy] = useState(false)
  const [progress, setProgress] = useState(0)
  const [report, setReport] = useState<ImportReport | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const [dragOver, setDragOver] = useState(false)

  // The chosen file itself when it is not all UTF-8: it is sent as it is (see readImportFile).
  const [raw, setRaw] = useState<Blob | null>(null)
  const load = async (file: File | null) => {
    if (!file) return
    const read = await readImportFile(file)
    setFileName(file.name)
    setText(read.text)
    setRaw(read.utf8 ? null : file)
    setReport(null)
    // an empty file is said at once (nothing to import), not later as "choose a file"
    setProblem(read.text.trim() ? null : t("admin.import.emptyFile", { name: file.name }))
  }
  const run = async (dryRun: boolean) => {
    if (!text.trim()) {
      setProblem(fileName ? t("admin.import.emptyFile", { name: fileName }) : t("admin.import.noText"))
      return
    }
    setBusy(true)
    setProblem(null)
    setProgress(0)
    try {
      const r = await runImport(text, { mode, atomic, dryRun }, setProgress, raw ?? undefined)
      setReport(r)
      if (!dryRun) {
        void queryClient.invalidateQueries({ queryKey: ["courses"] })
        notify(t("admin.import.done", { ...r }), r.failed ? "red" : "green")
      }
    } catch (e) {
      setProblem(adminProblem(e, t, i18n.language))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="import-heading">
      <Stack>
        <Title order={2} size="h3" id="import-heading">
          {t("admin.import.title")}
        </Title>
        <div
          onDragOver={(e) => {
            e.preventDefault()
            setDragOver(true)
          }}
          onDragLeave={() => setDragOver(false)}
          onDrop={(e) => {
            e.preventDefault()
            setDragOver(false)
            void load(e.dataTransfer.files[0] ?? null)
          }}
          style={{
            border: `2px dashed var(--mantine-color-${dragOver ? "blue-6" : "gray-4"})`,
            borderRadius: 8,
            padding: 16,
          }}
        >
          <Group>
            <Text>{t("admin.import.drop")}</Text>
            <FileButton onChange={(f) => void load(f)} accept=".json,.ndjson,.jsonl,application/json,application/x-ndjson">
              {(props) => (
                <Button variant="default" {...props}>
                  {t("admin.import.choose")}
                </Button>
              )}
            </FileButton>
            {fileName && <Text fw={600}>{fileName}</Text>}
          </Group>
        </div>
        {raw && (
          <Alert color="orange" c="orange.9" role="status">
            {t("admin.import.notUtf8")}
          </Alert>
        )}
        <Textarea
          label={t("admin.import.paste")}
          value={text.length > 200_000 ? text.slice(0, 2000) : text}
          readOnly={text.length > 200_000}
          onChange={(e) => {
            setText(e.currentTarget.value)
            setFileName(null)
            setRaw(null)
            setReport(null)
          }}
          autosize
          minRows={4}
          maxRows={12}
          styles={{ input: { fontFamily: "monospace" } }}
        />
        <Group align="flex-end" wrap="wrap">
          <Radio.Group label={t("admin.import.mode")} value={mode} onChange={(v) => setMode(v as "upsert" | "create")}>
            <Group mt={4}>
              <Radio value="upsert" label={t("admin.import.upsert")} />
              <Radio value="create" label={t("admin.import.create")} />
            </Group>
          </Radio.Group>
          <Checkbox label={t("admin.import.atomic")} checked={atomic} onChange={(e) => setAtomic(e.currentTarget.checked)} />
        </Group>
        <Group>
          <Button onClick={() => void run(true)} loading={busy}>
            {t("admin.import.dryRun")}
          </Button>
          <Button color="green" onClick={() => void run(false)} disabled={!report?.dry_run || busy}>
            {t("admin.import.real")}
          </Button>
        </Group>
        {busy && (
          <Stack gap={4}>
            <Text size="sm">{progress < 1 ? t("admin.import.uploaded", { percent: `${Math.round(progress * 100)}%` }) : t("admin.import.running")}</Text>
            <Progress value={progress < 1 ? progress * 100 : 100} animated={progress >= 1} aria-label={t("admin.import.running")} />
          </Stack>
        )}
        {problem && (
          <Alert color="red" role="alert">
            {problem}
          </Alert>
        )}
        {report && (
          <Stack gap="xs">
            <Title order={3} size="h4">
              {report.dry_run ? t("admin.import.dryRunReport") : t("admin.import.realReport")}
            </Title>
            <Text fw={600} role="status">
              {t("admin.import.summary", { ...report })}
            </Text>
            {report.refused && (
              <Alert color="red" role="alert">
                {t("admin.import.refused")}
              </Alert>
            )}
            <ImportReportTable key={`${report.dry_run}-${report.items.length}-${report.created}-${report.updated}`} report={report} />
          </Stack>
        )}
      </Stack>
    </Paper>
  )
}

function ExportPanel() {
  const { t, i18n } = useTranslation()
  const [status, setStatus] = useState<string | null>(null)
  const [tag, setTag] = useState("")
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const run = async () => {
    setBusy(true)
    setProblem(null)
    try {
      const text = await fetchExport(status, tag.trim() || null)
      download("courses.ndjson", text, "application/x-ndjson")
      notify(t("admin.import.exported", { count: text.split("\n").filter(Boolean).length }), "green")
    } catch (e) {
      setProblem(adminProblem(e, t, i18n.language))
    } finally {
      setBusy(false)
    }
  }
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="export-heading">
      <Stack>
        <Title order={2} size="h3" id="export-heading">
          {t("admin.import.export")}
        </Title>
        <Text>{t("admin.import.exportHint")}</Text>
        <Group align="flex-end" wrap="wrap">
          <Select
            label={t("admin.import.exportStatus")}
            value={status ?? "all"}
            onChange={(v) => setStatus(v === "all" ? null : v)}
            data={[
              { value: "all", label: t("admin.common.all") },
              ...(["draft", "published", "archived"] as const).map((s) => ({ value: s, label: t(`admin.status.${s}`) })),
            ]}
            allowDeselect={false}
          />
          <TextInput label={t("admin.import.exportTag")} value={tag} onChange={(e) => setTag(e.currentTarget.value)} />
          <Button onClick={() => void run()} loading={busy}>
            {t("admin.import.exportButton")}
          </Button>
        </Group>
        {problem && (
          <Alert color="red" role="alert">
            {problem}
          </Alert>
        )}
      </Stack>
    </Paper>
  )
}
