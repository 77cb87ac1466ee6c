/**
 * Import and export calls that the generated client cannot make as the page needs them: the import body
 * is the file's text as it is (JSON or NDJSON) with upload progress (XMLHttpRequest), and the export is a
 * file to save. Both carry the session's bearer token and refresh it once on a 401.
 */
import type { ImportReport as ApiReport } from "@/client"
import type { ImportReport } from "./importReport"
import { normaliseReport } from "./importReport"
import { ApiError, NetworkError } from "@/api/problem"
import { refreshSession, sessionStore } from "@/api/session"
import { sessionFetch } from "@/api/setup"

export interface ImportOptions {
  mode: "upsert" | "create"
  atomic: boolean
  dryRun: boolean
}

/** JSON when the text starts with "[", NDJSON otherwise. */
export function contentType(text: string): string {
  return text.trimStart().startsWith("[") ? "application/json" : "application/x-ndjson"
}

/**
 * A file's text for the page, and whether it was all UTF-8. A file that is not keeps its own bytes for the
 * upload (see `runImport`), so the server reports the lines with foreign bytes as failed instead of
 * importing names with U+FFFD in them.
 */
export async function readImportFile(file: Blob): Promise<{ text: string; utf8: boolean }> {
  const bytes = await file.arrayBuffer()
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), utf8: true }
  } catch {
    return { text: new TextDecoder("utf-8").decode(bytes), utf8: false }
  }
}

function send(text: string, opts: ImportOptions, token: string | null, onProgress: (f: number) => void, raw?: Blob) {
  return new Promise<{ status: number; body: unknown; retryAfter: string | null }>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    const q = new URLSearchParams({ mode: opts.mode, atomic: String(opts.atomic), dry_run: String(opts.dryRun) })
    xhr.open("POST", `/api/v1/admin/courses/import?${q}`)
    xhr.setRequestHeader("Content-Type", contentType(text))
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`)
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total)
    xhr.onerror = () => reject(new NetworkError(new Error("upload failed")))
    xhr.onload = () => {
      let body: unknown = null
      try {
        body = JSON.parse(xhr.responseText)
      } catch {
        body = null
      }
      resolve({ status: xhr.status, body, retryAfter: xhr.getResponseHeader("Retry-After") })
    }
    xhr.send(raw ?? text)
  })
}

/**
 * Runs an import of `text`, or of the file's own bytes (`raw`) when it was not all UTF-8. A refused import (422 with the report: atomic with failures, or nothing importable)
 * still returns its report; other problems throw ApiError.
 */
export async function runImport(
  text: string,
  opts: ImportOptions,
  onProgress: (fraction: number) => void = () => {},
  raw?: Blob,
): Promise<ImportReport> {
  let reply = await send(text, opts, sessionStore.token(), onProgress, raw)
  if (reply.status === 401) {
    const fresh = await refreshSession()
    if (fresh) reply = await send(text, opts, fresh, onProgress, raw)
  }
  const body = reply.body as Partial<ApiReport> | null
  if (reply.status < 300 || (reply.status === 422 && body && Array.isArray(body.items))) {
    return normaliseReport(body as ApiReport)
  }
  throw new ApiError(reply.status, reply.body, reply.retryAfter)
}

/** The export as NDJSON text: every course, or those with a status and/or a tag. */
export async function fetchExport(status: string | null, tag: string | null): Promise<string> {
  const q = new URLSearchParams()
  if (status) q.set("status", status)
  if (tag) q.set("tag", tag)
  let response: Response
  try {
    response = await sessionFetch(`${window.location.origin}/api/v1/admin/courses/export?${q}`)
  } catch (e) {
    throw new NetworkError(e)
  }
  if (!response.ok) {
    let body: unknown = null
    try {
      body = await response.json()
    } catch {
      body = null
    }
    throw new ApiError(response.status, body, response.headers.get("Retry-After"))
  }
  return response.text()
}
